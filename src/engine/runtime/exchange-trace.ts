/**
 * What an exchange keeps after it ends, and the trace record read from it. The trace buffer keeps
 * thousands of these, so a record is a handful of objects: the request as the listener received it,
 * the response as it was sent, the deployment it ran on (shared), a step log in which bookkeeping steps
 * are a shared template plus two small integers, and the parts the variables are rebuilt from.
 * Everything a trace viewer shows is computed, masked and cached on the first read.
 */
import type { Environment } from '../../shared/model'
import type { MessageSnapshot, TraceFault, TraceRecord, TraceStep } from '../../shared/trace'
import type { CompiledProxy, CompiledProxyEndpoint } from '../bundle/compile'
import type { EngineServices, PolicyContext } from '../policies/types'
import { StepTemplate, maskedSnapshot, maskedStep, type LazyTraceRecord, type RawSnapshot } from '../trace/lazy'
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
  /** A clock reading taken when the route was built: exchanges keep their start as a (small integer) offset from it. */
  epoch: number
  /** The echo target's variables that depend on the deployment only, as JSON members (computed on first use). */
  echoMembers?: { head: string; tail: string }
}

/**
 * The steps of an exchange in order: a full TraceStep, or a StepTemplate followed by its start (ms
 * after the exchange started) and its duration in microseconds: small integers, no objects.
 */
export type StepLog = Array<TraceStep | StepTemplate | number>

/**
 * The variables known when an exchange starts, plus the target fields the route sets; one object, no
 * map. It keeps the request as received field by field, headers as one flat list: the listener's
 * request object and its header pairs can then go when the exchange ends, while this stays in the trace buffer.
 */
export class ExchangeFixedVariables implements FixedVariables {
  readonly names = FIXED_VARIABLE_NAMES
  /** The request's method, upper-cased as the flow sees it. */
  readonly method: string
  readonly url: string
  /**
   * Header names and values, alternating, joined with line breaks: one retained string instead of one
   * per name and value. A list when some part has a line break itself (no listener passes one).
   */
  private readonly headerText: string | string[]
  readonly body: Uint8Array
  readonly clientIp: string
  readonly clientPort: number
  targetUrl: string | undefined = undefined
  targetName: string | undefined = undefined
  /** `target.received.end.timestamp`, in ms after startedAt. */
  targetReceivedAfter: number | undefined = undefined
  private idText: string | undefined = undefined
  // A number this large would be a heap object of its own in every trace; the offset is a small integer.
  private readonly startedAfterEpoch: number

  constructor(
    readonly route: ExchangeRoute,
    received: GatewayRequest,
    startedAt: number,
    /** The message id's 16 bytes are at idOffset in idPool; its text is made on first read. */
    private readonly idPool: Uint8Array,
    private readonly idOffset: number
  ) {
    this.startedAfterEpoch = smallNumber(startedAt - route.epoch)
    this.method = received.method.toUpperCase()
    this.url = received.url
    const pairs = received.headers
    const list = new Array<string>(pairs.length * 2)
    let breaks = false
    for (let i = 0; i < pairs.length; i++) {
      const [name, value] = pairs[i]!
      list[2 * i] = name
      list[2 * i + 1] = value
      breaks ||= name.includes('\n') || value.includes('\n')
    }
    this.headerText = breaks ? list : list.join('\n')
    this.body = received.body
    this.clientIp = received.clientIp
    this.clientPort = received.clientPort
  }

  /** The clock's reading when the exchange started. */
  get startedAt(): number {
    return this.route.epoch + this.startedAfterEpoch
  }

  get messageId(): string {
    return (this.idText ??= messageIdText(this.idPool, this.idOffset))
  }

  /** `proxy.pathsuffix`: worked out when read rather than kept (one string less per trace). */
  get pathSuffix(): string {
    return pathSuffixOf(this.route.endpoint.basePath, pathOf(this.url))
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

/**
 * `n` as a value the engine stores without a heap object of its own when it is a small integer (V8
 * keeps the result of arithmetic on large numbers boxed even when it is integral); other numbers as they are.
 */
export function smallNumber(n: number): number {
  const int = n | 0
  return int === n ? int : n
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
 * and once it ended (finish()), its trace. One object per exchange is what the trace buffer keeps; the
 * summary fields read through, everything else is computed and masked on first read.
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
  // The body's bytes as buffer, offset and length: a view object per trace would be the largest thing it keeps.
  private responseBuffer: ArrayBufferLike = NO_BODY.buffer
  private responseOffset = 0
  private responseLength = 0
  private written: ReadonlyMap<string, unknown> | null = null
  private flowName = ''
  private flowDescription = ''
  private requestMessage: RequestMessage | null = null
  private responseMessage: HttpMessage | null = null
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
    const body = outcome.sent.body
    this.responseBuffer = body.buffer
    this.responseOffset = body.byteOffset
    this.responseLength = body.length
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

  private sent(): GatewayResponse {
    const body = new Uint8Array(this.responseBuffer, this.responseOffset, this.responseLength)
    return { status: this.status, reasonPhrase: this.reasonPhrase, headers: this.responseHeaders, body }
  }

  private get cache(): ReadCache {
    return (this.read ??= {})
  }

  private get masker(): SecretMasker {
    return this.route.masker
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
    return (this.cache.request ??= maskedSnapshot(this.masker, { method: this.method, url: this.url, headers: this.receivedHeaders(), body: this.body }))
  }

  get targetRequest(): MessageSnapshot | undefined {
    const part = this.targetRequestPart
    if (part === undefined) return undefined
    if (this.cache.targetRequest === undefined) {
      const raw: RawSnapshot =
        typeof part === 'string' ? { method: this.method, url: part, headers: withoutHopByHop(this.receivedHeaders()), body: this.body } : part
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
        fault: this.fault,
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

/** The parts of an ExchangeTrace computed when it is read. */
interface ReadCache {
  steps?: TraceStep[]
  request?: MessageSnapshot
  targetRequest?: MessageSnapshot
  targetResponse?: MessageSnapshot
  response?: MessageSnapshot
  variables?: Record<string, string>
  plain?: TraceRecord
}

/** Headers that describe one hop only and are never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'host'])

/**
 * The headers to forward. Nothing is copied when there is nothing to drop: the arrays come from
 * headerSnapshot() and the pairs are never changed in place, so sharing them is safe.
 */
export function withoutHopByHop(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  let out: Array<[string, string]> | undefined
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i]!
    if (HOP_BY_HOP.has(pair[0].toLowerCase())) out ??= headers.slice(0, i) as Array<[string, string]>
    else if (out) out.push(pair as [string, string])
  }
  return out ?? (headers as Array<[string, string]>)
}
