/**
 * Lazily computed trace fields. Masking and snapshotting every request's messages and variables
 * would cost more than the request itself, and most traces are never opened.
 */
import type { MessageSnapshot, TraceRecord, TraceStep, VariableAccess } from '../../shared/trace'
import type { SecretMasker } from './mask'

/** A message as it went over the wire, before masking. */
export interface RawSnapshot {
  method?: string
  url?: string
  status?: number
  reasonPhrase?: string
  headers: ReadonlyArray<readonly [string, string]>
  body: Uint8Array
}

/** What a record's lazy fields are computed from. */
export interface LazyTraceSource {
  masker: SecretMasker
  /** The request as received (the listener's own object, not a copy); the trace shows the record's method. */
  request: RawSnapshot
  targetRequest?: RawSnapshot
  targetResponse?: RawSnapshot
  response: RawSnapshot
  /** Every flow variable at the end of the exchange, unmasked. */
  variables: { snapshot(): Record<string, string> }
}

/** Bodies longer than this are cut in traces (and flagged). */
export const MAX_TRACE_BODY = 64 * 1024

const decoder = new TextDecoder()

/** Masks a raw message for a trace. */
export function maskedSnapshot(masker: SecretMasker, raw: RawSnapshot): MessageSnapshot {
  const truncated = raw.body.length > MAX_TRACE_BODY
  const text = decoder.decode(truncated ? raw.body.subarray(0, MAX_TRACE_BODY) : raw.body)
  return {
    ...(raw.method !== undefined ? { method: raw.method } : {}),
    ...(raw.url !== undefined ? { url: raw.url } : {}),
    ...(raw.status !== undefined ? { status: raw.status } : {}),
    ...(raw.reasonPhrase !== undefined ? { reasonPhrase: raw.reasonPhrase } : {}),
    headers: masker.headers(raw.headers.map(([n, v]) => [n, v])),
    body: masker.body(text),
    ...(truncated ? { bodyTruncated: true } : {})
  }
}

/** Steps with their recorded variable values masked (steps without accesses are kept as they are). */
export function maskedSteps(masker: SecretMasker, steps: readonly TraceStep[]): TraceStep[] {
  return steps.map((step) =>
    step.reads.length === 0 && step.writes.length === 0
      ? step
      : { ...step, reads: step.reads.map((a) => maskedAccess(masker, a)), writes: step.writes.map((a) => maskedAccess(masker, a)) }
  )
}

function maskedAccess(masker: SecretMasker, access: VariableAccess): VariableAccess {
  const value = masker.variable(access.name, access.value)
  return access.previous === undefined ? { name: access.name, value } : { name: access.name, value, previous: masker.variable(access.name, access.previous) }
}

/**
 * A trace record whose messages, variables and steps' variable accesses are masked on first read. Summary fields are plain.
 * `toJSON()` (and the TraceBuffer, which hands out plain copies) give an ordinary TraceRecord.
 */
export class LazyTraceRecord implements TraceRecord {
  readonly id: string
  readonly messageId: string
  readonly startedAt: number
  readonly durationMs: number
  readonly environment: string
  readonly proxy: string | null
  readonly method: string
  readonly path: string
  readonly status: number
  readonly faultName: string | null
  readonly app: string | null
  readonly clientId: string | null
  readonly fault: TraceRecord['fault']
  // The raw parts are kept field by field, not as the source object: fewer objects retained per trace.
  #masker: SecretMasker
  #rawRequest: RawSnapshot
  #rawTargetRequest: RawSnapshot | undefined
  #rawTargetResponse: RawSnapshot | undefined
  #rawResponse: RawSnapshot
  #variableSource: LazyTraceSource['variables']
  #rawSteps: TraceStep[]
  // One slot for what reads compute, allocated on the first read: most records are never read, and
  // a field per computed part would make every retained record larger.
  #read: ReadCache | undefined

  constructor(summary: Omit<TraceRecord, 'request' | 'targetRequest' | 'targetResponse' | 'response' | 'variables'>, source: LazyTraceSource) {
    this.id = summary.id
    this.messageId = summary.messageId
    this.startedAt = summary.startedAt
    this.durationMs = summary.durationMs
    this.environment = summary.environment
    this.proxy = summary.proxy
    this.method = summary.method
    this.path = summary.path
    this.status = summary.status
    this.faultName = summary.faultName
    this.app = summary.app
    this.clientId = summary.clientId
    this.#rawSteps = summary.steps
    this.fault = summary.fault
    this.#masker = source.masker
    this.#rawRequest = source.request
    this.#rawTargetRequest = source.targetRequest
    this.#rawTargetResponse = source.targetResponse
    this.#rawResponse = source.response
    this.#variableSource = source.variables
  }

  private get cache(): ReadCache {
    return (this.#read ??= {})
  }

  /** The steps; their variable accesses were recorded unmasked and are masked here, once. */
  get steps(): TraceStep[] {
    return (this.cache.steps ??= maskedSteps(this.#masker, this.#rawSteps))
  }

  get request(): MessageSnapshot {
    return (this.cache.request ??= { ...maskedSnapshot(this.#masker, this.#rawRequest), method: this.method })
  }

  get targetRequest(): MessageSnapshot | undefined {
    const raw = this.#rawTargetRequest
    return raw ? (this.cache.targetRequest ??= maskedSnapshot(this.#masker, raw)) : undefined
  }

  get targetResponse(): MessageSnapshot | undefined {
    const raw = this.#rawTargetResponse
    return raw ? (this.cache.targetResponse ??= maskedSnapshot(this.#masker, raw)) : undefined
  }

  get response(): MessageSnapshot {
    return (this.cache.response ??= maskedSnapshot(this.#masker, this.#rawResponse))
  }

  get variables(): Record<string, string> {
    const cache = this.cache
    if (cache.variables === undefined) {
      const out: Record<string, string> = {}
      for (const [name, value] of Object.entries(this.#variableSource.snapshot())) out[name] = this.#masker.variable(name, value) ?? ''
      cache.variables = out
    }
    return cache.variables
  }

  /** A plain TraceRecord (computed once); the exchange it was computed from can then be released. */
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

/** The parts of a LazyTraceRecord computed when it is read. */
interface ReadCache {
  steps?: TraceStep[]
  request?: MessageSnapshot
  targetRequest?: MessageSnapshot
  targetResponse?: MessageSnapshot
  response?: MessageSnapshot
  variables?: Record<string, string>
  plain?: TraceRecord
}

/** The plain form of a record (LazyTraceRecord or already plain). */
export function plainTraceRecord(record: TraceRecord): TraceRecord {
  return record instanceof LazyTraceRecord ? record.toJSON() : record
}
