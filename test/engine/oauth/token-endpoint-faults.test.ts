import { describe, expect, it } from 'vitest'
import { hashToken } from '../../../src/engine/tokens'
import type { TokenRecord } from '../../../src/shared/tokens'
import { ALL_GRANTS, T0, basic, compile, env, header, policy, run, type Env, type RequestInit } from './harness'

const AUTH1 = { Authorization: basic('key-1', 'secret-1') }
const tokenPolicy = (op = 'GenerateAccessToken', extra = '') => policy(op, `${ALL_GRANTS}<GenerateResponse enabled="true"/><Scope>request.formparam.scope</Scope>${extra}`)

function seed(e: Env, record: Partial<TokenRecord> & Pick<TokenRecord, 'kind' | 'hash'>): void {
  e.store.put({ issuedAt: T0, expiresAt: T0 + 600_000, status: 'approved', clientId: 'key-1', scope: 'read', ...record })
}

interface Row {
  case: string
  op?: string
  extra?: string
  req: RequestInit
  setup?: (e: Env) => void
  status: number
  body: string
  name: string
  rfc?: { status: number; body: string }
  /** GenerateResponse off: the fault envelope. */
  envelope?: { status: number; body: string; name: string }
}

const rows: Row[] = [
  {
    case: 'grant_type missing',
    req: { headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Required param : grant_type"}',
    name: 'invalid_request',
    rfc: { status: 400, body: '{"error" : "invalid_request", "error_description" :"Required param : grant_type"}' },
    envelope: { status: 400, body: '{"fault":{"faultstring":"Required param : grant_type","detail":{"errorcode":"steps.oauth.v2.invalid_request"}}}', name: 'invalid_request' }
  },
  {
    case: 'grant_type not supported',
    extra: '',
    req: { form: { grant_type: 'magic' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Unsupported grant type : magic"}',
    name: 'UnSupportedGrantType',
    rfc: { status: 400, body: '{"error" : "unsupported_grant_type", "error_description" :"Unsupported grant type : magic"}' },
    envelope: { status: 500, body: '{"fault":{"faultstring":"Unsupported grant type : magic","detail":{"errorcode":"steps.oauth.v2.UnSupportedGrantType"}}}', name: 'UnSupportedGrantType' }
  },
  {
    case: 'unknown client',
    req: { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('nobody', 'x') } },
    status: 401,
    body: '{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}',
    name: 'invalid_client',
    rfc: { status: 401, body: '{"error" : "invalid_client", "error_description" :"ClientId is Invalid"}' },
    envelope: { status: 500, body: '{"fault":{"faultstring":"Invalid client identifier {0}","detail":{"errorcode":"oauth.v2.InvalidClientIdentifier"}}}', name: 'InvalidClientIdentifier' }
  },
  {
    case: 'wrong secret',
    req: { form: { grant_type: 'client_credentials', client_id: 'key-1', client_secret: 'wrong' } },
    status: 401,
    body: '{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}',
    name: 'invalid_client'
  },
  {
    case: 'no client credentials at all',
    req: { form: { grant_type: 'client_credentials' } },
    status: 401,
    body: '{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}',
    name: 'invalid_client'
  },
  {
    case: 'revoked consumer key',
    req: { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-5', 'secret-5') } },
    status: 401,
    body: '{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}',
    name: 'invalid_client'
  },
  {
    case: 'revoked app',
    req: { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-3', 'secret-3') } },
    status: 401,
    body: '{"ErrorCode" : "invalid_client", "Error" :"App not Approved"}',
    name: 'invalid_client-app_not_approved',
    envelope: { status: 401, body: '{"fault":{"faultstring":"App not Approved","detail":{"errorcode":"keymanagement.service.invalid_client-app_not_approved"}}}', name: 'invalid_client-app_not_approved' }
  },
  {
    case: 'inactive developer',
    req: { form: { grant_type: 'client_credentials' }, headers: { Authorization: basic('key-4', 'secret-4') } },
    status: 401,
    body: '{"ErrorCode" : "invalid_client", "Error" :"Developer Status is not Active"}',
    name: 'DeveloperStatusNotActive'
  },
  {
    case: 'scope not grantable',
    req: { form: { grant_type: 'client_credentials', scope: 'nope' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid Scope"}',
    name: 'invalid_request',
    rfc: { status: 400, body: '{"error" : "invalid_scope", "error_description" :"Invalid Scope"}' }
  },
  {
    case: 'password: username missing',
    req: { form: { grant_type: 'password', password: 'p' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Required param : username"}',
    name: 'invalid_request'
  },
  {
    case: 'password: password missing',
    req: { form: { grant_type: 'password', username: 'u' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Required param : password"}',
    name: 'invalid_request'
  },
  {
    case: 'authorization_code: code unknown or used',
    req: { form: { grant_type: 'authorization_code', code: 'nope', redirect_uri: 'https://app.example/cb' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid Authorization Code"}',
    name: 'invalid_request',
    rfc: { status: 400, body: '{"error" : "invalid_grant", "error_description" :"Invalid Authorization Code"}' },
    envelope: {
      status: 400,
      body: '{"fault":{"faultstring":"Invalid Authorization Code","detail":{"errorcode":"keymanagement.service.invalid_request-authorization_code_invalid"}}}',
      name: 'invalid_request'
    }
  },
  {
    case: 'authorization_code: code expired',
    setup: (e) => seed(e, { kind: 'authorization_code', hash: hashToken('old-code'), expiresAt: T0 - 1, redirectUri: 'https://app.example/cb' }),
    req: { form: { grant_type: 'authorization_code', code: 'old-code', redirect_uri: 'https://app.example/cb' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid Authorization Code"}',
    name: 'invalid_request'
  },
  {
    case: 'authorization_code: code of another client',
    setup: (e) => seed(e, { kind: 'authorization_code', hash: hashToken('c2'), clientId: 'key-2', redirectUri: 'https://app.example/cb' }),
    req: { form: { grant_type: 'authorization_code', code: 'c2', redirect_uri: 'https://app.example/cb' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid Authorization Code"}',
    name: 'invalid_request'
  },
  {
    case: 'authorization_code: redirect_uri missing',
    req: { form: { grant_type: 'authorization_code', code: 'x' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Required param : redirect_uri"}',
    name: 'invalid_request'
  },
  {
    case: 'authorization_code: redirect_uri differs from the code\'s',
    setup: (e) => seed(e, { kind: 'authorization_code', hash: hashToken('c1'), redirectUri: 'https://app.example/cb' }),
    req: { form: { grant_type: 'authorization_code', code: 'c1', redirect_uri: 'oob' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid redirect_uri : oob"}',
    name: 'invalid_request'
  },
  {
    case: 'refresh: unknown refresh token',
    op: 'RefreshAccessToken',
    req: { form: { grant_type: 'refresh_token', refresh_token: 'nope' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid Refresh Token"}',
    name: 'invalid_request',
    rfc: { status: 400, body: '{"error" : "invalid_grant", "error_description" :"Invalid Refresh Token"}' },
    envelope: { status: 400, body: '{"fault":{"faultstring":"Invalid Refresh Token","detail":{"errorcode":"keymanagement.service.invalid_refresh_token"}}}', name: 'invalid_request' }
  },
  {
    case: 'refresh: expired refresh token',
    op: 'RefreshAccessToken',
    setup: (e) => seed(e, { kind: 'refresh_token', hash: hashToken('rt-old'), expiresAt: T0 - 1 }),
    req: { form: { grant_type: 'refresh_token', refresh_token: 'rt-old' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Refresh Token expired"}',
    name: 'invalid_request',
    rfc: { status: 400, body: '{"error" : "invalid_grant", "error_description" :"refresh token expired"}' }
  },
  {
    case: 'refresh: revoked refresh token',
    op: 'RefreshAccessToken',
    setup: (e) => seed(e, { kind: 'refresh_token', hash: hashToken('rt-rev'), status: 'revoked' }),
    req: { form: { grant_type: 'refresh_token', refresh_token: 'rt-rev' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid Refresh Token"}',
    name: 'invalid_request'
  },
  {
    case: 'refresh: refresh token missing',
    op: 'RefreshAccessToken',
    req: { form: { grant_type: 'refresh_token' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Required param : refresh_token"}',
    name: 'invalid_request'
  },
  {
    case: 'refresh: scope outside the original grant',
    op: 'RefreshAccessToken',
    setup: (e) => seed(e, { kind: 'refresh_token', hash: hashToken('rt-ok'), scope: 'read' }),
    req: { form: { grant_type: 'refresh_token', refresh_token: 'rt-ok', scope: 'write' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid Scope"}',
    name: 'invalid_request'
  },
  {
    case: 'refresh: wrong grant_type',
    op: 'RefreshAccessToken',
    req: { form: { grant_type: 'password' }, headers: AUTH1 },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Unsupported grant type : password"}',
    name: 'UnSupportedGrantType'
  },
  {
    case: 'authorize: client_id missing',
    op: 'GenerateAuthorizationCode',
    req: { query: { response_type: 'code' } },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"The request is missing a required parameter : client_id"}',
    name: 'invalid_request'
  },
  {
    case: 'authorize: response_type missing',
    op: 'GenerateAuthorizationCode',
    req: { query: { client_id: 'key-1' } },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"The request is missing a required parameter : response_type"}',
    name: 'invalid_request'
  },
  {
    case: 'authorize: response_type not code',
    op: 'GenerateAuthorizationCode',
    req: { query: { client_id: 'key-1', response_type: 'token' } },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Response type must be code"}',
    name: 'invalid_request',
    rfc: { status: 400, body: '{"error" : "unsupported_response_type", "error_description" :"Response type must be code"}' }
  },
  {
    case: 'authorize: unknown client_id',
    op: 'GenerateAuthorizationCode',
    req: { query: { client_id: 'ghost', response_type: 'code' } },
    status: 401,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid client id : ghost. ClientId is Invalid"}',
    name: 'invalid_client'
  },
  {
    case: 'authorize: redirect_uri differs from the registered callback',
    op: 'GenerateAuthorizationCode',
    req: { query: { client_id: 'key-1', response_type: 'code', redirect_uri: 'https://evil.example/cb' } },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Invalid redirection uri https://evil.example/cb"}',
    name: 'invalid_request'
  },
  {
    case: 'authorize: no redirect_uri and none registered',
    op: 'GenerateAuthorizationCode',
    req: { query: { client_id: 'key-2', response_type: 'code' } },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Redirection URI is required"}',
    name: 'invalid_request'
  },
  {
    case: 'implicit: response_type not token',
    op: 'GenerateAccessTokenImplicitGrant',
    req: { query: { client_id: 'key-1', response_type: 'code' } },
    status: 400,
    body: '{"ErrorCode" : "invalid_request", "Error" :"Response type must be token"}',
    name: 'invalid_request'
  }
]

describe('token endpoint failures (reference 2.3), GenerateResponse on', () => {
  it.each(rows)('$case -> $status $name', async (row) => {
    const e = env()
    row.setup?.(e)
    const out = await run(e, compile(tokenPolicy(row.op)).config, row.req)
    expect(out.fault?.spec.name).toBe(row.name)
    expect(out.status).toBe(row.status)
    expect(out.body).toBe(row.body)
    expect(header(out, 'Content-Type')).toBe('application/json')
    expect(out.fault?.options.cause).toBe(JSON.parse(row.body).Error)
  })
})

describe('token endpoint failures in RFC mode', () => {
  it.each(rows.filter((r) => r.rfc))('$case -> RFC body', async (row) => {
    const e = env()
    row.setup?.(e)
    const out = await run(e, compile(tokenPolicy(row.op, '<RFCCompliantRequestResponse>true</RFCCompliantRequestResponse>')).config, row.req)
    expect(out.status).toBe(row.rfc!.status)
    expect(out.body).toBe(row.rfc!.body)
    expect(header(out, 'Cache-Control')).toBe('no-store')
    expect(header(out, 'Pragma')).toBe('no-cache')
  })
})

describe('token endpoint failures with GenerateResponse off', () => {
  it.each(rows.filter((r) => r.envelope))('$case -> fault envelope', async (row) => {
    const e = env()
    row.setup?.(e)
    const xml = policy(row.op ?? 'GenerateAccessToken', `${ALL_GRANTS}<Scope>request.formparam.scope</Scope>`)
    const out = await run(e, compile(xml).config, row.req)
    expect(out.fault?.options.response).toBeUndefined()
    expect(out.status).toBe(row.envelope!.status)
    expect(out.body).toBe(row.envelope!.body)
    expect(out.fault?.spec.name).toBe(row.envelope!.name)
  })

  it('GenerateErrorResponse writes the error body into the response even so', async () => {
    const e = env()
    const out = await run(e, compile(policy('GenerateAccessToken', `${ALL_GRANTS}<GenerateErrorResponse enabled="true"/>`)).config, { headers: AUTH1 })
    expect(out.fault?.spec.name).toBe('invalid_request')
    expect(out.body).toBe('{"fault":{"faultstring":"Required param : grant_type","detail":{"errorcode":"steps.oauth.v2.invalid_request"}}}')
    expect(out.written).toEqual({ status: 400, body: '{"ErrorCode" : "invalid_request", "Error" :"Required param : grant_type"}' })
  })
})

describe('FailedToResolve* faults when a configured variable does not resolve', () => {
  it.each([
    ['GenerateAuthorizationCode', '<ClientId>request.header.cid</ClientId>', { query: { response_type: 'code' } }, 'FailedToResolveClientId', 'Failed to resolve client id variable request.header.cid'],
    ['GenerateAccessToken', '<Code>request.header.code</Code>', { form: { grant_type: 'authorization_code', redirect_uri: 'x' }, headers: AUTH1 }, 'FailedToResolveAuthorizationCode', 'Failed to resolve authorization code variable request.header.code'],
    ['RefreshAccessToken', '<RefreshToken>request.header.rt</RefreshToken>', { form: { grant_type: 'refresh_token' }, headers: AUTH1 }, 'FailedToResolveRefreshToken', 'Failed to resolve refresh token variable request.header.rt']
  ] as const)('%s %s -> 500 %s', async (op, extra, req, name, faultstring) => {
    const e = env()
    const out = await run(e, compile(tokenPolicy(op, extra)).config, req as RequestInit)
    expect(out.status).toBe(500)
    expect(out.fault?.spec.name).toBe(name)
    expect(out.body).toBe(`{"fault":{"faultstring":"${faultstring}","detail":{"errorcode":"steps.oauth.v2.${name}"}}}`)
  })
})
