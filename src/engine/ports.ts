/**
 * The engine's ports: everything from the outside world (time, randomness, storage, network)
 * comes in through these small interfaces so the engine stays pure and testable.
 */

/** One clock for the whole engine; main wires it to the virtual clock. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number
}

/** Cryptographically strong randomness. */
export interface RandomSource {
  /** `length` random bytes. */
  bytes(length: number): Uint8Array
}

/** An outgoing HTTP request to a real target. */
export interface OutboundRequest {
  method: string
  url: string
  headers: Array<[string, string]>
  body: Uint8Array
  timeoutMs: number
}

export interface OutboundResponse {
  status: number
  reasonPhrase: string
  headers: Array<[string, string]>
  body: Uint8Array
}

/** Error codes an HttpClient reports, mapped by the runtime to Apigee's target faults. */
export type OutboundErrorCode = 'connection-refused' | 'timeout' | 'unexpected-eof' | 'dns' | 'other'

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'OutboundError'
  }
}

/** Sends requests to real HTTP targets; main implements it with node:http. */
export interface HttpClient {
  send(request: OutboundRequest): Promise<OutboundResponse>
}

/** A system clock and crypto randomness for places that need defaults (tests, headless). */
export const systemClock: Clock = { now: () => Date.now() }
export const cryptoRandom: RandomSource = {
  bytes: (length) => globalThis.crypto.getRandomValues(new Uint8Array(length))
}

/**
 * Shared counters of the rate-limiting policies (Quota, SpikeArrest, ResetQuota). Values are small
 * plain records owned by the policy that wrote them; an entry past `expiresAt` (engine clock) is gone.
 */
export interface CounterStore {
  get<T>(key: string): T | undefined
  set<T>(key: string, value: T, expiresAt: number): void
}

/**
 * The caches of PopulateCache, LookupCache and InvalidateCache. Keys are complete (environment, cache
 * resource and cache key); an entry past `expiresAt` (engine clock) is gone.
 */
export interface CacheStore {
  get(key: string): string | undefined
  set(key: string, value: string, expiresAt: number): void
  delete(key: string): boolean
  /** Removes every entry whose key starts with `prefix`; returns how many. */
  deletePrefix(prefix: string): number
}
