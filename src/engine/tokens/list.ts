/** The console's token list: metadata only, never the clear value (which is not stored anyway). */
import type { TokenInfo } from '../../shared/contract'
import type { TokenStore } from './store'

/** A token as the console lists it (the contract's TokenInfo). */
export type TokenSummary = TokenInfo

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
