/**
 * JWT access tokens against the attacks an attacker would try (security checklist, test plan 5) and the
 * RFC 9068 claims: every forged, stale or foreign token is refused by VerifyJWTAccessToken with the fault the
 * reference documents, 401 and `WWW-Authenticate: Bearer ... error="invalid_token"`; InvalidateToken revokes
 * a JWT for good. Driven through the OAuthV2 policy with the test harness (engine clock, memory token store).
 */
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { SignJWT, decodeJwt, exportJWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { verifyFaults } from '../../../src/engine/faults/oauth'
import { JWT_CLOCK_SKEW_SECONDS } from '../../../src/engine/tokens'
import { ALL_GRANTS, T0, basic, compile, env, header, policy, run, type Env } from './harness'

const AUTH1 = { Authorization: basic('key-1', 'secret-1') }
const HS_KEY = 'corpus-hs256-signing-key-0123456789abcdef'
const HS = new TextEncoder().encode(HS_KEY)
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 })
const PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const PRIVATE_PEM = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
/** The harness proxy `weather` (base path /weather) in environment `test` on port 9001, no host alias. */
const ISSUER = 'http://localhost:9001/weather'
const NOW = T0 / 1000

const hsVerify = compile(policy('VerifyJWTAccessToken', '<Algorithm>HS256</Algorithm><SecretKey><Value ref="private.key"/></SecretKey>', 'VerifyJwt')).config
const rsVerify = compile(policy('VerifyJWTAccessToken', '<Algorithm>RS256</Algorithm><PublicKey><Value ref="private.pub"/></PublicKey>', 'VerifyJwt')).config
const hsGenerate = (inner = '') =>
  compile(policy('GenerateJWTAccessToken', `${ALL_GRANTS}<GenerateResponse/><Algorithm>HS256</Algorithm><SecretKey><Value ref="private.key"/></SecretKey><ExpiresIn>600000</ExpiresIn>${inner}`)).config
const invalidate = compile(policy('InvalidateToken', '<Tokens><Token type="accesstoken">request.formparam.token</Token></Tokens>', 'Revoke')).config

/** RFC 9068 claims that pass every check; rows override or drop (undefined) one of them. */
const validClaims = (): Record<string, unknown> => ({
  iss: ISSUER,
  sub: 'key-1',
  aud: ['Product_One'],
  iat: NOW,
  exp: NOW + 600,
  jti: 'corpus-jti',
  client_id: 'key-1',
  scope: 'read'
})

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

async function sign(
  claims: Record<string, unknown> = {},
  head: Record<string, unknown> = {},
  key: Uint8Array | KeyObject = HS,
  crit?: Record<string, boolean>
): Promise<string> {
  const payload = Object.fromEntries(Object.entries({ ...validClaims(), ...claims }).filter(([, v]) => v !== undefined))
  const jws = new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+JWT', ...head } as { alg: string })
  return jws.sign(key, crit ? { crit } : undefined)
}

/** The same signature spelled differently: the last character's spare bits flipped (decoders ignore them). */
function respellSignature(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = token[token.length - 1]!
  return token.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]!
}

async function issue(e: Env, inner = '', form: Record<string, string> = { grant_type: 'client_credentials' }): Promise<string> {
  const out = await run(e, hsGenerate(inner), { form, headers: AUTH1, vars: { 'private.key': HS_KEY } })
  expect(out.status, out.body).toBe(200)
  return JSON.parse(out.body).access_token as string
}

const verify = (e: Env, token: string, rs = false) =>
  run(e, rs ? rsVerify : hsVerify, { headers: { Authorization: `Bearer ${token}` }, vars: rs ? { 'private.pub': PUBLIC_PEM } : { 'private.key': HS_KEY } }, 'VerifyJwt')

describe('issued JWT access tokens carry the RFC 9068 claims', () => {
  it('iss (Apigee form, this environment and proxy), sub (client id), aud (API products), iat, exp, jti, client_id', async () => {
    const e = env()
    const claims = decodeJwt(await issue(e))
    expect(claims).toMatchObject({ iss: ISSUER, sub: 'key-1', aud: ['Product_One', 'Product_Two'], iat: NOW, exp: NOW + 600, client_id: 'key-1' })
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(claims.nbf).toBeUndefined()
  })

  it('sub is the app end user when <AppEndUser> names one', async () => {
    const e = env()
    const token = await issue(e, '<AppEndUser>request.formparam.enduser</AppEndUser>', { grant_type: 'password', username: 'u', password: 'p', enduser: 'ada' })
    expect(decodeJwt(token)).toMatchObject({ sub: 'ada', client_id: 'key-1' })
  })

  it('the issued token verifies; so does one signed by hand with the same claims (the controls of the corpus)', async () => {
    const e = env()
    const verified = await verify(e, await issue(e))
    expect(verified.fault).toBeUndefined()
    expect(verified.vars.get('apiproduct.name')).toBe('Product_One')
    expect((await verify(e, await sign())).fault).toBeUndefined()
    expect((await verify(e, await sign({}, { alg: 'RS256' }, rsa.privateKey), true)).fault).toBeUndefined()
  })
})

describe('clock checks on the engine clock', () => {
  const s = JWT_CLOCK_SKEW_SECONDS
  it.each([
    ['nbf now', { nbf: NOW }],
    [`nbf ${s} s ahead (the allowance)`, { nbf: NOW + s }],
    [`iat ${s} s ahead (the allowance)`, { iat: NOW + s }],
    ['exp one second from now', { exp: NOW + 1 }],
    ['iat a year ago, exp tomorrow', { iat: NOW - 31_536_000, exp: NOW + 86_400 }]
  ])('accepted: %s', async (_case, claims) => {
    const e = env()
    expect((await verify(e, await sign(claims))).fault).toBeUndefined()
  })

  it('an issued token expires exactly at exp, with no allowance', async () => {
    const e = env()
    const token = await issue(e)
    e.clock.advance(599_999)
    expect((await verify(e, token)).fault).toBeUndefined()
    e.clock.advance(1)
    expect((await verify(e, token)).fault?.spec.name).toBe('access_token_expired')
  })
})

interface Row {
  case: string
  make: (e: Env) => Promise<string>
  rs?: boolean
  fault: keyof typeof verifyFaults
  /** `oauthV2.VerifyJwt.jwt.failure`, the code that tells checks sharing one fault apart. */
  failure: string
}

const corpus: Row[] = [
  // ---- algorithm
  { case: 'alg none, no signature', make: async () => `${b64({ alg: 'none', typ: 'at+JWT' })}.${b64(validClaims())}.`, fault: 'InvalidValueForJWTAlgorithm', failure: 'invalid-algorithm' },
  { case: 'alg None', make: async () => `${b64({ alg: 'None', typ: 'at+JWT' })}.${b64(validClaims())}.`, fault: 'InvalidValueForJWTAlgorithm', failure: 'invalid-algorithm' },
  { case: 'alg NONE with a signature', make: async () => `${b64({ alg: 'NONE', typ: 'at+JWT' })}.${b64(validClaims())}.c2ln`, fault: 'InvalidValueForJWTAlgorithm', failure: 'invalid-algorithm' },
  { case: 'no alg header', make: async () => `${b64({ typ: 'at+JWT' })}.${b64(validClaims())}.c2ln`, fault: 'InvalidValueForJWTAlgorithm', failure: 'invalid-algorithm' },
  { case: 'alg ES256 (not supported)', make: async () => `${b64({ alg: 'ES256', typ: 'at+JWT' })}.${b64(validClaims())}.c2ln`, fault: 'InvalidValueForJWTAlgorithm', failure: 'invalid-algorithm' },
  {
    case: 'alg switched to HS256, signed with the RS256 public key as HMAC secret',
    make: () => sign({}, { alg: 'HS256' }, new TextEncoder().encode(PUBLIC_PEM)),
    rs: true,
    fault: 'JWTAlgorithmMismatch',
    failure: 'algorithm-mismatch'
  },
  {
    case: 'alg RS256 header over an HMAC made with the public key',
    make: async () => {
      const forged = await sign({}, { alg: 'HS256' }, new TextEncoder().encode(PUBLIC_PEM))
      const [, p, sig] = forged.split('.')
      return `${b64({ alg: 'RS256', typ: 'at+JWT' })}.${p}.${sig}`
    },
    rs: true,
    fault: 'InvalidJWTSignature',
    failure: 'invalid-signature'
  },
  { case: 'HS512 token, HS256 policy', make: () => sign({}, { alg: 'HS512' }, new TextEncoder().encode('x'.repeat(64))), fault: 'JWTAlgorithmMismatch', failure: 'algorithm-mismatch' },
  // ---- key selection tricks: the policy has one key, headers never choose another
  { case: 'kid ../../../dev/null, empty-file HMAC key', make: () => sign({}, { kid: '../../../dev/null' }, new Uint8Array(32)), fault: 'InvalidJWTSignature', failure: 'invalid-signature' },
  { case: "kid SQL injection", make: () => sign({}, { kid: "x' UNION SELECT 'attacker-key-attacker-key-attacker" }, new TextEncoder().encode('attacker-key-attacker-key-attacker')), fault: 'InvalidJWTSignature', failure: 'invalid-signature' },
  {
    case: 'embedded jwk of the attacker key',
    make: async () => sign({}, { alg: 'RS256', jwk: await exportJWK(attacker.publicKey) }, attacker.privateKey),
    rs: true,
    fault: 'InvalidJWTSignature',
    failure: 'invalid-signature'
  },
  {
    case: 'jku and x5u pointing at the attacker',
    make: () => sign({}, { alg: 'RS256', jku: 'https://attacker.example/jwks', x5u: 'https://attacker.example/cert' }, attacker.privateKey),
    rs: true,
    fault: 'InvalidJWTSignature',
    failure: 'invalid-signature'
  },
  // ---- signature and encoding
  { case: 'signed with another HMAC key', make: () => sign({}, {}, new TextEncoder().encode('another-key-another-key-another-key!')), fault: 'InvalidJWTSignature', failure: 'invalid-signature' },
  {
    case: 'tampered payload (scope raised), original signature',
    make: async () => {
      const [h, , sig] = (await sign()).split('.')
      return `${h}.${b64({ ...validClaims(), scope: 'read write admin' })}.${sig}`
    },
    fault: 'InvalidJWTSignature',
    failure: 'invalid-signature'
  },
  {
    case: 'tampered header (kid added), original signature',
    make: async () => {
      const [, p, sig] = (await sign()).split('.')
      return `${b64({ alg: 'HS256', typ: 'at+JWT', kid: 'k' })}.${p}.${sig}`
    },
    fault: 'InvalidJWTSignature',
    failure: 'invalid-signature'
  },
  { case: 'signature stripped', make: async () => (await sign()).replace(/[^.]+$/, ''), fault: 'InvalidJWTSignature', failure: 'invalid-signature' },
  { case: 'signature respelt (same bytes)', make: async () => respellSignature(await sign()), fault: 'JWTDecodingFailed', failure: 'decoding-failed' },
  { case: 'signature with = padding', make: async () => `${await sign()}=`, fault: 'JWTDecodingFailed', failure: 'decoding-failed' },
  { case: 'two segments', make: async () => (await sign()).split('.').slice(0, 2).join('.'), fault: 'JWTDecodingFailed', failure: 'decoding-failed' },
  { case: 'four segments', make: async () => `${await sign()}.x`, fault: 'JWTDecodingFailed', failure: 'decoding-failed' },
  { case: 'header not JSON', make: async () => `${b64('{"alg":')}.${b64(validClaims())}.c2ln`, fault: 'JWTDecodingFailed', failure: 'decoding-failed' },
  { case: 'payload not JSON', make: async () => `${b64({ alg: 'HS256', typ: 'at+JWT' })}.${b64('not json')}.c2ln`, fault: 'JWTDecodingFailed', failure: 'decoding-failed' },
  { case: 'not a JWT at all', make: async () => 'Zm9vYmFy', fault: 'JWTDecodingFailed', failure: 'decoding-failed' },
  { case: 'unknown crit extension', make: () => sign({}, { crit: ['x-must-understand'], 'x-must-understand': true }, HS, { 'x-must-understand': true }), fault: 'InvalidJWTSignature', failure: 'invalid-signature' },
  {
    case: 'unencoded payload (b64 false)',
    make: async () => {
      // jose refuses to sign such a JWT, so the HMAC is made by hand over the signing input.
      const input = `${b64({ alg: 'HS256', typ: 'at+JWT', crit: ['b64'], b64: false })}.${b64(validClaims())}`
      return `${input}.${createHmac('sha256', HS).update(input).digest('base64url')}`
    },
    fault: 'InvalidJWTSignature',
    failure: 'invalid-signature'
  },
  // ---- type
  { case: 'typ JWT', make: () => sign({}, { typ: 'JWT' }), fault: 'InvalidTypeInJWTHeader', failure: 'invalid-type' },
  { case: 'typ missing', make: () => sign({}, { typ: undefined }), fault: 'InvalidTypeInJWTHeader', failure: 'invalid-type' },
  { case: 'typ id_token+jwt (an ID token)', make: () => sign({}, { typ: 'id_token+jwt' }), fault: 'InvalidTypeInJWTHeader', failure: 'invalid-type' },
  // ---- claims: RFC 9068's required set
  ...(['exp', 'iat', 'jti', 'client_id', 'iss', 'aud', 'sub'] as const).map(
    (claim): Row => ({ case: `no ${claim}`, make: () => sign({ [claim]: undefined }), fault: 'MissingMandatoryClaimsInJWT', failure: 'missing-claims' })
  ),
  { case: 'exp as a string', make: () => sign({ exp: String(NOW + 600) }), fault: 'MissingMandatoryClaimsInJWT', failure: 'missing-claims' },
  { case: 'iat as a string', make: () => sign({ iat: String(NOW) }), fault: 'MissingMandatoryClaimsInJWT', failure: 'missing-claims' },
  { case: 'nbf as a string', make: () => sign({ nbf: String(NOW) }), fault: 'MissingMandatoryClaimsInJWT', failure: 'missing-claims' },
  { case: 'client_id as a number', make: () => sign({ client_id: 1 }), fault: 'MissingMandatoryClaimsInJWT', failure: 'missing-claims' },
  { case: 'aud as an empty list', make: () => sign({ aud: [] }), fault: 'MissingMandatoryClaimsInJWT', failure: 'missing-claims' },
  // ---- time
  { case: 'expired by one second', make: () => sign({ exp: NOW - 1 }), fault: 'access_token_expired', failure: 'expired' },
  { case: 'expiring this very second', make: () => sign({ exp: NOW }), fault: 'access_token_expired', failure: 'expired' },
  { case: `nbf ${JWT_CLOCK_SKEW_SECONDS + 1} s in the future`, make: () => sign({ nbf: NOW + JWT_CLOCK_SKEW_SECONDS + 1 }), fault: 'invalid_access_token', failure: 'not-yet-valid' },
  { case: 'nbf next year', make: () => sign({ nbf: NOW + 31_536_000, exp: NOW + 63_072_000 }), fault: 'invalid_access_token', failure: 'not-yet-valid' },
  { case: `iat ${JWT_CLOCK_SKEW_SECONDS + 1} s in the future`, make: () => sign({ iat: NOW + JWT_CLOCK_SKEW_SECONDS + 1 }), fault: 'invalid_access_token', failure: 'issued-in-future' },
  // ---- issuer and audience
  { case: 'iss of another environment', make: () => sign({ iss: 'http://localhost:9002/weather' }), fault: 'invalid_access_token', failure: 'wrong-issuer' },
  { case: 'iss of another system', make: () => sign({ iss: 'https://idp.attacker.example' }), fault: 'invalid_access_token', failure: 'wrong-issuer' },
  { case: 'iss as a number', make: () => sign({ iss: 9001 }), fault: 'invalid_access_token', failure: 'wrong-issuer' },
  { case: 'aud names another product of the key', make: () => sign({ aud: ['Product_Two'] }), fault: 'InvalidAPICallAsNoApiProductMatchFound', failure: 'audience' },
  { case: 'aud names another resource server', make: () => sign({ aud: 'https://other-api.example' }), fault: 'InvalidAPICallAsNoApiProductMatchFound', failure: 'audience' },
  // ---- revocation
  {
    case: 'revoked with InvalidateToken',
    make: async (e) => {
      const token = await issue(e)
      const revoked = await run(e, invalidate, { form: { token } }, 'Revoke')
      expect(revoked.status).toBe(200)
      return token
    },
    fault: 'access_token_not_approved',
    failure: 'revoked'
  },
  {
    case: 'revoked, then presented with its signature respelt',
    make: async (e) => {
      const token = await issue(e)
      await run(e, invalidate, { form: { token } }, 'Revoke')
      return respellSignature(token)
    },
    fault: 'JWTDecodingFailed',
    failure: 'decoding-failed'
  }
]

describe('the JWT attack corpus through VerifyJWTAccessToken', () => {
  it('has the size the security checklist asks for', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30)
  })

  it.each(corpus)('$case -> 401 $fault ($failure)', async (row) => {
    const e = env()
    const token = await row.make(e)
    const out = await verify(e, token, row.rs)
    const spec = verifyFaults[row.fault]
    expect(out.fault?.spec.name).toBe(spec.name)
    expect(out.status).toBe(401)
    expect(out.body).toBe(`{"fault":{"faultstring":"${spec.faultstring}","detail":{"errorcode":"${spec.errorcode}"}}}`)
    expect(header(out, 'WWW-Authenticate')).toBe(`Bearer realm="null",error="invalid_token",error_description="${spec.errorcode}: ${spec.faultstring}"`)
    expect(out.vars.get('oauthV2.VerifyJwt.jwt.failure')).toBe(row.failure)
    expect(out.vars.get('apiproduct.name')).toBeUndefined()
  })
})

describe('revocation of JWT access tokens', () => {
  it('InvalidateToken revokes an issued JWT: answered 200, stored as revoked, refused by both verify operations', async () => {
    const e = env()
    const token = await issue(e)
    expect((await verify(e, token)).fault).toBeUndefined()
    const revoked = await run(e, invalidate, { form: { token } }, 'Revoke')
    expect([revoked.status, revoked.fault]).toEqual([200, undefined])
    expect(e.store.records().find((r) => r.jwt)).toMatchObject({ status: 'revoked', revokeReason: 'TOKEN_REVOKED' })
    expect((await verify(e, token)).fault?.spec.name).toBe('access_token_not_approved')
    const opaque = compile(policy('VerifyAccessToken')).config
    expect((await run(e, opaque, { headers: { Authorization: `Bearer ${token}` } })).fault?.spec.name).toBe('access_token_not_approved')
  })

  it('RS256: a JWT signed with the private key verifies with the public key and is revocable', async () => {
    const e = env()
    const gen = compile(policy('GenerateJWTAccessToken', `${ALL_GRANTS}<GenerateResponse/><Algorithm>RS256</Algorithm><PrivateKey><Value ref="private.rsa"/></PrivateKey>`)).config
    const out = await run(e, gen, { form: { grant_type: 'client_credentials' }, headers: AUTH1, vars: { 'private.rsa': PRIVATE_PEM } })
    const token = JSON.parse(out.body).access_token as string
    expect((await verify(e, token, true)).fault).toBeUndefined()
    await run(e, invalidate, { form: { token } }, 'Revoke')
    expect((await verify(e, token, true)).fault?.spec.name).toBe('access_token_not_approved')
  })
})
