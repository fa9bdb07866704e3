import { describe, expect, it } from 'vitest'
import { ALL_GRANTS, T0, basic, compile, env, header, policy, run, type Env } from './harness'

const AUTH1 = { Authorization: basic('key-1', 'secret-1') }
const authorize = compile(policy('GenerateAuthorizationCode', `${ALL_GRANTS}<GenerateResponse/><Scope>request.queryparam.scope</Scope><State>request.queryparam.state</State>`, 'AuthCode')).config
const token = compile(policy('GenerateAccessToken', `${ALL_GRANTS}<GenerateResponse/>`)).config

async function codeFor(e: Env, query: Record<string, string> = {}): Promise<string> {
  const out = await run(e, authorize, { query: { client_id: 'key-1', response_type: 'code', ...query } }, 'AuthCode')
  expect(out.fault).toBeUndefined()
  return out.vars.get('oauthv2authcode.AuthCode.code') as string
}

describe('GenerateAuthorizationCode', () => {
  it('answers 302 to the registered callback with code and state, and sets oauthv2authcode.<policy>.*', async () => {
    const e = env()
    const out = await run(e, authorize, { query: { client_id: 'key-1', response_type: 'code', state: 'xyz', scope: 'read' } }, 'AuthCode')
    expect(out.status).toBe(302)
    const code = out.vars.get('oauthv2authcode.AuthCode.code') as string
    expect(code).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(header(out, 'Location')).toBe(`https://app.example/cb?code=${code}&state=xyz`)
    expect(out.vars.get('oauthv2authcode.AuthCode.redirect_uri')).toBe('https://app.example/cb')
    expect(out.vars.get('oauthv2authcode.AuthCode.scope')).toBe('read')
    expect(out.vars.get('oauthv2authcode.AuthCode.client_id')).toBe('key-1')
    expect(e.store.records()[0]).toMatchObject({ kind: 'authorization_code', redirectUri: 'https://app.example/cb', scope: 'read', state: 'xyz' })
  })

  it('with no callback registered accepts any redirect_uri, keeping its query', async () => {
    const e = env()
    const out = await run(e, authorize, { query: { client_id: 'key-2', response_type: 'code', redirect_uri: 'https://any.example/x?a=1' } }, 'AuthCode')
    expect(header(out, 'Location')).toMatch(/^https:\/\/any\.example\/x\?a=1&code=[A-Za-z0-9]{32}$/)
  })

  it('exchanges a code once: authorization_code grant gets the code\'s scope, a second exchange fails', async () => {
    const e = env()
    const code = await codeFor(e, { scope: 'write' })
    const req = { form: { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb' }, headers: AUTH1 }
    const first = await run(e, token, req)
    expect(first.status).toBe(200)
    const body = JSON.parse(first.body)
    expect(body.scope).toBe('write')
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9]{32}$/)
    const second = await run(e, token, req)
    expect(second.status).toBe(400)
    expect(second.body).toBe('{"ErrorCode" : "invalid_request", "Error" :"Invalid Authorization Code"}')
  })

  it('two concurrent exchanges of one code yield exactly one token', async () => {
    const e = env()
    const code = await codeFor(e)
    const req = { form: { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb' }, headers: AUTH1 }
    const jwtToken = compile(policy('GenerateJWTAccessToken', `${ALL_GRANTS}<GenerateResponse/><Algorithm>HS256</Algorithm><SecretKey><Value ref="private.k"/></SecretKey>`)).config
    const results = await Promise.all([run(e, token, req), run(e, token, req), run(e, jwtToken, { ...req, vars: { 'private.k': 'k'.repeat(32) } })])
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400])
    expect(e.store.records().filter((r) => r.kind === 'access_token')).toHaveLength(1)
  })

  it('an expired code is refused (default code lifetime 10 minutes)', async () => {
    const e = env()
    const code = await codeFor(e)
    e.clock.advance(600_000)
    const out = await run(e, token, { form: { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb' }, headers: AUTH1 })
    expect(out.body).toBe('{"ErrorCode" : "invalid_request", "Error" :"Invalid Authorization Code"}')
  })

  it('code attributes show up in the token response (display is not persisted)', async () => {
    const e = env()
    const withAttr = compile(policy('GenerateAuthorizationCode', `<GenerateResponse/><Attributes><Attribute name="sess" display="false">s1</Attribute></Attributes>`, 'AuthCode')).config
    const out = await run(e, withAttr, { query: { client_id: 'key-1', response_type: 'code' } }, 'AuthCode')
    const code = out.vars.get('oauthv2authcode.AuthCode.code') as string
    expect(out.vars.get('oauthv2authcode.AuthCode.sess')).toBe('s1')
    const tok = await run(e, token, { form: { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb' }, headers: AUTH1 })
    expect(JSON.parse(tok.body).sess).toBe('s1')
  })

  it('is refused when authorization_code is not a supported grant type', async () => {
    const e = env()
    const cc = compile(policy('GenerateAuthorizationCode', '<SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes><GenerateResponse/>')).config
    const out = await run(e, cc, { query: { client_id: 'key-1', response_type: 'code' } })
    expect(out.body).toBe('{"ErrorCode" : "invalid_request", "Error" :"Unsupported grant type : authorization_code"}')
  })
})

describe('GenerateAccessTokenImplicitGrant', () => {
  it('redirects with the token in the fragment; no refresh token', async () => {
    const e = env()
    const implicit = compile(policy('GenerateAccessTokenImplicitGrant', '<GenerateResponse/><ExpiresIn>3600000</ExpiresIn><State>request.queryparam.state</State>', 'Imp')).config
    const out = await run(e, implicit, { query: { client_id: 'key-1', response_type: 'token', state: 's 1' } }, 'Imp')
    expect(out.status).toBe(302)
    const at = out.vars.get('oauthv2accesstoken.Imp.access_token') as string
    expect(out.vars.get('oauthv2accesstoken.access_token')).toBe(at)
    expect(out.vars.get('oauthv2accesstoken.Imp.expires_in')).toBe('3599')
    expect(header(out, 'Location')).toBe(`https://app.example/cb#access_token=${at}&token_type=BearerToken&expires_in=3599&scope=read%20write%20admin&state=s%201`)
    expect(e.store.records().map((r) => r.kind)).toEqual(['access_token'])
  })
})

describe('RefreshAccessToken', () => {
  const refreshPolicy = (reuse: boolean) => compile(policy('RefreshAccessToken', `<GenerateResponse/><ReuseRefreshToken>${reuse}</ReuseRefreshToken>`)).config

  async function passwordTokens(e: Env) {
    const out = await run(e, token, { form: { grant_type: 'password', username: 'u', password: 'p' }, headers: AUTH1 })
    return JSON.parse(out.body) as Record<string, string>
  }

  it('ReuseRefreshToken false: new refresh token, old one refused, refresh_count increments, old access token revoked', async () => {
    const e = env()
    const first = await passwordTokens(e)
    e.clock.advance(1000)
    const out = await run(e, refreshPolicy(false), { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token! }, headers: AUTH1 })
    expect(out.status).toBe(200)
    const second = JSON.parse(out.body)
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(second.access_token).not.toBe(first.access_token)
    expect(second.refresh_count).toBe('1')
    expect(second.refresh_token_issued_at).toBe(String(T0 + 1000))
    const again = await run(e, refreshPolicy(false), { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token! }, headers: AUTH1 })
    expect(again.body).toBe('{"ErrorCode" : "invalid_request", "Error" :"Invalid Refresh Token"}')
    const verify = compile(policy('VerifyAccessToken')).config
    const old = await run(e, verify, { headers: { Authorization: `Bearer ${first.access_token}` } })
    expect(old.fault?.spec.name).toBe('access_token_not_approved')
    const third = await run(e, refreshPolicy(false), { form: { grant_type: 'refresh_token', refresh_token: second.refresh_token }, headers: AUTH1 })
    expect(JSON.parse(third.body).refresh_count).toBe('2')
  })

  it('ReuseRefreshToken true: the same refresh token comes back and keeps working', async () => {
    const e = env()
    const first = await passwordTokens(e)
    e.clock.advance(1000)
    const out = await run(e, refreshPolicy(true), { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token! }, headers: AUTH1 })
    const second = JSON.parse(out.body)
    expect(second.refresh_token).toBe(first.refresh_token)
    expect(second.refresh_token_issued_at).toBe(String(T0))
    expect(second.refresh_count).toBe('1')
    const third = await run(e, refreshPolicy(true), { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token! }, headers: AUTH1 })
    expect(JSON.parse(third.body).refresh_count).toBe('2')
  })

  it('a refresh token of another client is invalid', async () => {
    const e = env()
    const first = await passwordTokens(e)
    const out = await run(e, refreshPolicy(false), { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token! }, headers: { Authorization: basic('key-2', encodeURIComponent('secret+2:x')) } })
    expect(out.body).toBe('{"ErrorCode" : "invalid_request", "Error" :"Invalid Refresh Token"}')
  })

  it('narrows the scope within the original grant', async () => {
    const e = env()
    const first = await passwordTokens(e)
    const narrow = compile(policy('RefreshAccessToken', '<GenerateResponse/><Scope>request.formparam.scope</Scope>')).config
    const out = await run(e, narrow, { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token!, scope: 'write' }, headers: AUTH1 })
    expect(JSON.parse(out.body).scope).toBe('write')
  })
})
