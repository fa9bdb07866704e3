/** A bounded in-memory ring buffer of trace records with push subscribers. */
import type { TraceRecord, TraceSummary } from '../../shared/trace'
import { plainTraceRecord } from './lazy'

/** Ring buffer size when the engine is not told otherwise. */
export const DEFAULT_TRACE_LIMIT = 5000

/** Listener called for each new trace record. */
export type TraceListener = (record: TraceRecord) => void

/** Keeps the newest `limit` trace records; older ones are dropped. */
export class TraceBuffer {
  private slots: Array<TraceRecord | undefined>
  private next = 0
  private count = 0
  private readonly listeners = new Set<TraceListener>()

  constructor(limit: number = DEFAULT_TRACE_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`trace limit must be a positive integer, got ${limit}`)
    this.slots = new Array<TraceRecord | undefined>(limit)
  }

  /** Capacity of the buffer. */
  get limit(): number {
    return this.slots.length
  }

  /** Number of records held. */
  get size(): number {
    return this.count
  }

  /** Stores a record (evicting the oldest when full) and notifies subscribers. */
  add(record: TraceRecord): void {
    this.slots[this.next] = record
    this.next = (this.next + 1) % this.slots.length
    if (this.count < this.slots.length) this.count++
    for (const listener of this.listeners) {
      try {
        listener(record)
      } catch {
        // A failing subscriber must not break the request path or the other subscribers.
      }
    }
  }

  /** Records as plain objects, newest first. */
  records(): TraceRecord[] {
    return this.stored().map(plainTraceRecord)
  }

  private stored(): TraceRecord[] {
    const out: TraceRecord[] = []
    for (let i = 1; i <= this.count; i++) {
      const slot = this.slots[(this.next - i + this.slots.length) % this.slots.length]
      if (slot) out.push(slot)
    }
    return out
  }

  /** Summaries, newest first, at most `limit`. */
  list(limit?: number): TraceSummary[] {
    const records = this.stored()
    return (limit === undefined ? records : records.slice(0, limit)).map(toTraceSummary)
  }

  /** Full records for export, newest first: the given ids (unknown ids are skipped) or all. */
  export(ids?: string[]): TraceRecord[] {
    if (ids === undefined) return this.records()
    return ids.map((id) => this.get(id)).filter((r): r is TraceRecord => r !== undefined)
  }

  /** Adds previously exported records (oldest first keeps order); returns how many were accepted. Subscribers are notified. */
  import(records: unknown[]): number {
    const valid = records.filter(isTraceRecord)
    const ordered = [...valid].sort((a, b) => a.startedAt - b.startedAt)
    for (const record of ordered) if (!this.get(record.id)) this.add(record)
    return valid.length
  }

  /** One record by id (a scan: lookups are rare, adds happen on every request). */
  get(id: string): TraceRecord | undefined {
    for (const slot of this.slots) if (slot !== undefined && slot.id === id) return plainTraceRecord(slot)
    return undefined
  }

  /** Drops every record. */
  clear(): void {
    this.slots = new Array<TraceRecord | undefined>(this.slots.length)
    this.next = 0
    this.count = 0
  }

  /** Changes the capacity, keeping the newest records that fit. */
  resize(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`trace limit must be a positive integer, got ${limit}`)
    const kept = this.stored().slice(0, limit).reverse()
    this.slots = new Array<TraceRecord | undefined>(limit)
    this.next = 0
    this.count = 0
    const listeners = [...this.listeners]
    this.listeners.clear()
    for (const record of kept) this.add(record)
    for (const l of listeners) this.listeners.add(l)
  }

  /** Calls `listener` for every new record until the returned function is called. */
  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}

/** The list-view fields of a record. */
export function toTraceSummary(record: TraceRecord): TraceSummary {
  return {
    id: record.id,
    messageId: record.messageId,
    startedAt: record.startedAt,
    durationMs: record.durationMs,
    environment: record.environment,
    proxy: record.proxy,
    method: record.method,
    path: record.path,
    status: record.status,
    faultName: record.faultName,
    app: record.app,
    clientId: record.clientId
  }
}

/** A structural check of an imported trace record (imports come from files users pick). */
export function isTraceRecord(value: unknown): value is TraceRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  return (
    typeof r['id'] === 'string' &&
    typeof r['messageId'] === 'string' &&
    typeof r['startedAt'] === 'number' &&
    typeof r['environment'] === 'string' &&
    typeof r['method'] === 'string' &&
    typeof r['path'] === 'string' &&
    typeof r['status'] === 'number' &&
    Array.isArray(r['steps']) &&
    typeof r['request'] === 'object' &&
    r['request'] !== null &&
    typeof r['response'] === 'object' &&
    r['response'] !== null &&
    typeof r['variables'] === 'object'
  )
}
