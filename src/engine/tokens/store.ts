/**
 * Where issued tokens and authorization codes live. Records are keyed by the SHA-256 hash of the
 * token string; the clear value is never stored. Synchronous on purpose: an authorization code is
 * checked and consumed with no await in between, so two concurrent exchanges cannot both succeed.
 * The OAuth engine defines the record shape (src/shared/tokens.ts); main persists it to tokens.json.
 */
import type { TokenRecord } from '../../shared/tokens'

export interface TokenStore {
  get(kind: TokenRecord['kind'], hash: string): TokenRecord | undefined
  put(record: TokenRecord): void
  delete(kind: TokenRecord['kind'], hash: string): void
  all(): Iterable<TokenRecord>
}
