/**
 * ServiceCallout: builds a request message (AssignMessage's Copy/Remove/Add/Set edits), sends it through the
 * engine's HttpClient to `<HTTPTargetConnection><URL>` and stores the answer in the `<Response>` variable,
 * readable as `<response>.content`, `<response>.status.code`, `<response>.header.X`.
 */
import { child, children, xmlBoolean, type XmlElement } from '../../bundle/xml'
import { parseSuccessCodes, type SuccessCodes } from '../../bundle/compile'
import { PolicyFault } from '../../faults/fault'
import { fill, serviceCalloutFaults } from '../../faults/extension'
import { OutboundError } from '../../ports'
import { withoutHopByHop } from '../../runtime/exchange-trace'
import { HttpMessage, reasonPhraseFor, RequestMessage } from '../../runtime/message'
import { applyMessageEdits, compileMessageEdits, MessageEditError, type MessageEdits } from '../../runtime/message-ops'
import { compileTemplate, renderTemplate, type MessageTemplate } from '../../runtime/template'
import type { CompileContext, PolicyContext, PolicyHandler } from '../types'

/** Apigee's default when neither `<Timeout>` nor `io.timeout.millis` is given. */
const DEFAULT_TIMEOUT_MS = 55_000

export interface ServiceCalloutConfig {
  /** `<Request variable>`: null = a fresh request nobody else can read. */
  requestVariable: string | null
  clearPayload: boolean
  edits: MessageEdits
  ignoreUnresolvedVariables: boolean
  responseVariable: string
  url: MessageTemplate
  timeoutMs: number
  successCodes: SuccessCodes
}

const defaultSuccess: SuccessCodes = (status) => status < 400

function positiveInt(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) && Number(text.trim()) > 0 ? Number(text.trim()) : undefined
}

function compileConnection(root: XmlElement, ctx: CompileContext): Pick<ServiceCalloutConfig, 'url' | 'timeoutMs' | 'successCodes'> {
  const http = child(root, 'HTTPTargetConnection')
  let timeoutMs = DEFAULT_TIMEOUT_MS
  let successCodes = defaultSuccess
  const timeoutEl = child(root, 'Timeout')
  if (timeoutEl) {
    const n = positiveInt(timeoutEl.text)
    if (n === undefined) ctx.error('InvalidTimeoutValue', `<Timeout> must be a positive number of milliseconds, got "${timeoutEl.text}"`, timeoutEl)
    else timeoutMs = n
  }
  if (!http) {
    const local = child(root, 'LocalTargetConnection')
    if (local) ctx.error('UnsupportedTargetConnection', 'LocalTargetConnection is not supported by Gatelab; use <HTTPTargetConnection><URL>', local)
    else ctx.error('ConnectionInfoMissing', 'ServiceCallout needs an <HTTPTargetConnection> with a <URL>', root)
    return { url: compileTemplate(''), timeoutMs, successCodes }
  }
  const urlEl = child(http, 'URL')
  const urlText = urlEl?.text.trim() ?? ''
  if (urlText === '') ctx.error('URLMissing', '<HTTPTargetConnection> has no <URL>', urlEl ?? http)
  else if (!/^https?:\/\//i.test(urlText)) ctx.error('InvalidTargetURL', `ServiceCallout URL "${urlText}" must start with http:// or https://`, urlEl)
  const props = child(http, 'Properties')
  for (const prop of props ? children(props, 'Property') : []) {
    const name = prop.attributes['name']
    if (name === 'io.timeout.millis' && !timeoutEl) {
      const n = positiveInt(prop.text)
      if (n === undefined) ctx.error('InvalidPropertyValue', `io.timeout.millis must be a positive integer, got "${prop.text}"`, prop)
      else timeoutMs = n
    } else if (name === 'success.codes') {
      const parsed = parseSuccessCodes(prop.text)
      if (!parsed) ctx.error('InvalidPropertyValue', `success.codes must list codes like "1xx,2xx,3xx,404", got "${prop.text}"`, prop)
      else successCodes = parsed
    }
  }
  return { url: compileTemplate(urlText), timeoutMs, successCodes }
}

/** The request to send: the `<Request variable>` message (created when unset), edited. */
function buildRequest(config: ServiceCalloutConfig, ctx: PolicyContext): RequestMessage {
  const policy = ctx.policyName
  const name = config.requestVariable
  let request: RequestMessage
  const existing = name === null ? undefined : ctx.variables.get(name)
  if (existing === undefined || existing === null) {
    request = new RequestMessage({ verb: 'GET', uri: '/' })
    if (name !== null) ctx.variables.set(name, request)
  } else if (existing instanceof RequestMessage) {
    request = existing
  } else if (existing instanceof HttpMessage) {
    throw new PolicyFault(fill(serviceCalloutFaults.RequestVariableNotRequestMessageType, policy, name!))
  } else {
    throw new PolicyFault(fill(serviceCalloutFaults.RequestVariableNotMessageType, policy, name!))
  }
  try {
    applyMessageEdits(config.edits, request, ctx.variables)
  } catch (e) {
    if (!(e instanceof MessageEditError)) throw e
    // [U] An edit that cannot be applied fails the callout: the request could not be built.
    if (!(e.code === 'UnresolvedVariable' && config.ignoreUnresolvedVariables)) {
      throw new PolicyFault(fill(serviceCalloutFaults.ExecutionFailed, policy, `cannot build the request: ${e.code} ${e.subject}`))
    }
  }
  return request
}

function failureReason(e: unknown, url: string, timeoutMs: number): string {
  if (!(e instanceof OutboundError)) return e instanceof Error ? e.message : String(e)
  if (e.code === 'timeout') return `timeout occurred in ${url} after ${timeoutMs} ms`
  if (e.code === 'connection-refused') return `connection refused by ${url}`
  if (e.code === 'dns') return `unknown host in ${url}`
  return e.message
}

/** The ServiceCallout policy handler. */
export const serviceCalloutPolicy: PolicyHandler<ServiceCalloutConfig> = {
  type: 'ServiceCallout',
  faultVariablePrefix: 'servicecallout',
  compile(root, ctx) {
    const requestEl = child(root, 'Request')
    const responseEl = child(root, 'Response')
    return {
      requestVariable: requestEl?.attributes['variable']?.trim() || null,
      clearPayload: xmlBoolean(requestEl?.attributes['clearPayload'], false),
      edits: requestEl ? compileMessageEdits(requestEl, ctx) : { assignVariables: [], copy: null, remove: null, add: null, set: null },
      ignoreUnresolvedVariables: xmlBoolean(requestEl && child(requestEl, 'IgnoreUnresolvedVariables')?.text, false),
      responseVariable: responseEl?.text.trim() || 'calloutResponse',
      ...compileConnection(root, ctx)
    }
  },
  async execute(config, ctx) {
    const policy = ctx.policyName
    const vars = ctx.variables
    const request = buildRequest(config, ctx)
    // `servicecallout.<policy>.target.url` set by an earlier step overrides the configured URL.
    const base = vars.getString(`servicecallout.${policy}.target.url`) ?? renderTemplate(config.url, vars)
    let url: string
    try {
      const parsed = new URL(base)
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http')
      url = request.querystring === '' ? base : `${base}${base.includes('?') ? '&' : '?'}${request.querystring}`
    } catch {
      throw new PolicyFault(fill(serviceCalloutFaults.ExecutionFailed, policy, `invalid URL "${base}"`))
    }
    vars.set('servicecallout.requesturi', url)
    vars.set(`servicecallout.${policy}.target.url`, base)
    let response: HttpMessage
    try {
      const answer = await ctx.services.http.send({
        method: request.verb,
        url,
        headers: withoutHopByHop(request.headerList()),
        body: request.body,
        timeoutMs: config.timeoutMs
      })
      response = new HttpMessage({
        status: answer.status,
        reasonPhrase: answer.reasonPhrase || reasonPhraseFor(answer.status),
        headers: withoutHopByHop(answer.headers),
        body: answer.body
      })
    } catch (e) {
      throw new PolicyFault(fill(serviceCalloutFaults.ExecutionFailed, policy, failureReason(e, url, config.timeoutMs)))
    } finally {
      if (config.clearPayload) request.content = ''
    }
    vars.set(config.responseVariable, response)
    ctx.note(`${request.verb} ${url} answered ${response.status}`)
    if (!config.successCodes(response.status)) {
      throw new PolicyFault(fill(serviceCalloutFaults.ResponseCodeOutOfRange, policy, String(response.status)))
    }
  }
}
