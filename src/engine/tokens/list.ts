/** The console's token list: metadata only, never the clear value (which is not stored anyway). */
import type { TokenRecord } from '../../shared/tokens'
import type { TokenStore } from './store'

export interface TokenSummary {
  kind: TokenRecord['kind']
  appId: string | undefined
  appName: string | undefined
  clientId: string
  scope: string
  issuedAt: number
  expiresAt: number
  /** `expired` when the expiry has passed, whatever the stored status. */
  status: 'approved' | 'revoked' | 'expired'
  /** First 8 hex characters of the hash, enough to tell tokens apart in a list. */
  hashPrefix: string
  jwt: boolean
}

/** Summaries of every stored token and code, newest first. */
export function listTokens(store: TokenStore, now: number): TokenSummary[] {
  return [...store.all()]
    .map((r) => ({
      kind: r.kind,
      appId: r.appId,
      appName: r.appName,
      clientId: r.clientId,
      scope: r.scope ?? '',
      issuedAt: r.issuedAt,
      expiresAt: r.expiresAt,
      status: r.expiresAt >= 0 && now >= r.expiresAt ? ('expired' as const) : r.status,
      hashPrefix: r.hash.slice(0, 8),
      jwt: r.jwt === true
    }))
    .sort((a, b) => b.issuedAt - a.issuedAt)
}
