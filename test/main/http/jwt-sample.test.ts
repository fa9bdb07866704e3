/**
 * JWT access tokens of the sample workspace over plain HTTP, as an attacker would try them: tokens from
 * `POST /oauth/jwt/token`, checked by API_One's VerifyJWTAccessToken under `/api-one/jwt/`, and forged,
 * stale, foreign or revoked variants of them. Every one is refused with the reference's fault, 401 and
 * `WWW-Authenticate: Bearer ... error="invalid_token"`, and explained; `POST /oauth/revoke` revokes a JWT.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomUUID } from 'node:crypto'
import { SignJWT, decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsole, type GatelabConsole } from '../../../src/main/console'
import { verifyFaults } from '../../../src/engine/faults/oauth'
import { hashToken } from '../../../src/engine/tokens'
import type { TraceRecord } from '../../../src/shared/trace'

let gatelab: GatelabConsole

beforeAll(async () => {
  gatelab = await createConsole({
    dataDir: await mkdtemp(join(tmpdir(), 'gatelab-jwt-sample-')),
    sampleFile: resolve(__dirname, '../../../resources/samples/sample-org.json'),
    envPorts: { test: 0, prod: 0 }
  })
})
afterAll(async () => {
  await gatelab.services['clock.reset']({})
  await gatelab.close()
})

interface Curl {
  status: number
  headers: Headers
  body: string
  trace: TraceRecord
}

async function curl(env: 'test' | 'prod', path: string, init: { headers?: Record<string, string>; form?: string } = {}): Promise<Curl> {
  const base = gatelab.gateway.status().find((s) => s.environment === env)!.url
  const id = randomUUID()
  const headers: Record<string, string> = { 'X-Scenario-Request': id, ...init.headers }
  if (init.form !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded'
  const res = await fetch(`${base}${path}`, { method: init.form === undefined ? 'GET' : 'POST', headers, body: init.form })
  const body = await res.text()
  const summaries = await gatelab.services['traces.list']({ limit: 5 })
  const records = await Promise.all(summaries.map((s) => gatelab.services['traces.get']({ id: s.id })))
  const trace = records.find((r) => r.request.headers.some(([n, v]) => n.toLowerCase() === 'x-scenario-request' && v === id))
  expect(trace, `trace of ${path}`).toBeDefined()
  return { status: res.status, headers: res.headers, body, trace: trace! }
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

async function jwtFor(env: 'test' | 'prod', key: string, secret: string): Promise<string> {
  const res = await curl(env, '/oauth/jwt/token', { headers: { Authorization: basic(key, secret) }, form: 'grant_type=client_credentials' })
  expect(res.status, res.body).toBe(200)
  return JSON.parse(res.body).access_token as string
}

const api = (token: string, path = '/api-one/jwt/items', env: 'test' | 'prod' = 'test') => curl(env, path, { headers: { Authorization: `Bearer ${token}` } })

/** The sample's test-environment signing key (private.jwt-signing-key): an attacker who read it signs with it. */
function sampleKey(env: 'test' | 'prod'): Uint8Array {
  const variable = gatelab.store.read().environments.find((e) => e.name === env)!.variables.find((v) => v.name === 'private.jwt-signing-key')!
  return new TextEncoder().encode(variable.value)
}

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** Re-signs the claims of a real token, changed as a row says, with the sample key (or another). */
async function resign(token: string, claims: Record<string, unknown>, head: Record<string, unknown> = {}, key = sampleKey('test'), crit?: Record<string, boolean>): Promise<string> {
  const payload = Object.fromEntries(Object.entries({ ...decodeJwt(token), ...claims }).filter(([, v]) => v !== undefined))
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+JWT', ...head } as { alg: string }).sign(key, crit ? { crit } : undefined)
}

const nowSeconds = () => Math.floor(gatelab.clock.now() / 1000)

function respellSignature(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = token[token.length - 1]!
  return token.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]!
}

describe('JWT access tokens of the sample over HTTP', () => {
  it('POST /oauth/jwt/token issues an RFC 9068 token that /api-one/jwt/ accepts', async () => {
    const token = await jwtFor('test', 'app-one-key', 'app-one-secret')
    expect(decodeJwt(token)).toMatchObject({ iss: 'http://test.gatelab.localhost/oauth', sub: 'app-one-key', aud: ['Product_One'], client_id: 'app-one-key' })
    const res = await api(token)
    expect(res.status, res.body).toBe(200)
    expect(res.trace.variables['apiproduct.name']).toBe('Product_One')
    expect(res.trace.steps.filter((s) => s.executed && s.policyType === 'OAuthV2').map((s) => s.policy)).toEqual(['OAuthV2-Verify-JWT-Access-Token'])
  })

  type Row = { case: string; forge: (token: string) => Promise<string>; fault: keyof typeof verifyFaults; diagnosis: string }
  const rows: Row[] = [
    { case: 'alg none', fault: 'InvalidValueForJWTAlgorithm', diagnosis: 'jwt-invalid', forge: async (t) => `${b64({ alg: 'none', typ: 'at+JWT' })}.${t.split('.')[1]}.` },
    { case: 'alg None', fault: 'InvalidValueForJWTAlgorithm', diagnosis: 'jwt-invalid', forge: async (t) => `${b64({ alg: 'None', typ: 'at+JWT' })}.${t.split('.')[1]}.` },
    { case: 'alg switched to HS512', fault: 'JWTAlgorithmMismatch', diagnosis: 'jwt-invalid', forge: (t) => resign(t, {}, { alg: 'HS512' }, new TextEncoder().encode('k'.repeat(64))) },
    { case: 'alg RS256 with an embedded attacker jwk', fault: 'JWTAlgorithmMismatch', diagnosis: 'jwt-invalid', forge: async (t) => `${b64({ alg: 'RS256', typ: 'at+JWT', jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } })}.${t.split('.')[1]}.c2ln` },
    { case: 'kid path trick, zero key', fault: 'InvalidJWTSignature', diagnosis: 'jwt-invalid', forge: (t) => resign(t, {}, { kid: '../../../../dev/null' }, new Uint8Array(32)) },
    { case: 'signed with the prod key', fault: 'InvalidJWTSignature', diagnosis: 'jwt-invalid', forge: (t) => resign(t, {}, {}, sampleKey('prod')) },
    {
      case: 'tampered payload',
      fault: 'InvalidJWTSignature',
      diagnosis: 'jwt-invalid',
      forge: async (t) => {
        const [h, , s] = t.split('.')
        return `${h}.${b64({ ...decodeJwt(t), scope: 'admin' })}.${s}`
      }
    },
    { case: 'signature stripped', fault: 'InvalidJWTSignature', diagnosis: 'jwt-invalid', forge: async (t) => t.replace(/[^.]+$/, '') },
    { case: 'unknown crit header', fault: 'InvalidJWTSignature', diagnosis: 'jwt-invalid', forge: (t) => resign(t, {}, { crit: ['x-ext'], 'x-ext': 1 }, sampleKey('test'), { 'x-ext': true }) },
    { case: 'signature respelt', fault: 'JWTDecodingFailed', diagnosis: 'jwt-invalid', forge: async (t) => respellSignature(t) },
    { case: 'typ JWT', fault: 'InvalidTypeInJWTHeader', diagnosis: 'jwt-invalid', forge: (t) => resign(t, {}, { typ: 'JWT' }) },
    { case: 'no exp', fault: 'MissingMandatoryClaimsInJWT', diagnosis: 'jwt-invalid', forge: (t) => resign(t, { exp: undefined }) },
    { case: 'exp as a string', fault: 'MissingMandatoryClaimsInJWT', diagnosis: 'jwt-invalid', forge: (t) => resign(t, { exp: String(nowSeconds() + 600) }) },
    { case: 'no iss', fault: 'MissingMandatoryClaimsInJWT', diagnosis: 'jwt-invalid', forge: (t) => resign(t, { iss: undefined }) },
    { case: 'expired by one second', fault: 'access_token_expired', diagnosis: 'token-expired', forge: (t) => resign(t, { exp: nowSeconds() - 1 }) },
    { case: 'nbf in the future', fault: 'invalid_access_token', diagnosis: 'jwt-invalid', forge: (t) => resign(t, { nbf: nowSeconds() + 3600 }) },
    { case: 'iat in the future', fault: 'invalid_access_token', diagnosis: 'jwt-invalid', forge: (t) => resign(t, { iat: nowSeconds() + 3600 }) },
    { case: 'iss of the prod environment', fault: 'invalid_access_token', diagnosis: 'jwt-invalid', forge: (t) => resign(t, { iss: 'http://prod.gatelab.localhost/oauth' }) },
    { case: 'aud of another product', fault: 'InvalidAPICallAsNoApiProductMatchFound', diagnosis: 'jwt-invalid', forge: (t) => resign(t, { aud: ['Product_Two'] }) }
  ]

  it.each(rows)('$case -> 401 $fault, explained as $diagnosis', async ({ forge, fault, diagnosis }) => {
    const token = await forge(await jwtFor('test', 'app-one-key', 'app-one-secret'))
    const res = await api(token)
    const spec = verifyFaults[fault]
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body)).toEqual({ fault: { faultstring: spec.faultstring, detail: { errorcode: spec.errorcode } } })
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="null",error="invalid_token",error_description="${spec.errorcode}: ${spec.faultstring}"`)
    expect(res.trace.fault?.name).toBe(spec.name)
    const explained = await gatelab.services['traces.explain']({ id: res.trace.id })
    expect(explained?.code).toBe(diagnosis)
    expect(explained?.gatewayView).toContain('Policy: OAuthV2 OAuthV2-Verify-JWT-Access-Token (VerifyJWTAccessToken)')
  })

  it('an issued JWT expires on the virtual clock, exactly at exp', async () => {
    // Frozen, so the real time a loaded machine takes between the calls does not move the clock too.
    await gatelab.services['clock.freeze']({ frozen: true })
    const token = await jwtFor('test', 'app-one-key', 'app-one-secret')
    await gatelab.services['clock.advance']({ ms: 3_599_000 })
    expect((await api(token)).status).toBe(200)
    await gatelab.services['clock.advance']({ ms: 1_000 })
    const res = await api(token)
    expect([res.status, res.trace.fault?.name]).toEqual([401, 'access_token_expired'])
    await gatelab.services['clock.reset']({})
  })

  it('POST /oauth/revoke revokes a JWT: 200, stored as revoked, refused by VerifyJWTAccessToken and VerifyAccessToken', async () => {
    const token = await jwtFor('test', 'app-one-key', 'app-one-secret')
    expect((await api(token)).status).toBe(200)
    expect((await api(token, '/api-one/items')).status).toBe(200)
    const revoked = await curl('test', '/oauth/revoke', { form: `token=${token}` })
    expect([revoked.status, revoked.trace.fault]).toEqual([200, null])
    expect(gatelab.store.tokens.get('access_token', hashToken(token))).toMatchObject({ status: 'revoked', jwt: true })
    const notApproved = '{"fault":{"faultstring":"Access Token not approved","detail":{"errorcode":"keymanagement.service.access_token_not_approved"}}}'
    for (const path of ['/api-one/jwt/items', '/api-one/items']) {
      const res = await api(token, path)
      expect([res.status, res.body]).toEqual([401, notApproved])
      expect((await gatelab.services['traces.explain']({ id: res.trace.id }))?.code).toBe('token-revoked')
    }
    expect((await api(respellSignature(token))).trace.fault?.name).toBe('JWTDecodingFailed')
  })
})
