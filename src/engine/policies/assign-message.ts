/**
 * AssignMessage: creates or changes a request/response message (headers, query and form params,
 * payload, status, reason) and assigns flow variables (Ref / Template / Value).
 */
import { child, xmlBoolean, type XmlElement } from '../bundle/xml'
import { PolicyFault, type FaultSpec } from '../faults/fault'
import { HttpMessage, RequestMessage } from '../runtime/message'
import {
  applyAssignVariables,
  applyMessageEdits,
  compileMessageEdits,
  MessageEditError,
  type MessageEdits
} from '../runtime/message-ops'
import type { CompileContext, PolicyContext, PolicyHandler } from './types'

export interface AssignMessageConfig {
  edits: MessageEdits
  /** Target message: `request`, `response`, or a custom message variable. null = the flow's own message. */
  assignTo: { variable: string | null; type: 'request' | 'response'; createNew: boolean; explicit: boolean }
  ignoreUnresolvedVariables: boolean
}

/** AssignMessage's runtime faults (Apigee fault names and codes). */
export const assignMessageFaults = {
  unresolvedVariable: (policy: string, variable: string): FaultSpec => ({
    name: 'UnresolvedVariable',
    status: 500,
    errorcode: 'steps.assignmessage.UnresolvedVariable',
    faultstring: `AssignMessage[${policy}]: unable to resolve variable ${variable}`
  }),
  variableOfNonMsgType: (policy: string, variable: string): FaultSpec => ({
    name: 'VariableOfNonMsgType',
    status: 500,
    errorcode: 'steps.assignmessage.VariableOfNonMsgType',
    faultstring: `AssignMessage[${policy}]: value of variable ${variable} is not of type Message`
  }),
  invalidStatusCode: (policy: string, value: string): FaultSpec => ({
    name: 'InvalidStatusCode',
    status: 500,
    errorcode: 'steps.assignmessage.InvalidStatusCode',
    faultstring: `AssignMessage[${policy}]: invalid status code ${value}`
  })
}

function compileAssignTo(root: XmlElement, ctx: CompileContext): AssignMessageConfig['assignTo'] {
  const el = child(root, 'AssignTo')
  if (!el) return { variable: null, type: 'request', createNew: false, explicit: false }
  const type = (el.attributes['type'] ?? 'request').toLowerCase()
  if (type !== 'request' && type !== 'response') {
    ctx.error('InvalidAssignToType', `AssignTo type must be "request" or "response", got "${el.attributes['type']}"`, el)
  }
  return {
    variable: el.text === '' ? null : el.text,
    type: type === 'response' ? 'response' : 'request',
    createNew: xmlBoolean(el.attributes['createNew'], false),
    explicit: true
  }
}

/** Resolves (or creates) the message AssignMessage edits. */
export function resolveTargetMessage(
  assignTo: AssignMessageConfig['assignTo'],
  ctx: PolicyContext,
  policy: string
): HttpMessage {
  const { variable, type, createNew, explicit } = assignTo
  if (variable === null) {
    if (createNew) {
      // Without a variable name, createNew replaces the flow's own request or response with an empty one.
      const message = (type === 'request' ? ctx.request : ctx.response) as HttpMessage
      for (const name of message.headerNames()) message.removeHeader(name)
      message.content = ''
      if (!(message instanceof RequestMessage)) {
        message.status = 200
        message.reasonPhrase = 'OK'
      }
      return message
    }
    if (explicit) return (type === 'request' ? ctx.request : ctx.response) as HttpMessage
    return (ctx.flow === 'request' ? ctx.request : ctx.response) as HttpMessage
  }
  if (variable === 'request') return ctx.request as HttpMessage
  if (variable === 'response') return ctx.response as HttpMessage
  const existing = ctx.variables.get(variable)
  if (existing instanceof HttpMessage && !createNew) return existing
  if (existing !== undefined && !(existing instanceof HttpMessage) && !createNew) {
    throw new PolicyFault(assignMessageFaults.variableOfNonMsgType(policy, variable))
  }
  const fresh = type === 'request' ? new RequestMessage({ verb: 'GET', uri: '/' }) : new HttpMessage()
  ctx.variables.set(variable, fresh)
  return fresh
}

/** The AssignMessage policy handler. */
export const assignMessagePolicy: PolicyHandler<AssignMessageConfig> = {
  type: 'AssignMessage',
  faultVariablePrefix: 'assignmessage',
  compile(root, ctx) {
    return {
      edits: compileMessageEdits(root, ctx),
      assignTo: compileAssignTo(root, ctx),
      ignoreUnresolvedVariables: xmlBoolean(child(root, 'IgnoreUnresolvedVariables')?.text, false)
    }
  },
  execute(config, ctx) {
    const policy = ctx.policyName
    try {
      applyAssignVariables(config.edits.assignVariables, ctx.variables)
      const hasMessageEdits = config.edits.copy || config.edits.remove || config.edits.add || config.edits.set
      if (!hasMessageEdits && config.assignTo.variable === null && !config.assignTo.createNew) return
      const target = resolveTargetMessage(config.assignTo, ctx, policy)
      applyMessageEdits(config.edits, target, ctx.variables)
    } catch (e) {
      if (!(e instanceof MessageEditError)) throw e
      if (e.code === 'UnresolvedVariable') {
        if (config.ignoreUnresolvedVariables) return
        throw new PolicyFault(assignMessageFaults.unresolvedVariable(policy, e.subject))
      }
      if (e.code === 'VariableOfNonMsgType') throw new PolicyFault(assignMessageFaults.variableOfNonMsgType(policy, e.subject))
      throw new PolicyFault(assignMessageFaults.invalidStatusCode(policy, e.subject))
    }
  }
}
