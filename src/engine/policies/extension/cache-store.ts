/** The in-memory CacheStore on the engine clock: one gateway process is one message processor's cache. */
import type { CacheStore, Clock } from '../../ports'

/** More entries than this evicts the least recently written first (a cache, not a database). */
const MAX_ENTRIES = 100_000

export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>()

  constructor(private readonly clock: Clock) {}

  get(key: string): string | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set(key: string, value: string, expiresAt: number): void {
    this.entries.delete(key)
    this.entries.set(key, { value, expiresAt })
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string)
  }

  delete(key: string): boolean {
    return this.entries.delete(key)
  }

  deletePrefix(prefix: string): number {
    let n = 0
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix) && this.entries.delete(key)) n++
    return n
  }
}
