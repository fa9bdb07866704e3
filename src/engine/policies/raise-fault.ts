/**
 * RaiseFault: puts the flow into error state with the response built from `<FaultResponse>`;
 * without one, Apigee's default envelope `Raising fault. Fault name : <policy>` (500).
 */
import { child, xmlBoolean } from '../bundle/xml'
import { PolicyFault, faultEnvelope, type FaultSpec } from '../faults/fault'
import { HttpMessage } from '../runtime/message'
import { applyAssignVariables, applyMessageEdits, compileMessageEdits, MessageEditError, type MessageEdits } from '../runtime/message-ops'
import type { PolicyHandler } from './types'

export interface RaiseFaultConfig {
  /** null when the policy has no `<FaultResponse>`. */
  faultResponse: MessageEdits | null
  ignoreUnresolvedVariables: boolean
}

/** The fault RaiseFault raises; fault.name is always `RaiseFault`. */
export function raiseFaultSpec(policy: string, status = 500): FaultSpec {
  return { name: 'RaiseFault', status, errorcode: 'steps.raisefault.RaiseFault', faultstring: `Raising fault. Fault name : ${policy}` }
}

/** The RaiseFault policy handler. */
export const raiseFaultPolicy: PolicyHandler<RaiseFaultConfig> = {
  type: 'RaiseFault',
  faultVariablePrefix: 'raisefault',
  compile(root, ctx) {
    const faultResponseEl = child(root, 'FaultResponse')
    return {
      faultResponse: faultResponseEl ? compileMessageEdits(faultResponseEl, ctx) : null,
      ignoreUnresolvedVariables: xmlBoolean(child(root, 'IgnoreUnresolvedVariables')?.text, false)
    }
  },
  execute(config, ctx) {
    const policy = ctx.policyName
    if (!config.faultResponse) {
      const spec = raiseFaultSpec(policy)
      throw new PolicyFault(spec, {
        response: {
          status: spec.status,
          headers: [['Content-Type', 'application/json']],
          body: faultEnvelope(spec.faultstring, spec.errorcode)
        }
      })
    }
    const message = new HttpMessage({ status: 500 })
    applyAssignVariables(config.faultResponse.assignVariables, ctx.variables)
    try {
      applyMessageEdits(config.faultResponse, message, ctx.variables)
    } catch (e) {
      if (!(e instanceof MessageEditError)) throw e
      if (!(e.code === 'UnresolvedVariable' && config.ignoreUnresolvedVariables)) {
        throw new PolicyFault({
          name: e.code,
          status: 500,
          errorcode: `steps.raisefault.${e.code}`,
          faultstring: `RaiseFault[${policy}]: ${e.code === 'InvalidStatusCode' ? `invalid status code ${e.subject}` : `unable to resolve variable ${e.subject}`}`
        })
      }
    }
    const response: { status: number; reasonPhrase: string; headers: Array<[string, string]>; body: string } = {
      status: message.status,
      reasonPhrase: message.reasonPhrase,
      headers: message.headerList(),
      body: message.content
    }
    throw new PolicyFault(raiseFaultSpec(policy, message.status), { response })
  }
}
