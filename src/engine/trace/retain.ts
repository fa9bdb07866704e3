/**
 * Plain trace records (a request no proxy matched, imported traces) as the buffer keeps them: bodies
 * and long values cut like a live record's (see lazy.ts), and the bytes the record keeps alive.
 * Imported records come from files users pick, so nothing about their shape is taken for granted.
 */
import type { TraceRecord } from '../../shared/trace'
import { MAX_TRACE_BODY, MAX_TRACE_TEXT, cutText } from './lazy'

/** The record fields that hold a message snapshot. */
const MESSAGE_KEYS = ['request', 'targetRequest', 'targetResponse', 'response']

/** Nesting deeper than this is dropped: no record the engine builds nests that deep. */
const MAX_DEPTH = 32

/** The record as the buffer keeps it (the same object unless something had to be cut) and the bytes it keeps alive. */
export function retainedRecord(record: TraceRecord): { record: TraceRecord; bytes: number } {
  const kept = hasLong(record, 0) ? cutRecord(record) : record
  return { record: kept, bytes: sizeOf(kept, 0) }
}

function hasLong(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.length > MAX_TRACE_TEXT
  if (typeof value !== 'object' || value === null) return false
  if (depth >= MAX_DEPTH) return true
  for (const item of Object.values(value)) if (hasLong(item, depth + 1)) return true
  return false
}

function cutRecord(record: TraceRecord): TraceRecord {
  const out = cutValue(record, 0) as Record<string, unknown>
  for (const key of MESSAGE_KEYS) {
    const message = (record as unknown as Record<string, unknown>)[key]
    if (typeof message !== 'object' || message === null) continue
    const body = (message as { body?: unknown }).body
    if (typeof body !== 'string' || body.length <= MAX_TRACE_BODY) continue
    const given = (message as { bodyBytes?: unknown }).bodyBytes
    out[key] = {
      ...(out[key] as object),
      body: Buffer.from(body.slice(0, MAX_TRACE_BODY), 'utf16le').toString('utf16le'),
      bodyTruncated: true,
      bodyBytes: typeof given === 'number' && Number.isFinite(given) && given > body.length ? given : Buffer.byteLength(body)
    }
  }
  return out as unknown as TraceRecord
}

/** A copy with every long string cut (see cutText); what nests too deep is dropped. */
function cutValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cutText(value)
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_DEPTH) return null
  if (Array.isArray(value)) return value.map((item) => cutValue(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) out[key] = cutValue(item, depth + 1)
  return out
}

/**
 * Bytes a plain value keeps alive, as V8 lays it out and rounded up: a string's header and one byte a
 * character (two when it holds any character past Latin-1), a number boxed, an object's header and a
 * dictionary entry per property (records have dozens of variables), an array's header and a slot per item.
 */
function sizeOf(value: unknown, depth: number): number {
  if (typeof value === 'string') return 16 + (WIDE.test(value) ? 2 : 1) * value.length
  if (typeof value !== 'object' || value === null) return 16
  let bytes = 32
  if (depth >= MAX_DEPTH) return bytes
  if (Array.isArray(value)) {
    for (const item of value) bytes += 8 + sizeOf(item, depth + 1)
    return bytes
  }
  // Property names are mostly shared strings (internalized), so only the entry is counted for them.
  for (const item of Object.values(value)) bytes += 24 + sizeOf(item, depth + 1)
  return bytes
}

/** A character V8 cannot keep in a one-byte string. */
const WIDE = /[^\u0000-\u00ff]/
