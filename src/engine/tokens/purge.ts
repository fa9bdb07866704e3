/** Apigee purges tokens 3 days after both the access and the refresh token have expired. */
import type { TokenRecord } from '../../shared/tokens'
import type { TokenStore } from './store'

/** 3 days (259,200 s), Apigee's purge delay. */
export const PURGE_DELAY_MS = 259_200_000

const NEVER = Number.POSITIVE_INFINITY
const expiryOf = (at: number | undefined): number => (at === undefined ? 0 : at < 0 ? NEVER : at)

/** When the grant a record belongs to is fully expired (latest of access and refresh expiry), Infinity for never. */
export function grantExpiry(record: TokenRecord, store: TokenStore): number {
  if (record.kind === 'access_token') return Math.max(expiryOf(record.expiresAt), expiryOf(record.refreshExpiresAt))
  if (record.kind === 'refresh_token') {
    const access = record.pairedHash ? store.get('access_token', record.pairedHash) : undefined
    return Math.max(expiryOf(record.expiresAt), access ? expiryOf(access.expiresAt) : 0)
  }
  return expiryOf(record.expiresAt)
}

/** Deletes every record whose grant expired more than 3 days before `now`; returns how many were deleted. */
export function purgeExpired(store: TokenStore, now: number): number {
  const doomed = [...store.all()].filter((r) => grantExpiry(r, store) + PURGE_DELAY_MS <= now)
  for (const r of doomed) store.delete(r.kind, r.hash)
  return doomed.length
}
