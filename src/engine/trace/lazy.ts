/**
 * Helpers for trace records whose heavy fields are computed when they are read. Masking and
 * snapshotting every request's messages and variables would cost more than the request itself,
 * and most traces are never opened.
 */
import type { MessageSnapshot, TraceFault, TraceRecord, TraceStep, VariableAccess } from '../../shared/trace'
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

/**
 * The constant part of a bookkeeping step (a RouteRule taken, the echo target answering): built once
 * per deployment and shared by every trace, which adds only when it happened and how long it took.
 */
export class StepTemplate {
  constructor(readonly step: Readonly<Omit<TraceStep, 'index' | 'startedAt' | 'durationMs' | 'reads' | 'writes'>>) {}
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
    ...(raw.url !== undefined ? { url: masker.text(raw.url) } : {}),
    ...(raw.status !== undefined ? { status: raw.status } : {}),
    ...(raw.reasonPhrase !== undefined ? { reasonPhrase: raw.reasonPhrase } : {}),
    headers: masker.headers(raw.headers.map(([n, v]) => [n, v])),
    body: masker.body(text),
    ...(truncated ? { bodyTruncated: true } : {})
  }
}

/** A step with its recorded variable values masked (a step without accesses is returned as it is). */
export function maskedStep(masker: SecretMasker, step: TraceStep): TraceStep {
  return step.reads.length === 0 && step.writes.length === 0
    ? step
    : { ...step, reads: step.reads.map((a) => maskedAccess(masker, a)), writes: step.writes.map((a) => maskedAccess(masker, a)) }
}

/** A fault with the secrets in its variables and cause masked (they were masked by name when recorded). */
export function maskedFault(masker: SecretMasker, fault: TraceFault): TraceFault {
  const variables: Record<string, string> = {}
  for (const [name, value] of Object.entries(fault.variables)) variables[name] = masker.text(value)
  return { ...fault, faultstring: masker.text(fault.faultstring), ...(fault.cause !== undefined ? { cause: masker.text(fault.cause) } : {}), variables }
}

function maskedAccess(masker: SecretMasker, access: VariableAccess): VariableAccess {
  const value = masker.variable(access.name, access.value)
  return access.previous === undefined ? { name: access.name, value } : { name: access.name, value, previous: masker.variable(access.name, access.previous) }
}

/** A record that computes its fields on first read; `toJSON()` gives the plain TraceRecord (computed once). */
export interface LazyTraceRecord extends TraceRecord {
  toJSON(): TraceRecord
  /** The access token the client presented, unmasked (see TraceBuffer.presentedAccessToken). */
  presentedAccessToken?(): string | undefined
}

/** The plain form of a record (lazy or already plain). */
export function plainTraceRecord(record: TraceRecord): TraceRecord {
  return typeof (record as Partial<LazyTraceRecord>).toJSON === 'function' ? (record as LazyTraceRecord).toJSON() : record
}
