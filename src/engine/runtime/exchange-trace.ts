/**
 * An exchange's fixed variables and, once it ended, its trace record, and the slots the trace buffer
 * keeps finished records in. A record holds what everything else is rebuilt from: the request as the
 * listener received it, the response as it was sent, the deployment it ran on (shared), a step log in
 * which bookkeeping steps are a shared template plus two numbers, and the written variables. The
 * buffer copies it into off-heap slots (ExchangeTraceSlots) and rebuilds it when it is read; what a
 * trace viewer shows is computed, masked and cached on the first read.
 */
import type { Environment } from '../../shared/model'
import type { MessageSnapshot, TraceFault, TraceRecord, TraceStep } from '../../shared/trace'
import type { CompiledProxy, CompiledProxyEndpoint } from '../bundle/compile'
import type { EngineServices, PolicyContext } from '../policies/types'
import type { TraceSlots } from '../trace/buffer'
import {
  StepTemplate,
  bodyBytes,
  headerBytes,
  maskedFault,
  maskedSnapshot,
  maskedStep,
  rawBytes,
  retainedBody,
  retainedRaw,
  retainedStep,
  retainedValue,
  valueBytes,
  type LazyTraceRecord,
  type RawSnapshot
} from '../trace/lazy'
import { collectExchangeSecrets } from '../trace/secrets'
import type { SecretMasker } from '../trace/mask'
import { HttpMessage, RequestMessage } from './message'
import { messageIdText } from './message-id'
import { snapshotVariables, type FixedVariables } from './variables'

/** A request as the gateway listener received it. */
export interface GatewayRequest {
  method: string
  /** Path plus query string, as on the request line. */
  url: string
  headers: Array<[string, string]>
  body: Uint8Array
  clientIp: string
  clientPort: number
}

/** The response the gateway listener writes back. */
export interface GatewayResponse {
  status: number
  reasonPhrase: string
  headers: Array<[string, string]>
  body: Uint8Array
}

/** What every exchange through one proxy endpoint in one environment shares; built once per deployment. */
export interface ExchangeRoute {
  proxy: CompiledProxy
  revision: number
  endpoint: CompiledProxyEndpoint
  environment: Environment
  organization: string
  services: EngineServices
  masker: SecretMasker
  /** The environment's variables by name. */
  environmentValues: ReadonlyMap<string, string>
  /** What policies are told about the proxy they run in. */
  proxyInfo: PolicyContext['proxy']
  /** The echo target's variables that depend on the deployment only, as JSON members (computed on first use). */
  echoMembers?: { head: string; tail: string }
}

/**
 * The steps of an exchange in order: a full TraceStep, or a StepTemplate followed by its start (ms
 * after the exchange started) and its duration in microseconds.
 */
export type StepLog = Array<TraceStep | StepTemplate | number>

/**
 * The variables known when an exchange starts, plus the target fields the route sets; one object, no
 * map. It keeps the request as received field by field, its headers as one text (what a trace slot stores).
 */
export class ExchangeFixedVariables implements FixedVariables {
  readonly names = FIXED_VARIABLE_NAMES
  /** The request's method, upper-cased as the flow sees it. */
  readonly method: string
  readonly url: string
  /**
   * Header names and values, alternating, joined with line breaks. A list when some part has a line
   * break itself (no listener passes one).
   */
  protected headerText: string | string[]
  readonly body: Uint8Array
  readonly clientIp: string
  readonly clientPort: number
  targetUrl: string | undefined = undefined
  targetName: string | undefined = undefined
  /** `target.received.end.timestamp`, in ms after startedAt. */
  targetReceivedAfter: number | undefined = undefined
  private idText: string | undefined = undefined
  /** The clock's reading when the exchange started. */
  readonly startedAt: number

  constructor(
    readonly route: ExchangeRoute,
    received: GatewayRequest,
    startedAt: number,
    /** The message id's 16 bytes are at idOffset in idPool; its text is made on first read. */
    protected readonly idPool: Uint8Array,
    protected readonly idOffset: number
  ) {
    this.startedAt = startedAt
    this.method = received.method.toUpperCase()
    this.url = received.url
    const pairs = received.headers
    let text = ''
    let breaks = false
    for (let i = 0; i < pairs.length; i++) {
      const [name, value] = pairs[i]!
      text = i === 0 ? `${name}\n${value}` : `${text}\n${name}\n${value}`
      breaks ||= name.includes('\n') || value.includes('\n')
    }
    this.headerText = breaks ? pairs.flat() : text
    this.body = received.body
    this.clientIp = received.clientIp
    this.clientPort = received.clientPort
  }

  get messageId(): string {
    return (this.idText ??= messageIdText(this.idPool, this.idOffset))
  }

  private suffix: string | undefined = undefined

  /** `proxy.pathsuffix`: worked out on first read (trace slots do not keep it). */
  get pathSuffix(): string {
    return (this.suffix ??= pathSuffixOf(this.route.endpoint.basePath, pathOf(this.url)))
  }

  /** Header names and values as received, alternating. */
  private headerList(): string[] {
    const text = this.headerText
    return typeof text !== 'string' ? text : text === '' ? [] : text.split('\n')
  }

  /** The header pairs as received. */
  receivedHeaders(): Array<[string, string]> {
    const list = this.headerList()
    const pairs = new Array<[string, string]>(list.length >> 1)
    for (let i = 0; i < pairs.length; i++) pairs[i] = [list[2 * i]!, list[2 * i + 1]!]
    return pairs
  }

  lookup(name: string): unknown {
    const route = this.route
    switch (name) {
      case 'messageid':
        return this.messageId
      case 'organization.name':
        return route.organization
      case 'environment.name':
        return route.environment.name
      case 'apiproxy.name':
        return route.proxy.name
      case 'apiproxy.revision':
        return String(route.revision)
      case 'apiproxy.basepath':
      case 'proxy.basepath':
        return route.endpoint.basePath
      case 'proxy.name':
        return route.endpoint.name
      case 'proxy.pathsuffix':
        return this.pathSuffix
      case 'proxy.url': {
        const list = this.headerList()
        let host = ''
        for (let i = 0; i < list.length; i += 2) {
          if (list[i]!.toLowerCase() === 'host') {
            host = list[i + 1]!
            break
          }
        }
        return `http://${host}${this.url}`
      }
      case 'client.ip':
      case 'client.host':
        return this.clientIp
      case 'client.port':
        return this.clientPort
      case 'client.scheme':
        return 'http'
      case 'client.received.start.timestamp':
      case 'system.timestamp':
        return this.startedAt
      case 'client.sent.end.timestamp':
        return -1
      case 'is.error':
        return false
      case 'target.url':
        return this.targetUrl
      case 'target.name':
        return this.targetName
      case 'target.received.end.timestamp':
        return this.targetReceivedAfter === undefined ? undefined : this.startedAt + this.targetReceivedAfter
      default:
        return undefined
    }
  }
}

/** The path of a request URL (`/` for an empty one). */
export function pathOf(url: string): string {
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  return path === '' ? '/' : path
}

/** `proxy.pathsuffix`: the path after the base path (`""` for the bare base path). */
export function pathSuffixOf(basePath: string, path: string): string {
  if (basePath === '/') return path === '/' ? '' : path
  return path.slice(basePath.length)
}

const FIXED_VARIABLE_NAMES = [
  'messageid', 'organization.name', 'environment.name', 'apiproxy.name', 'apiproxy.revision', 'apiproxy.basepath',
  'proxy.name', 'proxy.basepath', 'proxy.pathsuffix', 'proxy.url', 'client.ip', 'client.host', 'client.port',
  'client.scheme', 'client.received.start.timestamp', 'client.sent.end.timestamp', 'system.timestamp', 'is.error',
  'target.url', 'target.name', 'target.received.end.timestamp'
]

/** How an exchange ended: what its trace record is built from. */
export interface ExchangeOutcome {
  durationMicros: number
  steps: StepLog
  fault: TraceFault | null
  app: string | null
  clientId: string | null
  /** The target request: its URL alone when the request went out as it was received, else the whole message. */
  targetRequest: string | RawSnapshot | undefined
  /** The target's response; the sent response itself when it went out unchanged. */
  targetResponse: RawSnapshot | undefined
  sent: GatewayResponse
  written: ReadonlyMap<string, unknown> | null
  flowName: string
  flowDescription: string
  /** The request message at the end; null when it is still exactly what was received. */
  requestMessage: RequestMessage | null
  /** The response message at the end; null when it is exactly what was sent. */
  responseMessage: HttpMessage | null
}

/**
 * One exchange from start to end: the values fixed when it started, which the flow reads as variables,
 * and once it ended (finish()), its trace. The summary fields read through, everything else is
 * computed and masked on first read.
 */
export class ExchangeTrace extends ExchangeFixedVariables implements LazyTraceRecord {
  private durationMicros = 0
  private log: StepLog = NO_STEPS
  fault: TraceFault | null = null
  app: string | null = null
  clientId: string | null = null
  private targetRequestPart: ExchangeOutcome['targetRequest'] = undefined
  private targetResponsePart: RawSnapshot | typeof SAME_AS_SENT | undefined = undefined
  // The response as sent, field by field (no object of its own in the buffer).
  status = 0
  private reasonPhrase = ''
  private responseHeaders: Array<[string, string]> = NO_HEADERS
  private responseBody: Uint8Array = NO_BODY
  private written: ReadonlyMap<string, unknown> | null = null
  private flowName = ''
  private flowDescription = ''
  private requestMessage: RequestMessage | null = null
  private responseMessage: HttpMessage | null = null
  /** The whole request and response bodies' sizes when the bodies kept are only their first part (a stored record), else -1. */
  private requestBodySize = -1
  private responseBodySize = -1
  private read: ReadCache | undefined = undefined

  /** Records how the exchange ended: from then on this is its trace record. */
  finish(outcome: ExchangeOutcome): this {
    this.durationMicros = outcome.durationMicros
    this.log = outcome.steps
    this.fault = outcome.fault
    this.app = outcome.app
    this.clientId = outcome.clientId
    this.targetRequestPart = outcome.targetRequest
    // The target's response is often exactly what was sent: then it is not kept twice.
    this.targetResponsePart = outcome.targetResponse === outcome.sent ? SAME_AS_SENT : outcome.targetResponse
    this.status = outcome.sent.status
    this.reasonPhrase = outcome.sent.reasonPhrase
    this.responseHeaders = outcome.sent.headers
    this.responseBody = outcome.sent.body
    this.written = outcome.written
    this.flowName = outcome.flowName
    this.flowDescription = outcome.flowDescription
    this.requestMessage = outcome.requestMessage
    this.responseMessage = outcome.responseMessage
    return this
  }

  get id(): string {
    return this.messageId
  }

  get durationMs(): number {
    return this.durationMicros / 1000
  }

  get environment(): string {
    return this.route.environment.name
  }

  get proxy(): string {
    return this.route.proxy.name
  }

  get path(): string {
    const url = this.url
    const q = url.indexOf('?')
    return q < 0 ? url : url.slice(0, q)
  }

  get faultName(): string | null {
    return this.fault?.name ?? null
  }

  private sent(): RawSnapshot & GatewayResponse {
    const sent = { status: this.status, reasonPhrase: this.reasonPhrase, headers: this.responseHeaders, body: this.responseBody }
    return this.responseBodySize < 0 ? sent : { ...sent, bodySize: this.responseBodySize }
  }

  /** The request as received; its body may be only the first part (a stored record). */
  private received(url: string, headers: Array<[string, string]>): RawSnapshot {
    const raw = { method: this.method, url, headers, body: this.body }
    return this.requestBodySize < 0 ? raw : { ...raw, bodySize: this.requestBodySize }
  }

  private get cache(): ReadCache {
    return (this.read ??= {})
  }

  /**
   * The environment's masker plus every secret this exchange saw (collectExchangeSecrets), so each is
   * masked wherever it appears in the record. Built on first read, never on the request path.
   */
  private get masker(): SecretMasker {
    const cache = this.cache
    if (cache.masker === undefined) {
      const sent = this.sent()
      const messages: RawSnapshot[] = [{ url: this.url, headers: this.receivedHeaders(), body: this.body }, sent]
      const target = this.targetRequestPart
      if (typeof target === 'string') messages.push({ url: target, headers: [], body: NO_BODY })
      else if (target !== undefined) messages.push(target)
      const targetResponse = this.targetResponsePart
      if (targetResponse !== undefined && targetResponse !== SAME_AS_SENT) messages.push(targetResponse)
      cache.masker = this.route.masker.including(collectExchangeSecrets(messages, this.written))
    }
    return cache.masker
  }

  /** The access token the client presented (Bearer credentials or `access_token` parameter), unmasked: for lookups by hash, never for display. */
  presentedAccessToken(): string | undefined {
    for (const [name, value] of this.receivedHeaders()) {
      if (name.toLowerCase() !== 'authorization') continue
      const match = /^\s*bearer\s+(\S+)\s*$/i.exec(value)
      if (match) return match[1]
    }
    const q = this.url.indexOf('?')
    return q < 0 ? undefined : new URLSearchParams(this.url.slice(q + 1)).get('access_token') ?? undefined
  }

  /** The steps, with recorded variable values masked and template steps completed, once. */
  get steps(): TraceStep[] {
    const cache = this.cache
    if (cache.steps === undefined) {
      const log = this.log
      const steps: TraceStep[] = []
      for (let i = 0; i < log.length; i++) {
        const entry = log[i]!
        if (entry instanceof StepTemplate) {
          const startedAfter = log[++i] as number
          const micros = log[++i] as number
          steps.push({ index: steps.length, ...entry.step, startedAt: this.startedAt + startedAfter, durationMs: micros / 1000, reads: [], writes: [] })
        } else if (typeof entry !== 'number') steps.push(maskedStep(this.masker, entry))
      }
      cache.steps = steps
    }
    return cache.steps
  }

  get request(): MessageSnapshot {
    return (this.cache.request ??= maskedSnapshot(this.masker, this.received(this.url, this.receivedHeaders())))
  }

  get targetRequest(): MessageSnapshot | undefined {
    const part = this.targetRequestPart
    if (part === undefined) return undefined
    if (this.cache.targetRequest === undefined) {
      const raw: RawSnapshot =
        typeof part === 'string' ? this.received(part, withoutHopByHop(this.receivedHeaders())) : part
      this.cache.targetRequest = maskedSnapshot(this.masker, raw)
    }
    return this.cache.targetRequest
  }

  get targetResponse(): MessageSnapshot | undefined {
    const raw = this.targetResponsePart
    if (raw === undefined) return undefined
    if (raw === SAME_AS_SENT) return this.response
    return (this.cache.targetResponse ??= maskedSnapshot(this.masker, raw))
  }

  get response(): MessageSnapshot {
    return (this.cache.response ??= maskedSnapshot(this.masker, this.sent()))
  }

  get variables(): Record<string, string> {
    const cache = this.cache
    if (cache.variables === undefined) {
      const values = snapshotVariables({
        environmentValues: this.route.environmentValues,
        fixed: this,
        written: this.written,
        flowName: this.flowName,
        flowDescription: this.flowDescription,
        request: this.requestMessage ?? new RequestMessage({ verb: this.method, uri: this.url, headers: this.receivedHeaders(), body: this.body }),
        response: this.responseMessage ?? new HttpMessage(this.sent())
      })
      const out: Record<string, string> = {}
      for (const [name, value] of Object.entries(values)) out[name] = this.masker.variable(name, value) ?? ''
      cache.variables = out
    }
    return cache.variables
  }

  /**
   * Copies this record into `slot` (see ExchangeTraceSlots): bodies over MAX_TRACE_BODY and values over
   * MAX_TRACE_TEXT are cut on the way (in the messages and steps too, which nothing else uses once the
   * exchange ended), so the whole ones can be collected. Returns the bytes the slot keeps alive beyond
   * itself, counted generously: what fits in the slot's text costs nothing more, a body shared with a
   * message is counted once.
   */
  storeIn(slots: ExchangeTraceSlots, slot: number): number {
    const n = slots.numbers
    const r = slots.refs
    const i = slot * NUMBERS
    const j = slot * REFS
    let bytes = 0
    n[i + N_STARTED] = this.startedAt
    n[i + N_CLIENT_PORT] = this.clientPort
    n[i + N_TARGET_RECEIVED] = this.targetReceivedAfter ?? NaN
    n[i + N_DURATION] = this.durationMicros
    n[i + N_STATUS] = this.status
    const ids = slots.ids
    for (let k = 0; k < 16; k++) ids[slot * 16 + k] = this.idPool[this.idOffset + k]!
    r[j + R_ROUTE] = this.route
    r[j + R_METHOD] = this.method
    r[j + R_CLIENT_IP] = this.clientIp
    r[j + R_TARGET_URL] = this.targetUrl
    r[j + R_TARGET_NAME] = this.targetName
    r[j + R_FAULT] = this.fault
    if (this.fault !== null) bytes += FAULT_BYTES
    r[j + R_APP] = this.app
    r[j + R_CLIENT_ID] = this.clientId
    const targetResponse = this.targetResponsePart
    if (targetResponse === undefined || targetResponse === SAME_AS_SENT) r[j + R_TARGET_RESPONSE] = targetResponse
    else {
      const kept = retainedRaw(targetResponse)
      r[j + R_TARGET_RESPONSE] = kept
      bytes += rawBytes(kept)
    }
    r[j + R_REASON] = this.reasonPhrase
    r[j + R_RESPONSE_HEADERS] = this.responseHeaders
    if (this.responseHeaders !== NO_HEADERS) bytes += headerBytes(this.responseHeaders)
    const written = this.written === null ? null : retainedWritten(this.written)
    r[j + R_WRITTEN] = written
    if (written !== null) for (const [name, value] of written) bytes += valueBytes(name) + valueBytes(value)
    r[j + R_FLOW_NAME] = this.flowName
    r[j + R_FLOW_DESCRIPTION] = this.flowDescription
    // The request line, headers and target URL, the strings every trace has of its own, as UTF-8 text,
    // and after them the bodies when they fit (else references to them, cut to what a trace keeps).
    const target = this.targetRequestPart
    const text = slots.storeText(slot, this.url, this.headerText, typeof target === 'string' ? target : '')
    n[i + N_TEXT_BYTES] = text
    const requestBody = slots.storeBytes(slot, Math.max(text, 0), this.body)
    n[i + N_REQUEST_BODY_BYTES] = requestBody
    const keptBody = requestBody < 0 ? retainedBody(this.body) : this.body
    r[j + R_REQUEST_BODY] = requestBody < 0 ? keptBody : undefined
    if (requestBody < 0) bytes += bodyBytes(keptBody)
    n[i + N_REQUEST_BODY_SIZE] = this.requestBodySize < 0 ? this.body.length : this.requestBodySize
    const responseBody = slots.storeBytes(slot, Math.max(text, 0) + Math.max(requestBody, 0), this.responseBody)
    n[i + N_RESPONSE_BODY_BYTES] = responseBody
    const keptResponse = responseBody < 0 ? retainedBody(this.responseBody) : this.responseBody
    r[j + R_RESPONSE_BODY] = responseBody < 0 ? keptResponse : undefined
    if (responseBody < 0) bytes += bodyBytes(keptResponse)
    n[i + N_RESPONSE_BODY_SIZE] = this.responseBodySize < 0 ? this.responseBody.length : this.responseBodySize
    r[j + R_REQUEST_MESSAGE] = this.requestMessage
    if (this.requestMessage !== null) bytes += retainMessage(this.requestMessage, this.body, keptBody, requestBody < 0)
    r[j + R_RESPONSE_MESSAGE] = this.responseMessage
    if (this.responseMessage !== null) bytes += retainMessage(this.responseMessage, this.responseBody, keptResponse, responseBody < 0)
    if (text >= 0) {
      n[i + N_URL_CHARS] = this.url.length
      n[i + N_HEADER_CHARS] = (this.headerText as string).length
      r[j + R_URL] = undefined
      r[j + R_HEADERS] = undefined
      r[j + R_TARGET_REQUEST] = typeof target === 'string' ? TARGET_IN_TEXT : target === undefined ? undefined : retainedRaw(target)
    } else {
      r[j + R_URL] = this.url
      r[j + R_HEADERS] = this.headerText
      r[j + R_TARGET_REQUEST] = typeof target === 'object' ? retainedRaw(target) : target
      bytes += valueBytes(this.url) + (typeof this.headerText === 'string' ? valueBytes(this.headerText) : headerBytes(this.receivedHeaders()))
      if (typeof target === 'string') bytes += valueBytes(target)
    }
    if (typeof target === 'object') bytes += rawBytes(r[j + R_TARGET_REQUEST] as RawSnapshot)
    // The step log: templates and short logs entry by entry, a long one as it is; steps of their own
    // (not templates) with long values cut.
    const log = this.log
    for (let k = 0; k < log.length; k++) {
      const entry = log[k]!
      if (typeof entry === 'number' || entry instanceof StepTemplate) continue
      const kept = retainedStep(entry)
      log[k] = kept.step
      bytes += kept.bytes
    }
    const previous = r[j + R_LOG] === undefined ? n[i + N_LOG_LENGTH]! : 0
    if (log.length <= LOG_ENTRIES) {
      r[j + R_LOG] = undefined
      n[i + N_LOG_LENGTH] = log.length
      for (let k = 0; k < log.length; k++) {
        const entry = log[k]!
        if (typeof entry === 'number') {
          n[i + N_LOG + k] = entry
          r[j + R_LOG + 1 + k] = undefined
        } else r[j + R_LOG + 1 + k] = entry
      }
    } else {
      r[j + R_LOG] = log
      n[i + N_LOG_LENGTH] = 0
      bytes += 8 * log.length
    }
    // Entries a shorter log left behind would keep their steps alive.
    for (let k = log.length <= LOG_ENTRIES ? log.length : 0; k < previous; k++) r[j + R_LOG + 1 + k] = undefined
    return bytes
  }

  /** The record stored in `slot`, as a new object. */
  static loadFrom(slots: ExchangeTraceSlots, slot: number): ExchangeTrace {
    const n = slots.numbers
    const r = slots.refs
    const i = slot * NUMBERS
    const j = slot * REFS
    const textBytes = n[i + N_TEXT_BYTES]!
    let url = r[j + R_URL] as string
    let headerText = r[j + R_HEADERS] as string | string[]
    let target = r[j + R_TARGET_REQUEST] as ExchangeOutcome['targetRequest'] | typeof TARGET_IN_TEXT
    if (textBytes >= 0) {
      const text = slots.loadText(slot, textBytes)
      const urlEnd = n[i + N_URL_CHARS]!
      const headersEnd = urlEnd + n[i + N_HEADER_CHARS]!
      url = text.slice(0, urlEnd)
      headerText = text.slice(urlEnd, headersEnd)
      if (target === TARGET_IN_TEXT) target = text.slice(headersEnd)
    }
    const requestBytes = n[i + N_REQUEST_BODY_BYTES]!
    const requestAt = Math.max(textBytes, 0)
    const body = requestBytes < 0 ? (r[j + R_REQUEST_BODY] as Uint8Array) : slots.loadBytes(slot, requestAt, requestBytes)
    const responseBytes = n[i + N_RESPONSE_BODY_BYTES]!
    const responseBody =
      responseBytes < 0 ? (r[j + R_RESPONSE_BODY] as Uint8Array) : slots.loadBytes(slot, requestAt + Math.max(requestBytes, 0), responseBytes)
    const request = { method: r[j + R_METHOD] as string, url, headers: [], body, clientIp: r[j + R_CLIENT_IP] as string, clientPort: n[i + N_CLIENT_PORT]! }
    const trace = new ExchangeTrace(r[j + R_ROUTE] as ExchangeRoute, request, n[i + N_STARTED]!, slots.ids.slice(slot * 16, slot * 16 + 16), 0)
    trace.headerText = headerText
    trace.targetUrl = r[j + R_TARGET_URL] as string | undefined
    trace.targetName = r[j + R_TARGET_NAME] as string | undefined
    const received = n[i + N_TARGET_RECEIVED]!
    trace.targetReceivedAfter = Number.isNaN(received) ? undefined : received
    trace.durationMicros = n[i + N_DURATION]!
    let log = r[j + R_LOG] as StepLog | undefined
    if (log === undefined) {
      log = new Array(n[i + N_LOG_LENGTH]!)
      for (let k = 0; k < log.length; k++) log[k] = (r[j + R_LOG + 1 + k] as TraceStep | StepTemplate | undefined) ?? n[i + N_LOG + k]!
    }
    trace.log = log
    trace.fault = r[j + R_FAULT] as TraceFault | null
    trace.app = r[j + R_APP] as string | null
    trace.clientId = r[j + R_CLIENT_ID] as string | null
    trace.targetRequestPart = target
    trace.targetResponsePart = r[j + R_TARGET_RESPONSE] as ExchangeTrace['targetResponsePart']
    trace.status = n[i + N_STATUS]!
    trace.reasonPhrase = r[j + R_REASON] as string
    trace.responseHeaders = r[j + R_RESPONSE_HEADERS] as Array<[string, string]>
    trace.responseBody = responseBody
    const requestSize = n[i + N_REQUEST_BODY_SIZE]!
    trace.requestBodySize = requestSize > body.length ? requestSize : -1
    const responseSize = n[i + N_RESPONSE_BODY_SIZE]!
    trace.responseBodySize = responseSize > responseBody.length ? responseSize : -1
    trace.written = r[j + R_WRITTEN] as ReadonlyMap<string, unknown> | null
    trace.flowName = r[j + R_FLOW_NAME] as string
    trace.flowDescription = r[j + R_FLOW_DESCRIPTION] as string
    trace.requestMessage = r[j + R_REQUEST_MESSAGE] as RequestMessage | null
    trace.responseMessage = r[j + R_RESPONSE_MESSAGE] as HttpMessage | null
    return trace
  }

  toJSON(): TraceRecord {
    const cache = this.cache
    if (!cache.plain) {
      const targetRequest = this.targetRequest
      const targetResponse = this.targetResponse
      cache.plain = {
        id: this.id,
        messageId: this.messageId,
        startedAt: this.startedAt,
        durationMs: this.durationMs,
        environment: this.environment,
        proxy: this.proxy,
        method: this.method,
        path: this.path,
        status: this.status,
        faultName: this.faultName,
        app: this.app,
        clientId: this.clientId,
        request: this.request,
        ...(targetRequest ? { targetRequest } : {}),
        ...(targetResponse ? { targetResponse } : {}),
        response: this.response,
        steps: this.steps,
        fault: this.fault && maskedFault(this.masker, this.fault),
        variables: this.variables
      }
    }
    return cache.plain
  }
}

// Placeholders until finish(): shared, never changed (a fresh array per exchange would be garbage at once).
const NO_BODY = new Uint8Array(0)
const NO_STEPS: StepLog = []
const NO_HEADERS: Array<[string, string]> = []
/** Marks a target response that went out to the client unchanged. */
const SAME_AS_SENT = 'same-as-sent'
/** What a fault's object and its few variables take, counted generously. */
const FAULT_BYTES = 2048

/** The written variables as a stored record keeps them: the same map unless a value had to be cut. */
function retainedWritten(written: ReadonlyMap<string, unknown>): ReadonlyMap<string, unknown> {
  let out: Map<string, unknown> | undefined
  for (const [name, value] of written) {
    const kept = retainedValue(value)
    if (kept !== value) out ??= new Map(written)
    out?.set(name, kept)
  }
  return out ?? written
}

/**
 * Cuts a finished exchange's message body like the record's own and returns the bytes the message
 * keeps alive: `kept` is what the record keeps of `original`, which the message may share; `counted`
 * says the record references `kept` (it is not a copy in the slot's text), so sharing it costs nothing.
 */
function retainMessage(message: HttpMessage, original: Uint8Array, kept: Uint8Array, counted: boolean): number {
  let bytes = 256 + headerBytes(message.headerEntries())
  const body = message.body
  const own = body === original && counted ? kept : retainedBody(body)
  if (own !== body) message.body = own
  if (!(counted && own === kept)) bytes += bodyBytes(own)
  // Decoded text, and a request's parsed form parameters, take about as much again as the text.
  return bytes + 4 * message.decodedLength()
}

/** The parts of an ExchangeTrace computed when it is read. */
interface ReadCache {
  masker?: SecretMasker
  steps?: TraceStep[]
  request?: MessageSnapshot
  targetRequest?: MessageSnapshot
  targetResponse?: MessageSnapshot
  response?: MessageSnapshot
  variables?: Record<string, string>
  plain?: TraceRecord
}

/**
 * Finished exchanges kept outside the JS heap, one slot per trace buffer position: numbers in a
 * Float64Array, the message id in a byte array, what each exchange has of its own (request URL,
 * headers, target URL as UTF-8, then the bodies) in a byte buffer, and references to what exchanges
 * share (the route, constant strings, step templates) in a flat array; what does not fit is referenced.
 * Thousands of retained heap objects, and the buffers they point into, would keep the garbage
 * collector busy on every request; slots hold nothing a request allocated.
 */
export class ExchangeTraceSlots implements TraceSlots {
  numbers = new Float64Array(0)
  refs: unknown[] = []
  /** Message ids, 16 bytes per slot. */
  ids = new Uint8Array(0)
  private text = Buffer.alloc(0)

  reset(limit: number): void {
    this.numbers = new Float64Array(limit * NUMBERS)
    this.refs = new Array<unknown>(limit * REFS).fill(undefined)
    this.ids = new Uint8Array(limit * 16)
    // Pages are only committed as slots are written.
    this.text = Buffer.allocUnsafeSlow(limit * TEXT_BYTES)
  }

  store(record: TraceRecord, slot: number): number {
    if (record instanceof ExchangeTrace) return record.storeIn(this, slot)
    // The buffer keeps this record as an object: nothing of an earlier one stays reachable from here.
    this.release(slot)
    return -1
  }

  release(slot: number): void {
    this.refs.fill(undefined, slot * REFS, (slot + 1) * REFS)
  }

  load(slot: number): TraceRecord {
    return ExchangeTrace.loadFrom(this, slot)
  }

  idOf(slot: number): string {
    return messageIdText(this.ids, slot * 16)
  }

  /**
   * Writes the three strings into the slot's text as UTF-8: the number of bytes, or -1 when they do
   * not fit (or are a list, or hold a lone surrogate, which UTF-8 cannot carry) and stay objects.
   */
  storeText(slot: number, url: string, headers: string | string[], target: string): number {
    if (typeof headers !== 'string') return -1
    const joined = url + headers + target
    if (joined.length * 3 > TEXT_BYTES && Buffer.byteLength(joined) > TEXT_BYTES) return -1
    if (!joined.isWellFormed()) return -1
    return this.text.write(joined, slot * TEXT_BYTES, TEXT_BYTES, 'utf8')
  }

  loadText(slot: number, bytes: number): string {
    const start = slot * TEXT_BYTES
    return this.text.toString('utf8', start, start + bytes)
  }

  /**
   * Copies `bytes` into the slot's text area at `at`: their length, or -1 when they do not fit there
   * (the slot then keeps a reference: bodies that big are in buffers of their own anyway).
   */
  storeBytes(slot: number, at: number, bytes: Uint8Array): number {
    if (at + bytes.length > TEXT_BYTES) return -1
    this.text.set(bytes, slot * TEXT_BYTES + at)
    return bytes.length
  }

  /** A copy of `length` bytes stored at `at` in the slot's text area. */
  loadBytes(slot: number, at: number, length: number): Uint8Array {
    if (length === 0) return NO_BODY
    const start = slot * TEXT_BYTES + at
    return Uint8Array.prototype.slice.call(this.text, start, start + length)
  }
}

// Slot layout. Numbers:
const N_STARTED = 0
const N_CLIENT_PORT = 1
const N_TARGET_RECEIVED = 2
const N_REQUEST_BODY_BYTES = 3
const N_DURATION = 4
const N_STATUS = 5
const N_RESPONSE_BODY_BYTES = 6
const N_TEXT_BYTES = 7
const N_URL_CHARS = 8
const N_HEADER_CHARS = 9
const N_LOG_LENGTH = 10
/** The whole bodies' sizes (the bodies kept may be only their first part). */
const N_REQUEST_BODY_SIZE = 11
const N_RESPONSE_BODY_SIZE = 12
const N_LOG = 13
/** Step logs up to this long are stored entry by entry (three template steps, or a few steps). */
const LOG_ENTRIES = 9
const NUMBERS = N_LOG + LOG_ENTRIES
// References:
const R_ROUTE = 0
const R_REQUEST_BODY = 1
const R_METHOD = 2
const R_RESPONSE_BODY = 3
const R_CLIENT_IP = 4
const R_TARGET_URL = 5
const R_TARGET_NAME = 6
const R_FAULT = 7
const R_APP = 8
const R_CLIENT_ID = 9
const R_TARGET_REQUEST = 10
const R_TARGET_RESPONSE = 11
const R_REASON = 12
const R_RESPONSE_HEADERS = 13
const R_WRITTEN = 14
const R_FLOW_NAME = 15
const R_FLOW_DESCRIPTION = 16
const R_REQUEST_MESSAGE = 17
const R_RESPONSE_MESSAGE = 18
const R_URL = 19
const R_HEADERS = 20
/** The whole log when it is too long for entries; its entries follow. */
const R_LOG = 21
const REFS = R_LOG + 1 + LOG_ENTRIES
/** Text bytes per slot: URL, headers and target URL, then the bodies. A request with a dozen headers and a small body fits; what does not fit stays an object. */
const TEXT_BYTES = 1024
/** Marks a target URL kept in the slot's text. */
const TARGET_IN_TEXT = 'target-in-text'

/** Headers that describe one hop only and are never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'host'])
/** Their name lengths: other names need no lower-cased copy to be checked. */
const HOP_BY_HOP_LENGTHS = new Set([...HOP_BY_HOP].map((name) => name.length))

/**
 * The headers to forward. Nothing is copied when there is nothing to drop: the arrays come from
 * headerSnapshot() and the pairs are never changed in place, so sharing them is safe.
 */
export function withoutHopByHop(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  let out: Array<[string, string]> | undefined
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!
    const name = pair[0]
    if (HOP_BY_HOP_LENGTHS.has(name.length) && HOP_BY_HOP.has(name.toLowerCase())) out ??= headers.slice(0, i) as Array<[string, string]>
    else if (out) out.push(pair as [string, string])
  }
  return out ?? (headers as Array<[string, string]>)
}
