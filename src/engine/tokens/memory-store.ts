/** An in-memory TokenStore; main wraps it with persistence through `onChange`, tests use it directly. */
import type { TokenRecord } from '../../shared/tokens'
import type { TokenStore } from './store'

export type MemoryTokenStore = TokenStore & {
  /** Every record, as a copy (for persistence and the console). */
  records(): TokenRecord[]
}

const keyOf = (kind: TokenRecord['kind'], hash: string): string => `${kind}:${hash}`

/** A synchronous token store over a Map keyed by kind and hash; `onChange` runs after every write. */
export function createMemoryTokenStore(initial: TokenRecord[] = [], onChange?: () => void): MemoryTokenStore {
  const byKey = new Map<string, TokenRecord>()
  for (const record of initial) byKey.set(keyOf(record.kind, record.hash), { ...record })
  return {
    get(kind, hash) {
      const record = byKey.get(keyOf(kind, hash))
      return record ? { ...record } : undefined
    },
    put(record) {
      byKey.set(keyOf(record.kind, record.hash), { ...record })
      onChange?.()
    },
    delete(kind, hash) {
      if (byKey.delete(keyOf(kind, hash))) onChange?.()
    },
    all() {
      return [...byKey.values()].map((r) => ({ ...r }))
    },
    records() {
      return [...byKey.values()].map((r) => ({ ...r }))
    }
  }
}
