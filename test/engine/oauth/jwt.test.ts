import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { ALL_GRANTS, T0, basic, compile, env, header, policy, run, type Env } from './harness'

const AUTH1 = { Authorization: basic('key-1', 'secret-1') }
const HS_KEY = 'k'.repeat(32)
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const PRIVATE_PEM = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const PRIVATE_PKCS1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
const PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()

const hsGenerate = (alg = 'HS256', op = 'GenerateJWTAccessToken') =>
  compile(policy(op, `${ALL_GRANTS}<GenerateResponse/><Algorithm>${alg}</Algorithm><SecretKey><Value ref="private.key"/></SecretKey><ExpiresIn>60000</ExpiresIn>`)).config
const hsVerify = (alg = 'HS256') => compile(policy('VerifyJWTAccessToken', `<Algorithm>${alg}</Algorithm><SecretKey><Value ref="private.key"/></SecretKey>`, 'VerifyJwt')).config

async function hsToken(e: Env, key = HS_KEY): Promise<string> {
  const out = await run(e, hsGenerate(), { form: { grant_type: 'client_credentials' }, headers: AUTH1, vars: { 'private.key': key } })
  expect(out.status).toBe(200)
  return JSON.parse(out.body).access_token as string
}

describe('GenerateJWTAccessToken / VerifyJWTAccessToken', () => {
  it('HS256: signs an at+JWT with the grant claims, answers RFC shapes, verifies and sets variables', async () => {
    const e = env()
    const out = await run(e, hsGenerate(), { form: { grant_type: 'client_credentials' }, headers: AUTH1, vars: { 'private.key': HS_KEY } })
    const body = JSON.parse(out.body)
    expect(body.token_type).toBe('Bearer')
    expect(body.expires_in).toBe(59)
    expect(header(out, 'Cache-Control')).toBe('no-store')
    const jwt = body.access_token as string
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'at+JWT' })
    const claims = decodeJwt(jwt)
    expect(claims).toMatchObject({ client_id: 'key-1', scope: 'read write admin', iat: T0 / 1000, exp: T0 / 1000 + 60, application_name: 'app-1', organization_name: 'acme' })
    expect(typeof claims.jti).toBe('string')
    expect(e.store.records()[0]).toMatchObject({ kind: 'access_token', jwt: true })
    const verified = await run(e, hsVerify(), { headers: { Authorization: `Bearer ${jwt}` }, vars: { 'private.key': HS_KEY } }, 'VerifyJwt')
    expect(verified.fault).toBeUndefined()
    expect(verified.vars.get('client_id')).toBe('key-1')
    expect(verified.vars.get('apiproduct.name')).toBe('Product_One')
    expect(verified.vars.get('grant_type')).toBeUndefined()
  })

  it('RS256: private key (PKCS#8 or PKCS#1 PEM) signs, public key verifies', async () => {
    for (const pem of [PRIVATE_PEM, PRIVATE_PKCS1]) {
      const e = env()
      const gen = compile(policy('GenerateJWTAccessToken', `${ALL_GRANTS}<GenerateResponse/><Algorithm>RS256</Algorithm><PrivateKey><Value ref="private.rsa"/></PrivateKey>`)).config
      const out = await run(e, gen, { form: { grant_type: 'client_credentials' }, headers: AUTH1, vars: { 'private.rsa': pem } })
      const jwt = JSON.parse(out.body).access_token as string
      expect(decodeProtectedHeader(jwt).alg).toBe('RS256')
      const ver = compile(policy('VerifyJWTAccessToken', '<Algorithm>RS256</Algorithm><PublicKey><Value ref="private.pub"/></PublicKey>')).config
      const verified = await run(e, ver, { headers: { Authorization: `Bearer ${jwt}` }, vars: { 'private.pub': PUBLIC_PEM } })
      expect(verified.fault).toBeUndefined()
    }
  })

  it('a too-short HS key is refused at runtime with InsufficientKeyLength', async () => {
    const e = env()
    const out = await run(e, hsGenerate('HS384'), { form: { grant_type: 'client_credentials' }, headers: AUTH1, vars: { 'private.key': 'k'.repeat(47) } })
    expect(out.status).toBe(401)
    expect(out.body).toBe('{"fault":{"faultstring":"Insufficient key length for algorithm HS384","detail":{"errorcode":"oauth.v2.InsufficientKeyLength"}}}')
  })

  const verifyRows: Array<{ case: string; make: (e: Env) => Promise<string>; policyAlg?: string; name: string; errorcode: string; faultstring: string }> = [
    { case: 'garbage', make: async () => 'not-a-jwt', name: 'JWTDecodingFailed', errorcode: 'oauth.v2.JWTDecodingFailed', faultstring: 'JWT Access token decoding failed' },
    {
      case: 'tampered payload',
      make: async (e) => {
        const [h, , s] = (await hsToken(e)).split('.')
        const payload = Buffer.from(JSON.stringify({ client_id: 'key-1', jti: 'x', iat: 1, exp: 9e9, scope: 'admin' })).toString('base64url')
        return `${h}.${payload}.${s}`
      },
      name: 'InvalidJWTSignature',
      errorcode: 'oauth.v2.InvalidJWTSignature',
      faultstring: 'Invalid JWT access token signature'
    },
    {
      case: 'expired',
      make: async (e) => {
        const t = await hsToken(e)
        e.clock.advance(60_000)
        return t
      },
      name: 'access_token_expired',
      errorcode: 'keymanagement.service.access_token_expired',
      faultstring: 'Access Token expired'
    },
    { case: 'algorithm mismatch', make: (e) => hsToken(e, 'k'.repeat(48)), policyAlg: 'HS384', name: 'JWTAlgorithmMismatch', errorcode: 'oauth.v2.JWTAlgorithmMismatch', faultstring: 'JWT algorithm mismatch' },
    {
      case: 'typ not at+JWT',
      make: () => new SignJWT({ client_id: 'key-1', jti: 'j', scope: '' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600).sign(new TextEncoder().encode(HS_KEY)),
      name: 'InvalidTypeInJWTHeader',
      errorcode: 'oauth.v2.InvalidTypeInJWTHeader',
      faultstring: 'Invalid type in JWT header, expected at+JWT'
    },
    {
      case: 'client_id claim missing',
      make: () => new SignJWT({ jti: 'j' }).setProtectedHeader({ alg: 'HS256', typ: 'at+JWT' }).setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600).sign(new TextEncoder().encode(HS_KEY)),
      name: 'MissingMandatoryClaimsInJWT',
      errorcode: 'oauth.v2.MissingMandatoryClaimsInJWT',
      faultstring: 'Missing mandatory claims in JWT access token'
    },
    {
      case: 'unsupported algorithm in header',
      make: async () => `${Buffer.from('{"alg":"none","typ":"at+JWT"}').toString('base64url')}.${Buffer.from('{"client_id":"key-1"}').toString('base64url')}.`,
      name: 'InvalidValueForJWTAlgorithm',
      errorcode: 'oauth.v2.InvalidValueForJWTAlgorithm',
      faultstring: 'Invalid or missing algorithm in JWT access token'
    }
  ]

  it.each(verifyRows)('verify: $case -> 401 $name with WWW-Authenticate', async (row) => {
    const e = env()
    const jwt = await row.make(e)
    const out = await run(e, hsVerify(row.policyAlg), { headers: { Authorization: `Bearer ${jwt}` }, vars: { 'private.key': row.policyAlg === 'HS384' ? 'k'.repeat(48) : HS_KEY } }, 'VerifyJwt')
    expect(out.fault?.spec.name).toBe(row.name)
    expect(out.status).toBe(401)
    expect(out.body).toBe(`{"fault":{"faultstring":"${row.faultstring}","detail":{"errorcode":"${row.errorcode}"}}}`)
    expect(header(out, 'WWW-Authenticate')).toBe(`Bearer realm="null",error="invalid_token",error_description="${row.errorcode}: ${row.faultstring}"`)
  })

  it('RefreshJWTAccessToken issues a new JWT from the refresh token', async () => {
    const e = env()
    const first = await run(e, hsGenerate(), { form: { grant_type: 'password', username: 'u', password: 'p' }, headers: AUTH1, vars: { 'private.key': HS_KEY } })
    const body = JSON.parse(first.body)
    e.clock.advance(1000)
    const refresh = compile(policy('RefreshJWTAccessToken', '<GenerateResponse/><Algorithm>HS256</Algorithm><SecretKey><Value ref="private.key"/></SecretKey>')).config
    const out = await run(e, refresh, { form: { grant_type: 'refresh_token', refresh_token: body.refresh_token }, headers: AUTH1, vars: { 'private.key': HS_KEY } })
    expect(out.status).toBe(200)
    const second = JSON.parse(out.body)
    expect(second.refresh_count).toBe('1')
    expect(decodeProtectedHeader(second.access_token).typ).toBe('at+JWT')
    expect(decodeJwt(second.access_token).iat).toBe(T0 / 1000 + 1)
    expect(second.access_token).not.toBe(body.access_token)
  })
})
