import { describe, expect, it } from 'vitest'
import { hashToken } from '../../../src/engine/tokens'
import { T0, compile, env, policy, run, type Env } from './harness'

function seedPair(e: Env, access: string, refresh: string, jwt = false): void {
  const common = { issuedAt: T0, status: 'approved' as const, clientId: 'key-1', scope: 'read' }
  e.store.put({ ...common, kind: 'access_token', hash: hashToken(access), expiresAt: T0 + 3_600_000, pairedHash: hashToken(refresh), ...(jwt ? { jwt: true } : {}) })
  e.store.put({ ...common, kind: 'refresh_token', hash: hashToken(refresh), expiresAt: T0 + 86_400_000, pairedHash: hashToken(access) })
}
const statusOf = (e: Env, kind: 'access_token' | 'refresh_token', value: string) => e.store.get(kind, hashToken(value))?.status
const tokensPolicy = (op: string, type: string, cascade?: string) =>
  compile(policy(op, `<Tokens><Token type="${type}"${cascade === undefined ? '' : ` cascade="${cascade}"`}>flow.token</Token></Tokens>`)).config

describe('InvalidateToken (reference 6.2)', () => {
  it.each([
    ['accesstoken', undefined, 'a', ['revoked', 'revoked']],
    ['accesstoken', 'false', 'a', ['revoked', 'revoked']],
    ['refreshtoken', undefined, 'r', ['revoked', 'revoked']],
    ['refreshtoken', 'true', 'r', ['revoked', 'revoked']],
    ['refreshtoken', 'false', 'r', ['approved', 'revoked']],
    ['refreshtoken', 'false', 'a', ['revoked', 'revoked']]
  ] as const)('type=%s cascade=%s on the %s token -> [access, refresh] = %j', async (type, cascade, which, expected) => {
    const e = env()
    seedPair(e, 'a', 'r')
    const out = await run(e, tokensPolicy('InvalidateToken', type, cascade), { vars: { 'flow.token': which } })
    expect(out.fault).toBeUndefined()
    expect([statusOf(e, 'access_token', 'a'), statusOf(e, 'refresh_token', 'r')]).toEqual(expected)
    expect(e.store.get('access_token', hashToken('a'))?.revokeReason).toBe(expected[0] === 'revoked' ? 'TOKEN_REVOKED' : undefined)
  })

  it('accepts an unknown or already invalid token silently', async () => {
    const e = env()
    const out = await run(e, tokensPolicy('InvalidateToken', 'accesstoken'), { vars: { 'flow.token': 'nothing' } })
    expect(out.fault).toBeUndefined()
  })

  it('raises InvalidTokenType for a wrong type and FailedToResolveToken for an unresolved variable', async () => {
    const e = env()
    const bad = await run(e, tokensPolicy('InvalidateToken', 'idtoken'), { vars: { 'flow.token': 'a' } })
    expect(bad.status).toBe(500)
    expect(bad.body).toBe('{"fault":{"faultstring":"Invalid token type idtoken","detail":{"errorcode":"steps.oauth.v2.InvalidTokenType"}}}')
    const unresolved = await run(e, tokensPolicy('InvalidateToken', 'accesstoken'))
    expect(unresolved.status).toBe(500)
    expect(unresolved.fault?.spec.name).toBe('FailedToResolveToken')
    expect(unresolved.body).toBe('{"fault":{"faultstring":"Failed to resolve token variable flow.token","detail":{"errorcode":"steps.oauth.v2.FailedToResolveToken"}}}')
  })

  it('revokes a JWT access token and its refresh token (no 500 InvalidTokenType); ValidateToken re-approves them', async () => {
    for (const type of ['accesstoken', 'refreshtoken'] as const) {
      const e = env()
      seedPair(e, 'j', 'jr', true)
      const out = await run(e, tokensPolicy('InvalidateToken', type), { vars: { 'flow.token': 'j' } })
      expect([out.status, out.fault]).toEqual([200, undefined])
      expect([statusOf(e, 'access_token', 'j'), statusOf(e, 'refresh_token', 'jr')]).toEqual(['revoked', 'revoked'])
      expect(e.store.get('access_token', hashToken('j'))?.revokeReason).toBe('TOKEN_REVOKED')
      await run(e, tokensPolicy('ValidateToken', type), { vars: { 'flow.token': 'j' } })
      expect([statusOf(e, 'access_token', 'j'), statusOf(e, 'refresh_token', 'jr')]).toEqual(['approved', 'approved'])
    }
  })

  it('a refresh token revoked with cascade takes its JWT access token along', async () => {
    const e = env()
    seedPair(e, 'j', 'jr', true)
    await run(e, tokensPolicy('InvalidateToken', 'refreshtoken', 'true'), { vars: { 'flow.token': 'jr' } })
    expect([statusOf(e, 'access_token', 'j'), statusOf(e, 'refresh_token', 'jr')]).toEqual(['revoked', 'revoked'])
  })
})

describe('ValidateToken', () => {
  it('re-approves a revoked pair; expiry is independent of status', async () => {
    const e = env()
    seedPair(e, 'a', 'r')
    await run(e, tokensPolicy('InvalidateToken', 'accesstoken'), { vars: { 'flow.token': 'a' } })
    const out = await run(e, tokensPolicy('ValidateToken', 'accesstoken'), { vars: { 'flow.token': 'a' } })
    expect(out.fault).toBeUndefined()
    expect([statusOf(e, 'access_token', 'a'), statusOf(e, 'refresh_token', 'r')]).toEqual(['approved', 'approved'])
    expect(e.store.get('access_token', hashToken('a'))?.revokeReason).toBeUndefined()
    const verify = compile(policy('VerifyAccessToken')).config
    expect((await run(e, verify, { headers: { Authorization: 'Bearer a' } })).fault).toBeUndefined()
    e.clock.advance(3_600_000)
    expect((await run(e, verify, { headers: { Authorization: 'Bearer a' } })).fault?.spec.name).toBe('access_token_expired')
  })

  it('cascade="false" on a refresh token re-approves only the refresh token', async () => {
    const e = env()
    seedPair(e, 'a', 'r')
    await run(e, tokensPolicy('InvalidateToken', 'accesstoken'), { vars: { 'flow.token': 'a' } })
    await run(e, tokensPolicy('ValidateToken', 'refreshtoken', 'false'), { vars: { 'flow.token': 'r' } })
    expect([statusOf(e, 'access_token', 'a'), statusOf(e, 'refresh_token', 'r')]).toEqual(['revoked', 'approved'])
  })
})
