/**
 * Emulation of Apigee's token cache (reference section 7): a token verified once is served from the
 * cache for a number of seconds, so revocation, deletion and expiry lag until the entry expires.
 * Off when the organization's tokenCacheSeconds is 0 (the default, deterministic).
 */
import type { TokenRecord } from '../../shared/tokens'
import type { TokenStore } from './store'

export interface CachedToken {
  /** The record as it was when first verified. */
  record: TokenRecord
  /** Clock time (ms) the entry was filled. */
  cachedAt: number
}

/** A token cache for one TokenStore; time is always passed in (services.clock), never read here. */
export class TokenCache {
  private readonly entries = new Map<string, CachedToken>()

  /** The cached entry for a token hash if it is younger than `ttlSeconds`; a stale entry is dropped. */
  lookup(hash: string, now: number, ttlSeconds: number): CachedToken | undefined {
    const entry = this.entries.get(hash)
    if (!entry) return undefined
    if (ttlSeconds <= 0 || now >= entry.cachedAt + ttlSeconds * 1000 || now < entry.cachedAt) {
      this.entries.delete(hash)
      return undefined
    }
    return entry
  }

  /** Caches a record read from the store. */
  remember(record: TokenRecord, now: number): void {
    this.entries.set(record.hash, { record: { ...record }, cachedAt: now })
  }

  /** Forgets every entry (console "clear cache", clock reset). */
  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

const caches = new WeakMap<TokenStore, TokenCache>()

/** The cache that belongs to a token store (one per engine, like one message processor's cache). */
export function tokenCacheFor(store: TokenStore): TokenCache {
  let cache = caches.get(store)
  if (!cache) {
    cache = new TokenCache()
    caches.set(store, cache)
  }
  return cache
}

/** Longest cache TTL Apigee allows for tokens (seconds). */
export const MAX_CACHE_SECONDS = 180

/**
 * Effective TTL in seconds: the organization's setting (0 = off), tuned down by the policy's
 * CacheExpiryInSeconds (1..180) when given; the policy can never switch the cache on by itself.
 */
export function effectiveCacheSeconds(organizationSeconds: number, policySeconds: number | undefined): number {
  const org = Math.min(Math.max(0, Math.floor(organizationSeconds)), MAX_CACHE_SECONDS)
  if (org === 0) return 0
  if (policySeconds === undefined || !Number.isFinite(policySeconds) || policySeconds < 1) return org
  return Math.min(org, Math.floor(policySeconds))
}
