import { describe, expect, it } from 'vitest'
import { hashToken } from '../../../src/engine/tokens'
import { ALL_GRANTS, T0, basic, compile, env, header, policy, run } from './harness'

const generate = (extra = '') => compile(policy('GenerateAccessToken', `${ALL_GRANTS}<GenerateResponse enabled="true"/><Scope>request.formparam.scope</Scope><ExpiresIn>3600000</ExpiresIn>${extra}`)).config

const APIGEE_CC_KEYS = [
  'issued_at', 'scope', 'application_name', 'status', 'api_product_list', 'expires_in', 'developer.email', 'token_type',
  'client_id', 'access_token', 'organization_name', 'refresh_token_expires_in', 'refresh_count'
]
const APIGEE_REFRESH_KEYS = [
  'issued_at', 'scope', 'application_name', 'refresh_token_issued_at', 'status', 'refresh_token_status', 'api_product_list', 'expires_in',
  'developer.email', 'token_type', 'refresh_token', 'client_id', 'access_token', 'organization_name', 'refresh_token_expires_in', 'refresh_count'
]

describe('GenerateAccessToken client_credentials', () => {
  it('answers Apigee\'s default token response: every value a string, BearerToken, product list in brackets', async () => {
    const e = env()
    const out = await run(e, generate(), { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-1', 'secret-1') } })
    expect(out.fault).toBeUndefined()
    expect(out.status).toBe(200)
    const body = JSON.parse(out.body) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(APIGEE_CC_KEYS)
    for (const v of Object.values(body)) expect(typeof v).toBe('string')
    expect(body).toMatchObject({
      issued_at: String(T0),
      scope: 'read write admin',
      application_name: 'app-1',
      status: 'approved',
      api_product_list: '[Product_One, Product_Two]',
      expires_in: '3599',
      'developer.email': 'ada@example.com',
      token_type: 'BearerToken',
      client_id: 'key-1',
      organization_name: 'acme',
      refresh_token_expires_in: '0',
      refresh_count: '0'
    })
    expect(body.access_token).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(header(out, 'Cache-Control')).toBeUndefined()
    // Stored by hash only.
    const records = e.store.records()
    expect(records).toHaveLength(1)
    expect(records[0]!.hash).toBe(hashToken(body.access_token as string))
    expect(JSON.stringify(records)).not.toContain(body.access_token as string)
  })

  it('answers the RFC shape in RFC mode: numeric expires_in, Bearer, no-store', async () => {
    const e = env()
    const out = await run(e, generate('<RFCCompliantRequestResponse>true</RFCCompliantRequestResponse>'), {
      form: { grant_type: 'client_credentials', client_id: 'key-1', client_secret: 'secret-1' }
    })
    expect(out.status).toBe(200)
    const body = JSON.parse(out.body) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(APIGEE_CC_KEYS)
    expect(body.expires_in).toBe(3599)
    expect(body.refresh_token_expires_in).toBe(0)
    expect(body.token_type).toBe('Bearer')
    expect(header(out, 'Cache-Control')).toBe('no-store')
    expect(header(out, 'Pragma')).toBe('no-cache')
  })

  it('with GenerateResponse off sets only the oauthv2accesstoken.<policy>.* variables', async () => {
    const e = env()
    const config = compile(policy('GenerateAccessToken', `${ALL_GRANTS}`, 'GetToken')).config
    const out = await run(e, config, { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-1', 'secret-1') } }, 'GetToken')
    expect(out.fault).toBeUndefined()
    expect(out.body).toBe('')
    const v = (n: string) => out.vars.get(`oauthv2accesstoken.GetToken.${n}`)
    expect(v('access_token')).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(v('client_id')).toBe('key-1')
    expect(v('expires_in')).toBe('1799')
    expect(v('token_type')).toBe('BearerToken')
    expect(v('status')).toBe('approved')
    expect(v('developer.email')).toBe('ada@example.com')
    expect(v('organization_name')).toBe('acme')
    expect(v('api_product_list')).toBe('[Product_One, Product_Two]')
    expect(v('refresh_count')).toBe('0')
    expect(v('refresh_token')).toBeUndefined()
  })

  it('decodes form-urlencoded Basic credentials (RFC 6749 2.3.1)', async () => {
    const e = env()
    const out = await run(e, generate(), { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-2', encodeURIComponent('secret+2:x')) } })
    expect(out.status).toBe(200)
  })

  it('filters the requested scope against the products (grant-time rule)', async () => {
    const e = env()
    const out = await run(e, generate(), { form: { grant_type: 'client_credentials', scope: 'read nope' }, headers: { Authorization: basic('key-1', 'secret-1') } })
    expect(JSON.parse(out.body).scope).toBe('read')
  })

  it('adds custom attributes unless display="false", and AppEndUser', async () => {
    const e = env()
    const config = generate('<AppEndUser>request.header.user</AppEndUser><Attributes><Attribute name="shown" ref="flow.x">dflt</Attribute><Attribute name="hidden" display="false">h</Attribute></Attributes>')
    const out = await run(e, config, { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-1', 'secret-1'), user: 'u-42' }, vars: { 'flow.x': 'fromvar' } })
    const body = JSON.parse(out.body)
    expect(body.shown).toBe('fromvar')
    expect(body.hidden).toBeUndefined()
    expect(body.app_enduser).toBe('u-42')
    expect(e.store.records()[0]!.attributes).toEqual([
      { name: 'shown', value: 'fromvar', display: true },
      { name: 'hidden', value: 'h', display: false }
    ])
  })

  it('ExpiresIn ref wins over the literal; -1 never expires', async () => {
    const e = env()
    const ref = compile(policy('GenerateAccessToken', `${ALL_GRANTS}<GenerateResponse/><ExpiresIn ref="kvm.ttl">3600000</ExpiresIn>`)).config
    const a = await run(e, ref, { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-1', 'secret-1') }, vars: { 'kvm.ttl': '60000' } })
    expect(JSON.parse(a.body).expires_in).toBe('59')
    const never = compile(policy('GenerateAccessToken', `${ALL_GRANTS}<GenerateResponse/><ExpiresIn>-1</ExpiresIn>`)).config
    const b = await run(e, never, { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-1', 'secret-1') } })
    expect(JSON.parse(b.body).expires_in).toBe('-1')
  })

  it('in the response flow needs the Basic header: form credentials give 401 invalid_client', async () => {
    const e = env()
    const out = await run(e, generate(), { flow: 'response', form: { grant_type: 'client_credentials', client_id: 'key-1', client_secret: 'secret-1' } })
    expect(out.status).toBe(401)
    expect(out.body).toBe('{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}')
    const ok = await run(e, generate(), { flow: 'response', form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-1', 'secret-1') } })
    expect(ok.status).toBe(200)
  })
})

describe('GenerateAccessToken password', () => {
  it('issues access and refresh token with every refresh field', async () => {
    const e = env()
    const out = await run(e, generate(), { form: { grant_type: 'password', username: 'u', password: 'p' }, headers: { Authorization: basic('key-1', 'secret-1') } })
    const body = JSON.parse(out.body) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(APIGEE_REFRESH_KEYS)
    for (const v of Object.values(body)) expect(typeof v).toBe('string')
    expect(body.refresh_token_expires_in).toBe('2591999')
    expect(body.refresh_token_status).toBe('approved')
    expect(body.refresh_token_issued_at).toBe(String(T0))
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(e.store.records().map((r) => r.kind).sort()).toEqual(['access_token', 'refresh_token'])
  })

  it('RFC mode: numeric expires_in and refresh_token_expires_in', async () => {
    const e = env()
    const out = await run(e, generate('<RFCCompliantRequestResponse>true</RFCCompliantRequestResponse>'), {
      form: { grant_type: 'password', username: 'u', password: 'p' },
      headers: { Authorization: basic('key-1', 'secret-1') }
    })
    const body = JSON.parse(out.body) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(APIGEE_REFRESH_KEYS)
    expect(body.expires_in).toBe(3599)
    expect(body.refresh_token_expires_in).toBe(2591999)
    expect(body.token_type).toBe('Bearer')
  })
})
