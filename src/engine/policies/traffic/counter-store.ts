/** The in-memory CounterStore: one gateway process is one Apigee message processor, so counts are exact. */
import type { Clock, CounterStore } from '../../ports'

/** More keys than this (e.g. a client varying its Identifier header) evicts the oldest first. */
const MAX_KEYS = 100_000

export class MemoryCounterStore implements CounterStore {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>()

  constructor(private readonly clock: Clock) {}

  get<T>(key: string): T | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value as T
  }

  set<T>(key: string, value: T, expiresAt: number): void {
    // Re-inserting moves the key to the end, so eviction order is least recently written first.
    this.entries.delete(key)
    this.entries.set(key, { value, expiresAt })
    if (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value as string)
  }
}
