import { describe, expect, it } from 'vitest'
import { hashToken } from '../../../src/engine/tokens'
import type { TokenRecord } from '../../../src/shared/tokens'
import { T0, compile, env, header, policy, run, type Env, type RequestInit } from './harness'

const verify = (extra = '') => compile(policy('VerifyAccessToken', extra, 'Verify')).config

function seedToken(e: Env, value: string, record: Partial<TokenRecord> = {}): void {
  e.store.put({
    kind: 'access_token',
    hash: hashToken(value),
    issuedAt: T0,
    expiresAt: T0 + 3_600_000,
    status: 'approved',
    clientId: 'key-1',
    appId: 'app-1',
    scope: 'read write',
    grantType: 'client_credentials',
    organization: 'acme',
    attributes: [{ name: 'sess', value: 's1', display: false }],
    ...record
  })
}
const bearer = (t: string): RequestInit => ({ headers: { Authorization: `Bearer ${t}` } })

interface Row {
  case: string
  extra?: string
  setup?: (e: Env) => void
  req: RequestInit
  status: number
  name: string
  body: string
  www: string | null
}

const env401 = (code: string, text: string) => `Bearer realm="null",error="invalid_token",error_description="${code}: ${text}"`

const rows: Row[] = [
  {
    case: 'no Authorization header',
    req: {},
    status: 401,
    name: 'InvalidAccessToken',
    body: '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}',
    www: env401('oauth.v2.InvalidAccessToken', 'Invalid access token')
  },
  {
    case: 'header not Bearer',
    req: { headers: { Authorization: 'Basic abc' } },
    status: 401,
    name: 'InvalidAccessToken',
    body: '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}',
    www: env401('oauth.v2.InvalidAccessToken', 'Invalid access token')
  },
  {
    case: 'AccessTokenPrefix configured but absent',
    extra: '<AccessToken>request.header.token</AccessToken><AccessTokenPrefix>KEY</AccessTokenPrefix>',
    setup: (e) => seedToken(e, 'good'),
    req: { headers: { token: 'good' } },
    status: 401,
    name: 'InvalidAccessToken',
    body: '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}',
    www: env401('oauth.v2.InvalidAccessToken', 'Invalid access token')
  },
  {
    case: 'AccessToken variable unresolved (Apigee X: a missing token, not Edge\'s 500)',
    extra: '<AccessToken>request.header.token</AccessToken>',
    req: {},
    status: 401,
    name: 'InvalidAccessToken',
    body: '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}',
    www: env401('oauth.v2.InvalidAccessToken', 'Invalid access token')
  },
  {
    case: 'token unknown',
    req: bearer('never-issued'),
    status: 401,
    name: 'invalid_access_token',
    body: '{"fault":{"faultstring":"Invalid Access Token","detail":{"errorcode":"keymanagement.service.invalid_access_token"}}}',
    www: env401('keymanagement.service.invalid_access_token', 'Invalid Access Token')
  },
  {
    case: 'token expired',
    setup: (e) => seedToken(e, 'old', { expiresAt: T0 }),
    req: bearer('old'),
    status: 401,
    name: 'access_token_expired',
    body: '{"fault":{"faultstring":"Access Token expired","detail":{"errorcode":"keymanagement.service.access_token_expired"}}}',
    www: env401('keymanagement.service.access_token_expired', 'Access Token expired')
  },
  {
    case: 'expired and revoked: expired wins',
    setup: (e) => seedToken(e, 'old', { expiresAt: T0, status: 'revoked' }),
    req: bearer('old'),
    status: 401,
    name: 'access_token_expired',
    body: '{"fault":{"faultstring":"Access Token expired","detail":{"errorcode":"keymanagement.service.access_token_expired"}}}',
    www: env401('keymanagement.service.access_token_expired', 'Access Token expired')
  },
  {
    case: 'token revoked',
    setup: (e) => seedToken(e, 'rev', { status: 'revoked' }),
    req: bearer('rev'),
    status: 401,
    name: 'access_token_not_approved',
    body: '{"fault":{"faultstring":"Access Token not approved","detail":{"errorcode":"keymanagement.service.access_token_not_approved"}}}',
    www: env401('keymanagement.service.access_token_not_approved', 'Access Token not approved')
  },
  {
    case: 'consumer key revoked after issuance',
    setup: (e) => seedToken(e, 't5', { clientId: 'key-5' }),
    req: bearer('t5'),
    status: 401,
    name: 'invalid_client-client_id_not_approved',
    body: '{"fault":{"faultstring":"Client Id not approved","detail":{"errorcode":"keymanagement.service.invalid_client-client_id_not_approved"}}}',
    www: env401('keymanagement.service.invalid_client-client_id_not_approved', 'Client Id not approved')
  },
  {
    case: 'app revoked',
    setup: (e) => seedToken(e, 't3', { clientId: 'key-3' }),
    req: bearer('t3'),
    status: 401,
    name: 'invalid_client-app_not_approved',
    body: '{"fault":{"faultstring":"App not Approved","detail":{"errorcode":"keymanagement.service.invalid_client-app_not_approved"}}}',
    www: env401('keymanagement.service.invalid_client-app_not_approved', 'App not Approved')
  },
  {
    case: 'developer inactive',
    setup: (e) => seedToken(e, 't4', { clientId: 'key-4' }),
    req: bearer('t4'),
    status: 401,
    name: 'DeveloperStatusNotActive',
    body: '{"fault":{"faultstring":"Developer Status is not Active","detail":{"errorcode":"keymanagement.service.DeveloperStatusNotActive"}}}',
    www: env401('keymanagement.service.DeveloperStatusNotActive', 'Developer Status is not Active')
  },
  {
    case: 'product not enabled for the environment',
    setup: (e) => seedToken(e, 't6', { clientId: 'key-6' }),
    req: bearer('t6'),
    status: 401,
    name: 'InvalidAPICallAsNoApiProductMatchFound',
    body: '{"fault":{"faultstring":"Invalid API call as no apiproduct match found","detail":{"errorcode":"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"}}}',
    www: env401('keymanagement.service.InvalidAPICallAsNoApiProductMatchFound', 'Invalid API call as no apiproduct match found')
  },
  {
    case: 'product entry still pending on the credential',
    setup: (e) => seedToken(e, 't8', { clientId: 'key-8' }),
    req: bearer('t8'),
    status: 401,
    name: 'InvalidAPICallAsNoApiProductMatchFound',
    body: '{"fault":{"faultstring":"Invalid API call as no apiproduct match found","detail":{"errorcode":"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"}}}',
    www: env401('keymanagement.service.InvalidAPICallAsNoApiProductMatchFound', 'Invalid API call as no apiproduct match found')
  },
  {
    case: 'path not in a resources-only product',
    setup: (e) => seedToken(e, 't7', { clientId: 'key-7' }),
    req: { ...bearer('t7'), pathsuffix: '/facebook/acer' },
    status: 401,
    name: 'apiresource_doesnot_exist',
    body: '{"fault":{"faultstring":"APIResource \\/facebook\\/acer does not exist","detail":{"errorcode":"keymanagement.service.apiresource_doesnot_exist"}}}',
    www: env401('keymanagement.service.apiresource_doesnot_exist', 'APIResource /facebook/acer does not exist')
  },
  {
    case: 'scope held is none of the required ones',
    extra: '<Scope>admin super</Scope>',
    setup: (e) => seedToken(e, 'good'),
    req: bearer('good'),
    status: 403,
    name: 'InsufficientScope',
    body: '{"fault":{"faultstring":"Required scope(s): [admin, super]","detail":{"errorcode":"steps.oauth.v2.InsufficientScope"}}}',
    www: null
  }
]

describe('VerifyAccessToken faults (reference 2.1)', () => {
  it.each(rows)('$case -> $status $name', async (row) => {
    const e = env()
    row.setup?.(e)
    const out = await run(e, verify(row.extra), row.req, 'Verify')
    expect(out.fault?.spec.name).toBe(row.name)
    expect(out.status).toBe(row.status)
    expect(out.body).toBe(row.body)
    expect(header(out, 'WWW-Authenticate') ?? null).toBe(row.www)
  })
})

describe('VerifyAccessToken success', () => {
  it('sets the token, app, developer and product variables unprefixed', async () => {
    const e = env()
    seedToken(e, 'good')
    e.clock.advance(1000)
    const out = await run(e, verify('<Scope>write other</Scope>'), bearer('good'), 'Verify')
    expect(out.fault).toBeUndefined()
    const v = Object.fromEntries(out.vars)
    expect(v).toMatchObject({
      organization_name: 'acme',
      'developer.id': 'dev-1',
      'developer.app.name': 'App_One',
      client_id: 'key-1',
      grant_type: 'client_credentials',
      token_type: 'BearerToken',
      access_token: 'good',
      'accesstoken.sess': 's1',
      issued_at: String(T0),
      expires_in: '3598',
      status: 'approved',
      scope: 'read write',
      'apiproduct.name': 'Product_One',
      'apiproduct.plan': 'basic',
      'app.name': 'App_One',
      'app.id': 'app-1',
      'app.tier': 'gold',
      'developer.email': 'ada@example.com',
      'developer.status': 'active'
    })
    expect(v['client_secret']).toBeUndefined()
  })

  it('reads the token from <AccessToken> with <AccessTokenPrefix>', async () => {
    const e = env()
    seedToken(e, 'good')
    const out = await run(e, verify('<AccessToken>request.header.token</AccessToken><AccessTokenPrefix>KEY</AccessTokenPrefix>'), { headers: { token: 'KEY good' } }, 'Verify')
    expect(out.fault).toBeUndefined()
  })

  it('checks products on the credential\'s current entries: revoking the product entry later fails the token', async () => {
    const e = env()
    seedToken(e, 'good')
    e.ws.apps[0]!.credentials[0]!.apiProducts[0]!.status = 'revoked'
    const out = await run(e, verify(), bearer('good'), 'Verify')
    expect(out.fault?.spec.name).toBe('InvalidAPICallAsNoApiProductMatchFound')
  })
})

describe('token cache emulation', () => {
  it('is off by default: a revoked token fails at once', async () => {
    const e = env()
    seedToken(e, 'good')
    expect((await run(e, verify(), bearer('good'), 'Verify')).fault).toBeUndefined()
    e.store.put({ ...e.store.get('access_token', hashToken('good'))!, status: 'revoked' })
    expect((await run(e, verify(), bearer('good'), 'Verify')).fault?.spec.name).toBe('access_token_not_approved')
  })

  it('with tokenCacheSeconds 180 a revoked or deleted token keeps working until the entry expires', async () => {
    const e = env(180)
    seedToken(e, 'good')
    expect((await run(e, verify(), bearer('good'), 'Verify')).fault).toBeUndefined()
    e.store.put({ ...e.store.get('access_token', hashToken('good'))!, status: 'revoked' })
    e.clock.advance(179_999)
    const cached = await run(e, verify(), bearer('good'), 'Verify')
    expect(cached.fault).toBeUndefined()
    expect(cached.notes.some((n) => n.includes('token cache'))).toBe(true)
    e.clock.advance(1)
    expect((await run(e, verify(), bearer('good'), 'Verify')).fault?.spec.name).toBe('access_token_not_approved')
  })

  it('an expiry inside the cache window is not seen until the entry expires', async () => {
    const e = env(180)
    seedToken(e, 'short', { expiresAt: T0 + 10_000 })
    expect((await run(e, verify(), bearer('short'), 'Verify')).fault).toBeUndefined()
    e.clock.advance(60_000)
    expect((await run(e, verify(), bearer('short'), 'Verify')).fault).toBeUndefined()
    e.clock.advance(120_000)
    expect((await run(e, verify(), bearer('short'), 'Verify')).fault?.spec.name).toBe('access_token_expired')
  })

  it('CacheExpiryInSeconds tunes the window down; its ref wins over the literal', async () => {
    const e = env(180)
    seedToken(e, 'good')
    const tuned = verify('<CacheExpiryInSeconds ref="flow.ttl">30</CacheExpiryInSeconds>')
    expect((await run(e, tuned, { ...bearer('good'), vars: { 'flow.ttl': '5' } }, 'Verify')).fault).toBeUndefined()
    e.store.delete('access_token', hashToken('good'))
    e.clock.advance(4_999)
    expect((await run(e, tuned, { ...bearer('good'), vars: { 'flow.ttl': '5' } }, 'Verify')).fault).toBeUndefined()
    e.clock.advance(1)
    expect((await run(e, tuned, { ...bearer('good'), vars: { 'flow.ttl': '5' } }, 'Verify')).fault?.spec.name).toBe('invalid_access_token')
  })

  it('the policy alone cannot switch the cache on', async () => {
    const e = env(0)
    seedToken(e, 'good')
    const tuned = verify('<CacheExpiryInSeconds>60</CacheExpiryInSeconds>')
    expect((await run(e, tuned, bearer('good'), 'Verify')).fault).toBeUndefined()
    e.store.delete('access_token', hashToken('good'))
    expect((await run(e, tuned, bearer('good'), 'Verify')).fault?.spec.name).toBe('invalid_access_token')
  })
})
