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
  /** The whole body's size when `body` is only its first part (see retainedBody). */
  bodySize?: number
}

/**
 * The constant part of a bookkeeping step (a RouteRule taken, the echo target answering): built once
 * per deployment and shared by every trace, which adds only when it happened and how long it took.
 */
export class StepTemplate {
  constructor(readonly step: Readonly<Omit<TraceStep, 'index' | 'startedAt' | 'durationMs' | 'reads' | 'writes'>>) {}
}

/** Bodies longer than this are cut in traces (and flagged with their whole size). */
export const MAX_TRACE_BODY = 64 * 1024

/** Variable values longer than this (in UTF-16 units) are cut in retained traces, with a note of their length. */
export const MAX_TRACE_TEXT = 64 * 1024

const decoder = new TextDecoder()

/** Masks a raw message for a trace. */
export function maskedSnapshot(masker: SecretMasker, raw: RawSnapshot): MessageSnapshot {
  const size = raw.bodySize ?? raw.body.length
  const truncated = size > MAX_TRACE_BODY
  const text = decoder.decode(raw.body.length > MAX_TRACE_BODY ? raw.body.subarray(0, MAX_TRACE_BODY) : raw.body)
  return {
    ...(raw.method !== undefined ? { method: raw.method } : {}),
    ...(raw.url !== undefined ? { url: masker.text(raw.url) } : {}),
    ...(raw.status !== undefined ? { status: raw.status } : {}),
    ...(raw.reasonPhrase !== undefined ? { reasonPhrase: raw.reasonPhrase } : {}),
    headers: masker.headers(raw.headers.map(([n, v]) => [n, v])),
    body: masker.body(text),
    ...(truncated ? { bodyTruncated: true, bodyBytes: size } : {})
  }
}

/**
 * What a retained trace keeps of a body: its first MAX_TRACE_BODY bytes, copied out so the whole body
 * can be collected; a body that is a small view into a bigger buffer (node's pool, a socket read, the
 * message slab) is copied too, so that the buffer is not kept alive by the trace.
 */
export function retainedBody(body: Uint8Array): Uint8Array {
  if (body.length > MAX_TRACE_BODY) return Uint8Array.prototype.slice.call(body, 0, MAX_TRACE_BODY)
  return body.buffer.byteLength > 2 * body.length ? Uint8Array.prototype.slice.call(body) : body
}

/** The bytes a retained body keeps alive: the buffer it is a view into (at most twice its length, see retainedBody). */
export function bodyBytes(body: Uint8Array): number {
  return body.buffer.byteLength
}

/** A raw message as a retained trace keeps it: the same object unless its body had to be cut or copied. */
export function retainedRaw(raw: RawSnapshot): RawSnapshot {
  const body = retainedBody(raw.body)
  return body === raw.body ? raw : { ...raw, body, bodySize: raw.bodySize ?? raw.body.length }
}

/** Bytes a raw message keeps alive: its body and headers. */
export function rawBytes(raw: RawSnapshot): number {
  return bodyBytes(raw.body) + headerBytes(raw.headers)
}

/** Bytes a header list takes, counted as two bytes a character plus the pairs' own size. */
export function headerBytes(headers: ReadonlyArray<readonly [string, string]>): number {
  let bytes = 16 + headers.length * PAIR_BYTES
  for (let i = 0; i < headers.length; i++) bytes += 2 * (headers[i]![0].length + headers[i]![1].length)
  return bytes
}

/** The heap size of a small object (an array pair, a map entry), counted generously. */
const PAIR_BYTES = 48

/**
 * A value as a retained trace keeps it: a string longer than MAX_TRACE_TEXT becomes its beginning plus
 * a note of its length, in a string of its own (a slice would keep the whole string alive).
 */
export function cutText(text: string): string {
  if (text.length <= MAX_TRACE_TEXT) return text
  const head = Buffer.from(text.slice(0, MAX_TRACE_TEXT), 'utf16le').toString('utf16le')
  return `${head}… [cut in the trace: ${text.length} characters in all]`
}

/** Bytes a variable value keeps alive, counted as two bytes a character (strings) or a buffer's size. */
export function valueBytes(value: unknown): number {
  if (typeof value === 'string') return PAIR_BYTES + 2 * value.length
  if (value instanceof Uint8Array) return PAIR_BYTES + value.buffer.byteLength
  return PAIR_BYTES
}

/** A variable value as a retained trace keeps it (see cutText; big byte arrays are cut like bodies). */
export function retainedValue(value: unknown): unknown {
  if (typeof value === 'string') return cutText(value)
  if (value instanceof Uint8Array) return retainedBody(value)
  return value
}

/** A trace step's heap size before its variable values, counted generously. */
export const STEP_BYTES = 512

/** A step as a retained trace keeps it (the same object unless a recorded value had to be cut), and the bytes it keeps alive. */
export function retainedStep(step: TraceStep): { step: TraceStep; bytes: number } {
  let long = false
  for (const access of step.reads) long ||= isLong(access)
  for (const access of step.writes) long ||= isLong(access)
  const kept = long ? { ...step, reads: step.reads.map(cutAccess), writes: step.writes.map(cutAccess) } : step
  let bytes = STEP_BYTES
  for (const access of kept.reads) bytes += accessBytes(access)
  for (const access of kept.writes) bytes += accessBytes(access)
  return { step: kept, bytes }
}

function isLong(access: VariableAccess): boolean {
  return (access.value?.length ?? 0) > MAX_TRACE_TEXT || (access.previous?.length ?? 0) > MAX_TRACE_TEXT
}

function cutAccess(access: VariableAccess): VariableAccess {
  const value = access.value === null ? null : cutText(access.value)
  if (access.previous === undefined) return { name: access.name, value }
  return { name: access.name, value, previous: access.previous === null ? null : cutText(access.previous) }
}

function accessBytes(access: VariableAccess): number {
  return valueBytes(access.name) + valueBytes(access.value) + (access.previous === undefined ? 0 : valueBytes(access.previous))
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
