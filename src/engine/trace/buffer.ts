/** A bounded in-memory ring buffer of trace records with push subscribers. */
import type { TraceRecord, TraceSummary } from '../../shared/trace'
import { plainTraceRecord, type LazyTraceRecord } from './lazy'
import { retainedRecord } from './retain'

/** Ring buffer size when the engine is not told otherwise. */
export const DEFAULT_TRACE_LIMIT = 5000

/** Bytes the records may keep alive (bodies, messages, steps, variables) when the engine is not told otherwise. */
export const DEFAULT_TRACE_MAX_BYTES = 64 * 1024 * 1024

/** Listener called for each new trace record. */
export type TraceListener = (record: TraceRecord) => void

/**
 * Storage for records of one kind outside the JS heap, one slot per buffer position. A buffer full of
 * heap objects costs the garbage collector on every request; records in slots cost it nothing.
 */
export interface TraceSlots {
  /**
   * Stores `record` in `slot`: the bytes it keeps alive beyond the slot itself (bodies and objects it
   * references), or -1 (and the slot emptied) when the record has to be kept as an object.
   */
  store(record: TraceRecord, slot: number): number
  /** Empties `slot`, dropping every reference it held. */
  release(slot: number): void
  /** The record stored in `slot`, as a new object. */
  load(slot: number): TraceRecord
  /** The id of the record in `slot`, without loading the rest. */
  idOf(slot: number): string
  /** Makes room for `limit` slots, all empty. */
  reset(limit: number): void
}

/** Marks a buffer position whose record is in the slots. */
const IN_SLOTS = 0

/**
 * Keeps the newest records: at most `limit` of them, and no more than `maxBytes` of what they keep
 * alive (the newest record is always kept, whatever its size). Older ones are dropped.
 */
export class TraceBuffer {
  private entries: Array<TraceRecord | typeof IN_SLOTS | undefined>
  /** The bytes each position's record keeps alive, as its slot or retainedRecord() counted them when it was added. */
  private sizes: Float64Array
  private total = 0
  private next = 0
  private count = 0
  private readonly listeners = new Set<TraceListener>()

  constructor(
    limit: number = DEFAULT_TRACE_LIMIT,
    /** Where records that can be stored off the heap go. */
    private readonly slots?: TraceSlots,
    /** Bound on the bytes the records keep alive. */
    readonly maxBytes: number = DEFAULT_TRACE_MAX_BYTES
  ) {
    checkLimit(limit)
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`trace byte limit must be a positive integer, got ${maxBytes}`)
    this.entries = new Array(limit)
    this.sizes = new Float64Array(limit)
    slots?.reset(limit)
  }

  /** Bytes the records held keep alive, as counted when they were added. */
  get bytes(): number {
    return this.total
  }

  /** Capacity of the buffer. */
  get limit(): number {
    return this.entries.length
  }

  /** Number of records held. */
  get size(): number {
    return this.count
  }

  /**
   * Stores a record, with long bodies and values cut (see lazy.ts), evicts the oldest while there are
   * too many or they keep too many bytes alive, and notifies subscribers.
   */
  add(record: TraceRecord): void {
    const at = this.next
    const n = this.entries.length
    // A full buffer overwrites its oldest record.
    if (this.count === n) this.total -= this.sizes[at]!
    let bytes = this.slots ? this.slots.store(record, at) : -1
    if (bytes >= 0) this.entries[at] = IN_SLOTS
    else {
      const kept = retainedRecord(plainTraceRecord(record))
      this.entries[at] = kept.record
      bytes = kept.bytes
    }
    this.sizes[at] = bytes
    this.total += bytes
    this.next = (at + 1) % n
    if (this.count < n) this.count++
    while (this.total > this.maxBytes && this.count > 1) this.evictOldest()
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

  private evictOldest(): void {
    const n = this.entries.length
    const at = (this.next - this.count + n) % n
    this.entries[at] = undefined
    this.slots?.release(at)
    this.total -= this.sizes[at]!
    this.sizes[at] = 0
    this.count--
  }

  /** The record at a buffer position. */
  private at(position: number): TraceRecord | undefined {
    const entry = this.entries[position]
    return entry === IN_SLOTS ? this.slots!.load(position) : entry
  }

  /** Positions of the records held, newest first. */
  private positions(limit = this.count): number[] {
    const out: number[] = []
    const n = this.entries.length
    for (let i = 1; i <= Math.min(limit, this.count); i++) out.push((this.next - i + n) % n)
    return out
  }

  private stored(limit?: number): TraceRecord[] {
    const out: TraceRecord[] = []
    for (const position of this.positions(limit)) {
      const record = this.at(position)
      if (record) out.push(record)
    }
    return out
  }

  /** Summaries, newest first, at most `limit`. */
  list(limit?: number): TraceSummary[] {
    return this.stored(limit).map(toTraceSummary)
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
    // The ids held, once: a lookup per imported record would rebuild the buffer's ids thousands of times.
    const held = new Set(this.positions().map((position) => this.idAt(position)))
    for (const record of ordered) {
      if (held.has(record.id)) continue
      held.add(record.id)
      this.add(record)
    }
    return valid.length
  }

  /** One record by id (a scan: lookups are rare, adds happen on every request). */
  get(id: string): TraceRecord | undefined {
    for (const position of this.positions()) if (this.idAt(position) === id) return plainTraceRecord(this.at(position)!)
    return undefined
  }

  /** The id of the record at a buffer position, without rebuilding the record. */
  private idAt(position: number): string | undefined {
    const entry = this.entries[position]
    return entry === IN_SLOTS ? this.slots!.idOf(position) : entry?.id
  }

  /**
   * The newest record `test` accepts, as a plain record. Records are rebuilt one at a time, newest
   * first, and the search stops at the first match: the one looked for is usually among the newest.
   */
  find(test: (record: TraceRecord) => boolean): TraceRecord | undefined {
    for (const position of this.positions()) {
      const record = this.at(position)
      if (record && test(record)) return plainTraceRecord(record)
    }
    return undefined
  }

  /**
   * The access token the client of a held record presented, in clear: only a record still as the
   * engine keeps it has it (traces and exports mask it). For lookups by hash, never for display.
   */
  presentedAccessToken(id: string): string | undefined {
    for (const position of this.positions()) {
      const entry = this.entries[position]
      if (entry === IN_SLOTS ? this.slots!.idOf(position) !== id : entry?.id !== id) continue
      const record = this.at(position) as Partial<LazyTraceRecord> | undefined
      return record?.presentedAccessToken?.()
    }
    return undefined
  }

  /** Drops every record, and every reference to what they held. */
  clear(): void {
    this.refill(this.entries.length, [])
  }

  /** Changes the capacity, keeping the newest records that fit. */
  resize(limit: number): void {
    checkLimit(limit)
    this.refill(limit, this.stored(limit).reverse())
  }

  /** Empties the buffer at capacity `limit`, then adds `records` (oldest first) without notifying anyone. */
  private refill(limit: number, records: TraceRecord[]): void {
    this.entries = new Array(limit)
    this.sizes = new Float64Array(limit)
    this.total = 0
    this.slots?.reset(limit)
    this.next = 0
    this.count = 0
    const listeners = [...this.listeners]
    this.listeners.clear()
    for (const record of records) this.add(record)
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

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`trace limit must be a positive integer, got ${limit}`)
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
