import { describe, expect, it } from 'vitest'
import {
  createMemoryTokenStore,
  effectiveCacheSeconds,
  hashToken,
  listTokens,
  mintOpaqueToken,
  purgeExpired,
  secretsEqual,
  PURGE_DELAY_MS
} from '../../../src/engine/tokens'
import type { TokenRecord } from '../../../src/shared/tokens'

const rec = (r: Partial<TokenRecord> & Pick<TokenRecord, 'kind' | 'hash'>): TokenRecord => ({ issuedAt: 0, expiresAt: 1000, status: 'approved', clientId: 'k', ...r })

describe('tokens', () => {
  it('hashes with SHA-256 hex', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('compares secrets exactly', () => {
    expect(secretsEqual('s3cret', 's3cret')).toBe(true)
    expect(secretsEqual('s3cret', 's3cre')).toBe(false)
    expect(secretsEqual('', 'x')).toBe(false)
  })

  it('mints 32 base62 characters from the random source', () => {
    let n = 0
    const counting = { bytes: (len: number) => Uint8Array.from({ length: len }, () => n++ % 256) }
    const token = mintOpaqueToken(counting)
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(token.startsWith('ABCDEFGH')).toBe(true)
  })

  it('the memory store keys by kind and hash, copies records and reports changes', () => {
    let changes = 0
    const store = createMemoryTokenStore([rec({ kind: 'access_token', hash: 'h1' })], () => changes++)
    expect(store.get('refresh_token', 'h1')).toBeUndefined()
    const got = store.get('access_token', 'h1')!
    got.status = 'revoked'
    expect(store.get('access_token', 'h1')!.status).toBe('approved')
    store.put(rec({ kind: 'refresh_token', hash: 'h1' }))
    store.delete('access_token', 'h1')
    store.delete('access_token', 'missing')
    expect(changes).toBe(2)
    expect(store.records().map((r) => r.kind)).toEqual(['refresh_token'])
  })

  it('purges 3 days after both access and refresh token expired', () => {
    const store = createMemoryTokenStore([
      rec({ kind: 'access_token', hash: 'a', expiresAt: 1000, pairedHash: 'r', refreshExpiresAt: 5000 }),
      rec({ kind: 'refresh_token', hash: 'r', expiresAt: 5000, pairedHash: 'a' }),
      rec({ kind: 'access_token', hash: 'solo', expiresAt: 1000, refreshExpiresAt: 0 }),
      rec({ kind: 'access_token', hash: 'never', expiresAt: -1 })
    ])
    expect(purgeExpired(store, 1000 + PURGE_DELAY_MS - 1)).toBe(0)
    expect(purgeExpired(store, 1000 + PURGE_DELAY_MS)).toBe(1)
    expect(store.get('access_token', 'a')).toBeDefined()
    expect(purgeExpired(store, 5000 + PURGE_DELAY_MS)).toBe(2)
    expect(store.records().map((r) => r.hash)).toEqual(['never'])
  })

  it('lists metadata only, with expired status and hash prefix', () => {
    const store = createMemoryTokenStore([rec({ kind: 'access_token', hash: hashToken('secret-token'), appName: 'App', scope: 'read', issuedAt: 5 })])
    const list = listTokens(store, 2000)
    expect(list).toEqual([
      { kind: 'access_token', appId: undefined, appName: 'App', clientId: 'k', scope: 'read', issuedAt: 5, expiresAt: 1000, status: 'expired', hashPrefix: hashToken('secret-token').slice(0, 8), jwt: false }
    ])
    expect(JSON.stringify(list)).not.toContain('secret-token')
  })

  it('cache TTL: organization setting, tuned down by the policy, never switched on by it', () => {
    expect(effectiveCacheSeconds(0, 60)).toBe(0)
    expect(effectiveCacheSeconds(180, undefined)).toBe(180)
    expect(effectiveCacheSeconds(180, 30)).toBe(30)
    expect(effectiveCacheSeconds(20, 30)).toBe(20)
  })
})
