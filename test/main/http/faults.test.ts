/**
 * Every fault of the reference (apigee-behaviour.md 2.1-2.5, 9.3 rule 8, 413, target faults) triggered through the
 * real HTTP listener of a running console: exact status, exact body bytes, the headers a client relies on
 * (WWW-Authenticate, Cache-Control/Pragma, Location) and the trace's fault.name. The catalogues in
 * src/engine/faults are iterated at the end: a fault added there without a row here fails the suite.
 */
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatelabConsole } from '../../../src/main/console'
import type { TraceRecord } from '../../../src/shared/trace'
import { hashToken } from '../../../src/engine/tokens'
import { policyFaults, tokenEndpointErrors, verifyFaults } from '../../../src/engine/faults/oauth'
import { deleteOAuthV2InfoFaults, getOAuthV2InfoFaults, setOAuthV2InfoFaults, verifyApiKeyFaults } from '../../../src/engine/faults/keys'
import * as runtimeFaults from '../../../src/engine/faults/runtime'
import { JWT_KEY, MAIN_CALLBACK, TOKEN_MODES, keys, secretOf, startFaultConsole, type TargetPorts, type TokenMode } from './fault-fixtures'

// ---- the console, its targets and a curl-like client ---------------------------------------------

let gatelab: GatelabConsole
const servers: Array<http.Server | net.Server> = []
const ROW_HEADER = 'X-Fault-Row'

function listen(server: http.Server | net.Server): Promise<number> {
  servers.push(server)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

async function closedPort(): Promise<number> {
  const probe = net.createServer()
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)))
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

beforeAll(async () => {
  const ports: TargetPorts = {
    refused: await closedPort(),
    silent: await listen(http.createServer(() => undefined)),
    dropping: await listen(http.createServer((req) => req.socket.destroy())),
    garbage: await listen(net.createServer((socket) => socket.end('THIS IS NOT HTTP\r\n\r\n'))),
    failing: await listen(http.createServer((_req, res) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('backend down')))
  }
  gatelab = await startFaultConsole(ports)
})

afterAll(async () => {
  await gatelab.services['clock.reset']({})
  await gatelab.close()
  for (const server of servers) {
    if (server instanceof http.Server) server.closeAllConnections()
    server.close()
  }
})

interface Request {
  env?: 'test' | 'prod'
  method?: string
  path: string
  query?: Record<string, string>
  form?: Record<string, string>
  headers?: Record<string, string>
  body?: string
}

interface Sent {
  status: number
  statusText: string
  headers: Headers
  body: string
  trace: TraceRecord | undefined
}

function url(req: Request): string {
  const base = gatelab.gateway.status().find((s) => s.environment === (req.env ?? 'test'))!.url
  const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : ''
  return `${base}${req.path}${query}`
}

/** Sends one request like curl would and finds its trace by a per-request header. */
async function send(req: Request): Promise<Sent> {
  const id = randomUUID()
  const headers: Record<string, string> = { [ROW_HEADER]: id, ...req.headers }
  let body = req.body
  if (req.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(req.form).toString()
  }
  const res = await fetch(url(req), { method: req.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' })
  const text = await res.text()
  const summaries = await gatelab.services['traces.list']({ limit: 5 })
  const records = await Promise.all(summaries.map((s) => gatelab.services['traces.get']({ id: s.id })))
  const trace = records.find((r) => r.request.headers.some(([n, v]) => n.toLowerCase() === ROW_HEADER.toLowerCase() && v === id))
  return { status: res.status, statusText: res.statusText, headers: res.headers, body: text, trace }
}

const credentials = (key: string) => ({ client_id: key, client_secret: secretOf(key) })

/** A client_credentials token (and its refresh token when the endpoint issues one). */
async function issueToken(key: string = keys.main, options: { path?: string; scope?: string } = {}): Promise<{ access: string; refresh: string }> {
  const res = await send({ path: `/${options.path ?? 'gat-apigee'}`, form: { grant_type: 'client_credentials', ...credentials(key), ...(options.scope ? { scope: options.scope } : {}) } })
  expect(res.status, res.body).toBe(200)
  const body = JSON.parse(res.body) as { access_token: string; refresh_token?: string }
  return { access: body.access_token, refresh: body.refresh_token ?? '' }
}

/** A password-grant token, which comes with a refresh token. */
async function issueWithRefresh(path = 'gat-apigee'): Promise<{ access: string; refresh: string }> {
  const res = await send({ path: `/${path}`, form: { grant_type: 'password', username: 'u', password: 'p', ...credentials(keys.main) } })
  expect(res.status, res.body).toBe(200)
  const body = JSON.parse(res.body) as { access_token: string; refresh_token: string }
  expect(body.refresh_token).toMatch(/.+/)
  return { access: body.access_token, refresh: body.refresh_token }
}

/** An authorization code for App_Main, from the 302 Location of the Apigee-mode authorize endpoint. */
async function issueCode(): Promise<string> {
  const res = await send({ path: '/gac-apigee', query: { client_id: keys.main, response_type: 'code', redirect_uri: MAIN_CALLBACK } })
  expect(res.status, res.body).toBe(302)
  const location = new URL(res.headers.get('location')!)
  expect(`${location.origin}${location.pathname}`).toBe(MAIN_CALLBACK)
  return location.searchParams.get('code')!
}

/** A token "issued earlier" for a key whose state no longer lets it be issued (revoked, expired, ...). */
function seedToken(clientId: string): string {
  const value = `seeded-${clientId}-${randomUUID()}`
  const now = gatelab.clock.now()
  gatelab.store.tokens.put({ kind: 'access_token', hash: hashToken(value), issuedAt: now, expiresAt: now + 3_600_000, status: 'approved', clientId, scope: 'read' })
  return value
}

const advance = (ms: number) => gatelab.services['clock.advance']({ ms })
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

async function jwt(header: Record<string, unknown>, claims: Record<string, unknown>, key = JWT_KEY): Promise<string> {
  const now = Math.floor(gatelab.clock.now() / 1000)
  // The RFC 9068 claims the fixture's GenerateJWTAccessToken (proxy jwt-token, environment test on 9101) writes.
  const rfc9068 = { iss: 'http://localhost:9101/jwt-token', sub: keys.main, aud: ['Product_Main'] }
  return new SignJWT({ ...rfc9068, jti: randomUUID(), iat: now, exp: now + 600, client_id: keys.main, scope: 'read', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+JWT', ...header } as { alg: string })
    .sign(new TextEncoder().encode(key))
}
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

// ---- expected bodies, written as the reference writes them ----------------------------------------

const envelope = (faultstring: string, errorcode: string) => `{"fault":{"faultstring":"${faultstring}","detail":{"errorcode":"${errorcode}"}}}`
const apigeeError = (code: string, text: string) => `{"ErrorCode" : "${code}", "Error" :"${text}"}`
const rfcError = (error: string, description: string) => `{"error" : "${error}", "error_description" :"${description}"}`
const wwwAuthenticate = (errorcode: string, faultstring: string) => `Bearer realm="null",error="invalid_token",error_description="${errorcode}: ${faultstring}"`

interface Row {
  /** The catalogue entry this row covers, e.g. `verifyFaults.InvalidAccessToken`; several rows may cover one entry. */
  covers: string
  case: string
  send: () => Promise<Sent>
  status: number
  body: string
  /** TraceRecord.fault.name; null when the request never reaches the engine. */
  name: string | null
  /** Headers to check; null = must be absent. Content-Type application/json is checked for JSON bodies. */
  headers?: Record<string, string | null>
}

function checkRow(row: Row, res: Sent): void {
  expect(res.status).toBe(row.status)
  expect(res.statusText, 'standard reason phrase (reference 1.1)').toBe(http.STATUS_CODES[row.status])
  expect(res.body).toBe(row.body)
  if (row.body.startsWith('{')) expect(res.headers.get('content-type')).toBe('application/json')
  for (const [name, value] of Object.entries(row.headers ?? {})) expect(res.headers.get(name), name).toBe(value)
  if (row.name === null) {
    expect(res.trace).toBeUndefined()
  } else {
    expect(res.trace, 'the request has a trace').toBeDefined()
    expect(res.trace!.status).toBe(row.status)
    expect(res.trace!.fault?.name).toBe(row.name)
    expect(res.trace!.faultName).toBe(row.name)
    const variables = res.trace!.fault!.variables
    expect(variables['fault.name']).toBe(row.name)
    const policy = res.trace!.fault!.policy
    if (policy !== undefined) {
      const failed = Object.entries(variables).filter(([k]) => k.endsWith(`.${policy}.failed`))
      expect(failed.length, 'policy-scoped failed flag').toBeGreaterThan(0)
      for (const [k, v] of failed) expect(v, k).toBe('true')
      // Reference 1.1: the policy-scoped prefix is oauthV2 for OAuthV2, Get/Set/DeleteOAuthV2Info and VerifyAPIKey.
      if (OAUTH_V2_PREFIXED.has(variables['fault.subcategory'] ?? '')) expect(variables[`oauthV2.${policy}.fault.name`]).toBe(row.name)
    }
  }
}
const OAUTH_V2_PREFIXED = new Set(['OAuthV2', 'VerifyAPIKey', 'GetOAuthV2Info', 'SetOAuthV2Info', 'DeleteOAuthV2Info'])

// ---- 2.1 VerifyAccessToken (and VerifyJWTAccessToken) --------------------------------------------

const verifyRow = (covers: keyof typeof verifyFaults, c: string, send_: () => Promise<Sent>, extra: Partial<Row> = {}): Row => {
  const spec = verifyFaults[covers]
  return {
    covers: `verifyFaults.${covers}`,
    case: c,
    send: send_,
    status: spec.status,
    body: envelope(spec.faultstring, spec.errorcode),
    name: spec.name,
    headers: { 'WWW-Authenticate': spec.status === 401 ? wwwAuthenticate(spec.errorcode, spec.faultstring) : null },
    ...extra
  }
}
const www401 = (errorcode: string, faultstring: string) => ({ 'WWW-Authenticate': wwwAuthenticate(errorcode, faultstring) })

const verifyRows: Row[] = [
  {
    covers: 'verifyFaults.InvalidAccessToken',
    case: 'no Authorization header',
    send: () => send({ path: '/verify/items' }),
    status: 401,
    body: '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}',
    name: 'InvalidAccessToken',
    headers: www401('oauth.v2.InvalidAccessToken', 'Invalid access token')
  },
  {
    covers: 'verifyFaults.InvalidAccessToken',
    case: 'Authorization header not Bearer',
    send: () => send({ path: '/verify/items', headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }),
    status: 401,
    body: '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}',
    name: 'InvalidAccessToken',
    headers: www401('oauth.v2.InvalidAccessToken', 'Invalid access token')
  },
  {
    covers: 'verifyFaults.InvalidAccessToken',
    case: '<AccessTokenPrefix> configured but absent',
    send: async () => send({ path: '/verify-prefix/items', headers: { token: (await issueToken()).access } }),
    status: 401,
    body: '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}',
    name: 'InvalidAccessToken',
    headers: www401('oauth.v2.InvalidAccessToken', 'Invalid access token')
  },
  {
    covers: 'verifyFaults.invalid_access_token',
    case: 'token never issued',
    send: () => send({ path: '/verify/items', headers: bearer('never-issued') }),
    status: 401,
    body: '{"fault":{"faultstring":"Invalid Access Token","detail":{"errorcode":"keymanagement.service.invalid_access_token"}}}',
    name: 'invalid_access_token',
    headers: www401('keymanagement.service.invalid_access_token', 'Invalid Access Token')
  },
  {
    covers: 'verifyFaults.invalid_access_token',
    case: 'token deleted through DeleteOAuthV2Info (200), then presented',
    send: async () => {
      const { access } = await issueToken()
      const deleted = await send({ path: '/delete-info-token', query: { token: access } })
      expect([deleted.status, deleted.trace?.fault ?? null]).toEqual([200, null])
      return send({ path: '/verify/items', headers: bearer(access) })
    },
    status: 401,
    body: '{"fault":{"faultstring":"Invalid Access Token","detail":{"errorcode":"keymanagement.service.invalid_access_token"}}}',
    name: 'invalid_access_token',
    headers: www401('keymanagement.service.invalid_access_token', 'Invalid Access Token')
  },
  {
    covers: 'verifyFaults.access_token_expired',
    case: 'token past its expiry (virtual clock)',
    send: async () => {
      const { access } = await issueToken(keys.main, { path: 'gat-short' })
      await advance(60_001)
      return send({ path: '/verify/items', headers: bearer(access) })
    },
    status: 401,
    body: '{"fault":{"faultstring":"Access Token expired","detail":{"errorcode":"keymanagement.service.access_token_expired"}}}',
    name: 'access_token_expired',
    headers: www401('keymanagement.service.access_token_expired', 'Access Token expired')
  },
  {
    covers: 'verifyFaults.access_token_not_approved',
    case: 'token revoked through InvalidateToken',
    send: async () => {
      const { access } = await issueToken()
      expect((await send({ path: '/revoke', form: { token: access } })).status).toBe(200)
      return send({ path: '/verify/items', headers: bearer(access) })
    },
    status: 401,
    body: '{"fault":{"faultstring":"Access Token not approved","detail":{"errorcode":"keymanagement.service.access_token_not_approved"}}}',
    name: 'access_token_not_approved',
    headers: www401('keymanagement.service.access_token_not_approved', 'Access Token not approved')
  },
  {
    covers: 'verifyFaults.apiresource_doesnot_exist',
    case: 'legacy product whose only resource is /allowed, called on /other',
    send: async () => send({ path: '/verify/other', headers: bearer((await issueToken(keys.pathsOnly)).access) }),
    status: 401,
    body: '{"fault":{"faultstring":"APIResource \\/other does not exist","detail":{"errorcode":"keymanagement.service.apiresource_doesnot_exist"}}}',
    name: 'apiresource_doesnot_exist',
    headers: www401('keymanagement.service.apiresource_doesnot_exist', 'APIResource /other does not exist')
  },
  ...(
    [
      ['product for prod only, called in test', keys.prodOnly, 'GET', '/verify/items'],
      ['product pending on the key (manual approval)', keys.pending, 'GET', '/verify/items'],
      ['product revoked on the key', keys.productRevoked, 'GET', '/verify/items'],
      ['operation-group product: verb not allowed', keys.operations, 'POST', '/verify/items'],
      ['operation-group product: path not allowed', keys.operations, 'GET', '/verify/other']
    ] as const
  ).map(
    ([c, key, method, path]): Row => ({
      covers: 'verifyFaults.InvalidAPICallAsNoApiProductMatchFound',
      case: c,
      send: async () => send({ path, method, headers: bearer((await issueToken(key)).access), ...(method === 'POST' ? { body: '' } : {}) }),
      status: 401,
      body: '{"fault":{"faultstring":"Invalid API call as no apiproduct match found","detail":{"errorcode":"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"}}}',
      name: 'InvalidAPICallAsNoApiProductMatchFound',
      headers: www401('keymanagement.service.InvalidAPICallAsNoApiProductMatchFound', 'Invalid API call as no apiproduct match found')
    })
  ),
  {
    covers: 'verifyFaults.InsufficientScope',
    case: 'token scope read, policy <Scope>admin write</Scope>',
    send: async () => send({ path: '/verify-scope/items', headers: bearer((await issueToken(keys.main, { scope: 'read' })).access) }),
    status: 403,
    body: '{"fault":{"faultstring":"Required scope(s): [admin, write]","detail":{"errorcode":"steps.oauth.v2.InsufficientScope"}}}',
    name: 'InsufficientScope',
    headers: { 'WWW-Authenticate': null }
  },
  {
    covers: 'verifyFaults.InvalidAccessToken',
    case: '<AccessToken> names a header the request lacks (Apigee X; Edge documents a 500 FailedToResolveAccessToken)',
    send: () => send({ path: '/verify-var/items' }),
    status: 401,
    body: '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}',
    name: 'InvalidAccessToken',
    headers: www401('oauth.v2.InvalidAccessToken', 'Invalid access token')
  },
  {
    covers: 'verifyFaults.client_id_not_approved',
    case: 'consumer key revoked after issuance',
    send: () => send({ path: '/verify/items', headers: bearer(seedToken(keys.keyRevoked)) }),
    status: 401,
    body: '{"fault":{"faultstring":"Client Id not approved","detail":{"errorcode":"keymanagement.service.invalid_client-client_id_not_approved"}}}',
    name: 'invalid_client-client_id_not_approved',
    headers: www401('keymanagement.service.invalid_client-client_id_not_approved', 'Client Id not approved')
  },
  {
    covers: 'verifyFaults.consumer_key_expired',
    case: 'consumer key expired after issuance',
    send: () => send({ path: '/verify/items', headers: bearer(seedToken(keys.keyExpired)) }),
    status: 401,
    body: '{"fault":{"faultstring":"Key Expired","detail":{"errorcode":"keymanagement.service.consumer_key_expired"}}}',
    name: 'consumer_key_expired',
    headers: www401('keymanagement.service.consumer_key_expired', 'Key Expired')
  },
  {
    covers: 'verifyFaults.app_not_approved',
    case: 'app revoked after issuance',
    send: () => send({ path: '/verify/items', headers: bearer(seedToken(keys.appRevoked)) }),
    status: 401,
    body: '{"fault":{"faultstring":"App not Approved","detail":{"errorcode":"keymanagement.service.invalid_client-app_not_approved"}}}',
    name: 'invalid_client-app_not_approved',
    headers: www401('keymanagement.service.invalid_client-app_not_approved', 'App not Approved')
  },
  {
    covers: 'verifyFaults.DeveloperStatusNotActive',
    case: 'developer inactive after issuance',
    send: () => send({ path: '/verify/items', headers: bearer(seedToken(keys.developerInactive)) }),
    status: 401,
    body: '{"fault":{"faultstring":"Developer Status is not Active","detail":{"errorcode":"keymanagement.service.DeveloperStatusNotActive"}}}',
    name: 'DeveloperStatusNotActive',
    headers: www401('keymanagement.service.DeveloperStatusNotActive', 'Developer Status is not Active')
  },
  {
    covers: 'verifyFaults.JWTSigningFailed',
    case: 'GenerateJWTAccessToken with an RS256 key that is not PEM',
    send: () => send({ path: '/jwt-token-broken', form: { grant_type: 'client_credentials', ...credentials(keys.main) } }),
    status: 401,
    body: '{"fault":{"faultstring":"Failed to sign JWT access token","detail":{"errorcode":"oauth.v2.JWTSigningFailed"}}}',
    name: 'JWTSigningFailed',
    headers: { 'WWW-Authenticate': null }
  },
  {
    covers: 'verifyFaults.invalid_access_token',
    case: 'RFCCompliantRequestResponse on VerifyAccessToken leaves the body as is',
    send: () => send({ path: '/verify-rfc/items', headers: bearer('never-issued') }),
    status: 401,
    body: '{"fault":{"faultstring":"Invalid Access Token","detail":{"errorcode":"keymanagement.service.invalid_access_token"}}}',
    name: 'invalid_access_token',
    headers: www401('keymanagement.service.invalid_access_token', 'Invalid Access Token')
  },
  {
    covers: 'verifyFaults.InsufficientScope',
    case: 'RFCCompliantRequestResponse on VerifyAccessToken leaves the 403 as is',
    send: async () => send({ path: '/verify-rfc/items', headers: bearer((await issueToken(keys.main, { scope: 'read' })).access) }),
    status: 403,
    body: '{"fault":{"faultstring":"Required scope(s): [admin]","detail":{"errorcode":"steps.oauth.v2.InsufficientScope"}}}',
    name: 'InsufficientScope',
    headers: { 'WWW-Authenticate': null }
  },
  verifyRow('InvalidValueForJWTAlgorithm', 'JWT with alg none', () =>
    send({ path: '/verify-jwt/items', headers: bearer(`${b64url({ alg: 'none', typ: 'at+JWT' })}.${b64url({ jti: 'j', iat: 1, exp: 9_999_999_999, client_id: keys.main })}.`) })
  ),
  {
    covers: 'verifyFaults.InsufficientKeyLength',
    case: 'VerifyJWTAccessToken HS256 with a 9-byte private.* key',
    send: async () => send({ path: '/verify-jwt-short/items', headers: bearer(await jwt({}, {})) }),
    status: 401,
    body: '{"fault":{"faultstring":"Insufficient key length for algorithm HS256","detail":{"errorcode":"oauth.v2.InsufficientKeyLength"}}}',
    name: 'InsufficientKeyLength',
    headers: www401('oauth.v2.InsufficientKeyLength', 'Insufficient key length for algorithm HS256')
  },
  verifyRow('JWTAlgorithmMismatch', 'JWT signed HS384, policy HS256', async () =>
    send({ path: '/verify-jwt/items', headers: bearer(await jwt({ alg: 'HS384' }, {}, 'x'.repeat(48))) })
  ),
  verifyRow('JWTDecodingFailed', 'bearer value is not a JWT', () => send({ path: '/verify-jwt/items', headers: bearer('not-a-jwt') })),
  verifyRow('MissingMandatoryClaimsInJWT', 'JWT without jti', async () => send({ path: '/verify-jwt/items', headers: bearer(await jwt({}, { jti: undefined })) })),
  verifyRow('InvalidJWTSignature', 'JWT signed with another key', async () =>
    send({ path: '/verify-jwt/items', headers: bearer(await jwt({}, {}, 'another-signing-key-0123456789-abcdef')) })
  ),
  verifyRow('InvalidTypeInJWTHeader', 'JWT with typ JWT', async () => send({ path: '/verify-jwt/items', headers: bearer(await jwt({ typ: 'JWT' }, {})) }))
]

// ---- other OAuthV2 runtime faults (seed's 500 family) ---------------------------------------------

const policyRow = (covers: keyof typeof policyFaults, c: string, faultstring: string, send_: () => Promise<Sent>): Row => ({
  covers: `policyFaults.${covers}`,
  case: c,
  send: send_,
  status: 500,
  body: envelope(faultstring, policyFaults[covers].errorcode),
  name: policyFaults[covers].name
})

const policyRows: Row[] = [
  policyRow('FailedToResolveClientId', 'authorize with <ClientId> naming a missing header', 'Failed to resolve client id variable request.header.x-client-id', () =>
    send({ path: '/gac-resolve', query: { response_type: 'code' } })
  ),
  policyRow('FailedToResolveAuthorizationCode', 'token with <Code> naming a missing header', 'Failed to resolve authorization code variable request.header.x-code', () =>
    send({ path: '/gat-resolve-code', form: { grant_type: 'authorization_code', redirect_uri: MAIN_CALLBACK, ...credentials(keys.main) } })
  ),
  policyRow('FailedToResolveRefreshToken', 'refresh with <RefreshToken> naming a missing header', 'Failed to resolve refresh token variable request.header.x-refresh-token', () =>
    send({ path: '/rat-resolve', form: { grant_type: 'refresh_token', ...credentials(keys.main) } })
  ),
  policyRow('FailedToResolveToken', 'InvalidateToken with <Token> naming a missing header', 'Failed to resolve token variable request.header.x-token', () =>
    send({ path: '/revoke-var', form: { token: 'x' } })
  ),
  policyRow('InvalidTokenType', 'InvalidateToken with type="idtoken"', 'Invalid token type idtoken', () => send({ path: '/revoke-type', form: { token: 'x' } })),
  policyRow('InvalidParameter', 'authorize with both an external access token and code', 'Specify either an access token or an authorization code, not both', () =>
    send({ path: '/gac-external', query: { client_id: keys.main, response_type: 'code', external_token: 'a', external_code: 'b' } })
  ),
]

// ---- 2.2 VerifyAPIKey -----------------------------------------------------------------------------

const apiKeyRow = (covers: keyof typeof verifyApiKeyFaults, c: string, body: string, send_: () => Promise<Sent>): Row => ({
  covers: `verifyApiKeyFaults.${covers}`,
  case: c,
  send: send_,
  status: 401,
  body,
  name: verifyApiKeyFaults[covers].name
})
const withKey = (key: string, method = 'GET', path = '/apikey/items') => () => send({ path, method, query: { apikey: key }, ...(method === 'POST' ? { body: '' } : {}) })

const apiKeyRows: Row[] = [
  apiKeyRow(
    'FailedToResolveAPIKey',
    'no apikey query parameter',
    '{"fault":{"faultstring":"Failed to resolve API Key variable request.queryparam.apikey","detail":{"errorcode":"steps.oauth.v2.FailedToResolveAPIKey"}}}',
    () => send({ path: '/apikey/items' })
  ),
  apiKeyRow('InvalidApiKey', 'unknown key', '{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}', withKey('ghost-key')),
  apiKeyRow('InvalidApiKey', 'key matched case-sensitively', '{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}', withKey(keys.main.toUpperCase())),
  ...(
    [
      ['product for prod only, called in test', withKey(keys.prodOnly)],
      ['product pending on the key', withKey(keys.pending)],
      ['product revoked on the key', withKey(keys.productRevoked)],
      ['operation-group product: verb not allowed', withKey(keys.operations, 'POST')],
      ['legacy product: path not in its resources', withKey(keys.pathsOnly, 'GET', '/apikey/other')]
    ] as const
  ).map(([c, send_]) =>
    apiKeyRow('InvalidApiKeyForGivenResource', c, '{"fault":{"faultstring":"Invalid ApiKey for given resource","detail":{"errorcode":"oauth.v2.InvalidApiKeyForGivenResource"}}}', send_)
  ),
  apiKeyRow('ApiKeyNotApproved', 'key revoked', '{"fault":{"faultstring":"ApiKey not approved","detail":{"errorcode":"oauth.v2.ApiKeyNotApproved"}}}', withKey(keys.keyRevoked)),
  apiKeyRow('consumer_key_expired', 'key expired', '{"fault":{"faultstring":"Key Expired","detail":{"errorcode":"keymanagement.service.consumer_key_expired"}}}', withKey(keys.keyExpired)),
  apiKeyRow(
    'invalid_client-app_not_approved',
    'app revoked',
    '{"fault":{"faultstring":"App not Approved","detail":{"errorcode":"keymanagement.service.invalid_client-app_not_approved"}}}',
    withKey(keys.appRevoked)
  ),
  apiKeyRow(
    'DeveloperStatusNotActive',
    'developer inactive',
    '{"fault":{"faultstring":"Developer Status is not Active","detail":{"errorcode":"keymanagement.service.DeveloperStatusNotActive"}}}',
    withKey(keys.developerInactive)
  )
]

// ---- 2.4 / 2.5 Get/Set/DeleteOAuthV2Info -----------------------------------------------------------

const NO_MATCH_BODY = '{"fault":{"faultstring":"Invalid API call as no apiproduct match found","detail":{"errorcode":"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"}}}'

const infoRows: Row[] = [
  ...(['get-info-token', 'set-info'] as const).flatMap((proxyName): Row[] => {
    const catalogue = proxyName === 'set-info' ? 'setOAuthV2InfoFaults' : 'getOAuthV2InfoFaults'
    return [
      {
        covers: `${catalogue}.access_token_expired`,
        case: `${proxyName}: access token expired`,
        send: async () => {
          const { access } = await issueToken(keys.main, { path: 'gat-short' })
          await advance(60_001)
          return send({ path: `/${proxyName}`, query: { token: access } })
        },
        status: 500,
        body: '{"fault":{"faultstring":"Access Token expired","detail":{"errorcode":"keymanagement.service.access_token_expired"}}}',
        name: 'access_token_expired'
      },
      {
        covers: `${catalogue}.invalid_access_token`,
        case: `${proxyName}: access token unknown`,
        send: () => send({ path: `/${proxyName}`, query: { token: 'ghost-token' } }),
        status: 500,
        body: '{"fault":{"faultstring":"Invalid Access Token","detail":{"errorcode":"keymanagement.service.invalid_access_token"}}}',
        name: 'invalid_access_token'
      },
      {
        covers: `${catalogue}.InvalidAPICallAsNoApiProductMatchFound`,
        case: `${proxyName}: the token's product does not cover the info proxy in this environment`,
        send: async () => send({ path: `/${proxyName}`, query: { token: (await issueToken(keys.prodOnly)).access } }),
        status: 401,
        body: NO_MATCH_BODY,
        name: 'InvalidAPICallAsNoApiProductMatchFound'
      }
    ]
  }),
  {
    covers: 'getOAuthV2InfoFaults.authorization_code_expired',
    case: 'authorization code past its 10 minutes',
    send: async () => {
      const code = await issueCode()
      await advance(600_001)
      return send({ path: '/get-info-code', query: { code } })
    },
    status: 500,
    body: '{"fault":{"faultstring":"Authorization Code expired","detail":{"errorcode":"keymanagement.service.authorization_code_expired"}}}',
    name: 'authorization_code_expired'
  },
  {
    covers: 'getOAuthV2InfoFaults.invalid_client-invalid_client_id',
    case: 'client id unknown',
    send: () => send({ path: '/get-info-client', query: { client_id: 'ghost-key' } }),
    status: 500,
    body: '{"fault":{"faultstring":"ClientId is Invalid","detail":{"errorcode":"keymanagement.service.invalid_client-invalid_client_id"}}}',
    name: 'invalid_client-invalid_client_id'
  },
  {
    covers: 'getOAuthV2InfoFaults.invalid_refresh_token',
    case: 'refresh token unknown',
    send: () => send({ path: '/get-info-refresh', query: { refresh_token: 'ghost-refresh' } }),
    status: 500,
    body: '{"fault":{"faultstring":"Invalid Refresh Token","detail":{"errorcode":"keymanagement.service.invalid_refresh_token"}}}',
    name: 'invalid_refresh_token'
  },
  {
    covers: 'getOAuthV2InfoFaults.invalid_request-authorization_code_invalid',
    case: 'authorization code unknown',
    send: () => send({ path: '/get-info-code', query: { code: 'ghost-code' } }),
    status: 500,
    body: '{"fault":{"faultstring":"Invalid Authorization Code","detail":{"errorcode":"keymanagement.service.invalid_request-authorization_code_invalid"}}}',
    name: 'invalid_request-authorization_code_invalid'
  },
  {
    covers: 'getOAuthV2InfoFaults.refresh_token_expired',
    case: 'refresh token past its expiry',
    send: async () => {
      const { refresh } = await issueWithRefresh('gat-short')
      await advance(120_001)
      return send({ path: '/get-info-refresh', query: { refresh_token: refresh } })
    },
    status: 500,
    body: '{"fault":{"faultstring":"Refresh Token expired","detail":{"errorcode":"keymanagement.service.refresh_token_expired"}}}',
    name: 'refresh_token_expired'
  },
  {
    covers: 'deleteOAuthV2InfoFaults.invalid_access_token',
    case: 'delete an unknown access token',
    send: () => send({ path: '/delete-info-token', query: { token: 'ghost-token' } }),
    status: 404,
    body: '{"fault":{"faultstring":"Invalid Access Token","detail":{"errorcode":"keymanagement.service.invalid_access_token"}}}',
    name: 'invalid_access_token'
  },
  {
    covers: 'deleteOAuthV2InfoFaults.invalid_request-authorization_code_invalid',
    case: 'delete an unknown authorization code',
    send: () => send({ path: '/delete-info-code', query: { code: 'ghost-code' } }),
    status: 404,
    body: '{"fault":{"faultstring":"Invalid Authorization Code","detail":{"errorcode":"keymanagement.service.invalid_request-authorization_code_invalid"}}}',
    name: 'invalid_request-authorization_code_invalid'
  }
]

// ---- 2.3 token endpoints, each case in the three modes --------------------------------------------

interface TokenCase {
  id: keyof typeof tokenEndpointErrors
  case: string
  send: (mode: TokenMode) => Promise<Sent>
  apigee: { status: number; code: string; text: string; name: string }
  rfc: { status: number; error: string; description: string }
  envelope: { status: number; faultstring: string; errorcode: string; name: string }
}

const gat = (form: Record<string, string>) => (mode: TokenMode) => send({ path: `/gat-${mode}`, form })
const rat = (form: Record<string, string>) => (mode: TokenMode) => send({ path: `/rat-${mode}`, form })
const gac = (query: Record<string, string>) => (mode: TokenMode) => send({ path: `/gac-${mode}`, query })
const main = credentials(keys.main)
const invalidRequest = (status: number, text: string, rfcError = 'invalid_request') => ({
  apigee: { status, code: 'invalid_request', text, name: 'invalid_request' },
  rfc: { status, error: rfcError, description: text },
  envelope: { status, faultstring: text, errorcode: 'steps.oauth.v2.invalid_request', name: 'invalid_request' }
})

const tokenCases: TokenCase[] = [
  { id: 'MissingGrantType', case: 'grant_type missing', send: gat({ ...main }), ...invalidRequest(400, 'Required param : grant_type') },
  {
    id: 'UnsupportedGrantType',
    case: 'grant_type not among SupportedGrantTypes',
    send: gat({ grant_type: 'magic', ...main }),
    apigee: { status: 400, code: 'invalid_request', text: 'Unsupported grant type : magic', name: 'UnSupportedGrantType' },
    rfc: { status: 400, error: 'unsupported_grant_type', description: 'Unsupported grant type : magic' },
    envelope: { status: 500, faultstring: 'Unsupported grant type : magic', errorcode: 'steps.oauth.v2.UnSupportedGrantType', name: 'UnSupportedGrantType' }
  },
  {
    id: 'InvalidClient',
    case: 'unknown client_id',
    send: gat({ grant_type: 'client_credentials', client_id: 'ghost-key', client_secret: 'x' }),
    apigee: { status: 401, code: 'invalid_client', text: 'ClientId is Invalid', name: 'invalid_client' },
    rfc: { status: 401, error: 'invalid_client', description: 'ClientId is Invalid' },
    envelope: { status: 500, faultstring: 'Invalid client identifier {0}', errorcode: 'oauth.v2.InvalidClientIdentifier', name: 'InvalidClientIdentifier' }
  },
  {
    id: 'AppNotApproved',
    case: 'app revoked',
    send: gat({ grant_type: 'client_credentials', ...credentials(keys.appRevoked) }),
    apigee: { status: 401, code: 'invalid_client', text: 'App not Approved', name: 'invalid_client-app_not_approved' },
    rfc: { status: 401, error: 'invalid_client', description: 'App not Approved' },
    envelope: { status: 401, faultstring: 'App not Approved', errorcode: 'keymanagement.service.invalid_client-app_not_approved', name: 'invalid_client-app_not_approved' }
  },
  {
    id: 'DeveloperNotActive',
    case: 'developer inactive',
    send: gat({ grant_type: 'client_credentials', ...credentials(keys.developerInactive) }),
    apigee: { status: 401, code: 'invalid_client', text: 'Developer Status is not Active', name: 'DeveloperStatusNotActive' },
    rfc: { status: 401, error: 'invalid_client', description: 'Developer Status is not Active' },
    envelope: { status: 401, faultstring: 'Developer Status is not Active', errorcode: 'keymanagement.service.DeveloperStatusNotActive', name: 'DeveloperStatusNotActive' }
  },
  { id: 'MissingUsername', case: 'password grant without username', send: gat({ grant_type: 'password', password: 'p', ...main }), ...invalidRequest(400, 'Required param : username') },
  { id: 'MissingPassword', case: 'password grant without password', send: gat({ grant_type: 'password', username: 'u', ...main }), ...invalidRequest(400, 'Required param : password') },
  {
    id: 'MissingCode',
    case: 'authorization_code grant without code',
    send: gat({ grant_type: 'authorization_code', redirect_uri: MAIN_CALLBACK, ...main }),
    ...invalidRequest(400, 'Required param : code')
  },
  {
    id: 'InvalidCode',
    case: 'authorization code unknown',
    send: gat({ grant_type: 'authorization_code', code: 'ghost-code', redirect_uri: MAIN_CALLBACK, ...main }),
    ...invalidRequest(400, 'Invalid Authorization Code', 'invalid_grant'),
    envelope: { status: 400, faultstring: 'Invalid Authorization Code', errorcode: 'keymanagement.service.invalid_request-authorization_code_invalid', name: 'invalid_request' }
  },
  {
    id: 'MissingRedirectUriAtToken',
    case: 'authorization_code grant without redirect_uri',
    send: gat({ grant_type: 'authorization_code', code: 'ghost-code', ...main }),
    ...invalidRequest(400, 'Required param : redirect_uri')
  },
  {
    id: 'InvalidRedirectUriAtToken',
    case: 'redirect_uri differs from the one the code was issued for',
    send: async (mode) => send({ path: `/gat-${mode}`, form: { grant_type: 'authorization_code', code: await issueCode(), redirect_uri: 'oob', ...main } }),
    ...invalidRequest(400, 'Invalid redirect_uri : oob', 'invalid_grant')
  },
  { id: 'MissingRefreshToken', case: 'refresh without refresh_token', send: rat({ grant_type: 'refresh_token', ...main }), ...invalidRequest(400, 'Required param : refresh_token') },
  {
    id: 'InvalidRefreshToken',
    case: 'refresh token unknown',
    send: rat({ grant_type: 'refresh_token', refresh_token: 'ghost-refresh', ...main }),
    ...invalidRequest(400, 'Invalid Refresh Token', 'invalid_grant'),
    envelope: { status: 400, faultstring: 'Invalid Refresh Token', errorcode: 'keymanagement.service.invalid_refresh_token', name: 'invalid_request' }
  },
  {
    id: 'ExpiredRefreshToken',
    case: 'refresh token past its expiry',
    send: async (mode) => {
      const { refresh } = await issueWithRefresh('gat-short')
      await advance(120_001)
      return send({ path: `/rat-${mode}`, form: { grant_type: 'refresh_token', refresh_token: refresh, ...main } })
    },
    ...invalidRequest(400, 'Refresh Token expired', 'invalid_grant'),
    rfc: { status: 400, error: 'invalid_grant', description: 'refresh token expired' },
    envelope: { status: 400, faultstring: 'Refresh Token expired', errorcode: 'keymanagement.service.refresh_token_expired', name: 'invalid_request' }
  },
  { id: 'InvalidScope', case: 'no requested scope is grantable', send: gat({ grant_type: 'client_credentials', scope: 'nope', ...main }), ...invalidRequest(400, 'Invalid Scope', 'invalid_scope') },
  {
    id: 'InvalidRedirectionUri',
    case: 'authorize: redirect_uri differs from the registered callback',
    send: gac({ client_id: keys.main, response_type: 'code', redirect_uri: 'https://evil.example/cb' }),
    ...invalidRequest(400, 'Invalid redirection uri https://evil.example/cb')
  },
  {
    id: 'MissingRedirectionUri',
    case: 'authorize: no redirect_uri and no registered callback',
    send: gac({ client_id: keys.noCallback, response_type: 'code' }),
    ...invalidRequest(400, 'Redirection URI is required')
  },
  {
    id: 'UnknownClientIdAtAuthorize',
    case: 'authorize: unknown client_id',
    send: gac({ client_id: 'ghost-key', response_type: 'code' }),
    apigee: { status: 401, code: 'invalid_request', text: 'Invalid client id : ghost-key. ClientId is Invalid', name: 'invalid_client' },
    rfc: { status: 401, error: 'invalid_client', description: 'Invalid client id : ghost-key. ClientId is Invalid' },
    envelope: { status: 500, faultstring: 'Invalid client identifier {0}', errorcode: 'oauth.v2.InvalidClientIdentifier', name: 'InvalidClientIdentifier' }
  },
  {
    id: 'MissingClientIdAtAuthorize',
    case: 'authorize: client_id missing',
    send: gac({ response_type: 'code' }),
    ...invalidRequest(400, 'The request is missing a required parameter : client_id')
  },
  {
    id: 'ResponseTypeNotCode',
    case: 'authorize: response_type is not code',
    send: gac({ client_id: keys.main, response_type: 'token' }),
    ...invalidRequest(400, 'Response type must be code', 'unsupported_response_type')
  },
  {
    id: 'MissingResponseType',
    case: 'authorize: response_type missing',
    send: gac({ client_id: keys.main }),
    ...invalidRequest(400, 'The request is missing a required parameter : response_type')
  },
  {
    id: 'ResponseTypeNotToken',
    case: 'implicit: response_type is not token',
    send: (mode) => send({ path: `/imp-${mode}`, query: { client_id: keys.main, response_type: 'code' } }),
    ...invalidRequest(400, 'Response type must be token', 'unsupported_response_type')
  }
]

const tokenRows: Row[] = tokenCases.flatMap((t): Row[] =>
  TOKEN_MODES.map((mode): Row => {
    const base = { covers: `tokenEndpointErrors.${t.id}.${mode}`, case: `${t.case} (${mode})`, send: () => t.send(mode) }
    if (mode === 'apigee') return { ...base, status: t.apigee.status, body: apigeeError(t.apigee.code, t.apigee.text), name: t.apigee.name, headers: { 'Cache-Control': null, Pragma: null } }
    if (mode === 'rfc')
      return { ...base, status: t.rfc.status, body: rfcError(t.rfc.error, t.rfc.description), name: t.apigee.name, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } }
    return { ...base, status: t.envelope.status, body: envelope(t.envelope.faultstring, t.envelope.errorcode), name: t.envelope.name }
  })
)
const apigeeRow = (covers: keyof typeof tokenEndpointErrors, c: string, send_: () => Promise<Sent>, status: number, body: string, name: string): Row => ({
  covers: `tokenEndpointErrors.${covers}.apigee`,
  case: c,
  send: send_,
  status,
  body,
  name
})
const CLIENT_ID_INVALID = '{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}'
tokenRows.push(
  apigeeRow('InvalidClient', 'wrong client_secret', () => send({ path: '/gat-apigee', form: { grant_type: 'client_credentials', client_id: keys.main, client_secret: 'wrong' } }), 401, CLIENT_ID_INVALID, 'invalid_client'),
  apigeeRow('InvalidClient', 'revoked consumer key', () => send({ path: '/gat-apigee', form: { grant_type: 'client_credentials', ...credentials(keys.keyRevoked) } }), 401, CLIENT_ID_INVALID, 'invalid_client'),
  apigeeRow('InvalidClient', 'expired consumer key', () => send({ path: '/gat-apigee', form: { grant_type: 'client_credentials', ...credentials(keys.keyExpired) } }), 401, CLIENT_ID_INVALID, 'invalid_client'),
  apigeeRow(
    'InvalidClient',
    'Authorization: Basic that does not decode to id:secret',
    () => send({ path: '/gat-apigee', form: { grant_type: 'client_credentials' }, headers: { Authorization: 'Basic !!!' } }),
    401,
    CLIENT_ID_INVALID,
    'invalid_client'
  ),
  apigeeRow(
    'InvalidClient',
    'credentials in Authorization: Basic, wrong secret',
    () => send({ path: '/gat-apigee', form: { grant_type: 'client_credentials' }, headers: { Authorization: `Basic ${Buffer.from(`${keys.main}:nope`).toString('base64')}` } }),
    401,
    CLIENT_ID_INVALID,
    'invalid_client'
  ),
  apigeeRow(
    'AppNotApproved',
    'authorize for a revoked app',
    () => send({ path: '/gac-apigee', query: { client_id: keys.appRevoked, response_type: 'code', redirect_uri: 'https://x.example/cb' } }),
    401,
    '{"ErrorCode" : "invalid_client", "Error" :"App not Approved"}',
    'invalid_client-app_not_approved'
  ),
  apigeeRow(
    'DeveloperNotActive',
    'authorize for an inactive developer',
    () => send({ path: '/gac-apigee', query: { client_id: keys.developerInactive, response_type: 'code', redirect_uri: 'https://x.example/cb' } }),
    401,
    '{"ErrorCode" : "invalid_client", "Error" :"Developer Status is not Active"}',
    'DeveloperStatusNotActive'
  ),
  apigeeRow(
    'UnsupportedGrantType',
    'no <SupportedGrantTypes>: only authorization_code and implicit are allowed',
    () => send({ path: '/gat-default-grants', form: { grant_type: 'client_credentials', ...main } }),
    400,
    '{"ErrorCode" : "invalid_request", "Error" :"Unsupported grant type : client_credentials"}',
    'UnSupportedGrantType'
  )
)
tokenRows.push({
  covers: 'tokenEndpointErrors.UnsupportedGrantType.apigee',
  case: 'SupportedGrantTypes limited to client_credentials, password requested',
  send: () => send({ path: '/gat-limited', form: { grant_type: 'password', username: 'u', password: 'p', ...main } }),
  status: 400,
  body: '{"ErrorCode" : "invalid_request", "Error" :"Unsupported grant type : password"}',
  name: 'UnSupportedGrantType'
})

// ---- runtime: routing, body limit, targets, RaiseFault, JavaScript --------------------------------

const runtimeRows: Row[] = [
  {
    covers: 'runtime.applicationNotFound',
    case: 'no proxy for the base path (9.3 rule 8)',
    send: () => send({ path: '/nothing/here', query: { q: '1' } }),
    status: 404,
    body: '{"fault":{"faultstring":"Unable to identify proxy for host: test and url: /nothing/here","detail":{"errorcode":"messaging.adaptors.http.flow.ApplicationNotFound"}}}',
    name: 'ApplicationNotFound'
  },
  {
    covers: 'runtime.requestTooLarge',
    case: 'body over the 10 MiB limit',
    send: () => send({ path: '/verify/items', method: 'POST', body: 'x'.repeat(10 * 1024 * 1024 + 1) }),
    status: 413,
    body: '{"fault":{"faultstring":"Body buffer overflow","detail":{"errorcode":"protocol.http.TooBigBody"}}}',
    name: null
  },
  {
    covers: 'runtime.targetServiceUnavailable',
    case: 'target refuses the connection',
    send: () => send({ path: '/target-refused' }),
    status: 503,
    body: '{"fault":{"faultstring":"The Service is temporarily unavailable","detail":{"errorcode":"messaging.adaptors.http.flow.ServiceUnavailable"}}}',
    name: 'ServiceUnavailable'
  },
  {
    covers: 'runtime.targetGatewayTimeout',
    case: 'target silent past io.timeout.millis',
    send: () => send({ path: '/target-timeout' }),
    status: 504,
    body: '{"fault":{"faultstring":"Gateway Timeout","detail":{"errorcode":"messaging.adaptors.http.flow.GatewayTimeout"}}}',
    name: 'GatewayTimeout'
  },
  {
    covers: 'runtime.targetUnexpectedEof',
    case: 'target drops the connection',
    send: () => send({ path: '/target-eof' }),
    status: 502,
    body: '{"fault":{"faultstring":"Unexpected EOF at target","detail":{"errorcode":"messaging.adaptors.http.flow.UnexpectedEOFAtTarget"}}}',
    name: 'UnexpectedEOFAtTarget'
  },
  {
    covers: 'runtime.targetDnsFailure',
    case: 'target host does not resolve',
    send: () => send({ path: '/target-dns' }),
    status: 503,
    body: '{"fault":{"faultstring":"DNS lookup failed for the target host","detail":{"errorcode":"messaging.adaptors.http.flow.DNSLookupFailed"}}}',
    name: 'DNSLookupFailed'
  },
  {
    covers: 'runtime.targetBadGateway',
    case: 'target answers something that is not HTTP',
    send: () => send({ path: '/target-garbage' }),
    status: 502,
    body: '{"fault":{"faultstring":"Bad Gateway","detail":{"errorcode":"messaging.adaptors.http.flow.BadGateway"}}}',
    name: 'BadGateway'
  },
  {
    covers: 'runtime.targetErrorResponse',
    case: 'target answers 503: its response reaches the client as written',
    send: () => send({ path: '/target-error' }),
    status: 503,
    body: 'backend down',
    name: 'ErrorResponseCode',
    headers: { 'Content-Type': 'text/plain' }
  },
  {
    covers: 'runtime.unsupportedTarget',
    case: 'a HostedTarget, which deploys with a warning',
    send: () => send({ path: '/target-hosted' }),
    status: 500,
    body: '{"fault":{"faultstring":"Gatelab cannot run the HostedTarget of TargetEndpoint \\"default\\" on a desktop; route to an HTTP target instead","detail":{"errorcode":"gatelab.UnsupportedTarget"}}}',
    name: 'UnsupportedTarget'
  },
  {
    covers: 'RaiseFault',
    case: 'RaiseFault without FaultResponse',
    send: () => send({ path: '/raise' }),
    status: 500,
    body: '{"fault":{"faultstring":"Raising fault. Fault name : Raise-Fault","detail":{"errorcode":"steps.raisefault.RaiseFault"}}}',
    name: 'RaiseFault'
  },
  {
    covers: 'Javascript',
    case: 'script throws',
    send: () => send({ path: '/script' }),
    status: 500,
    body: '{"fault":{"faultstring":"Execution of JS-Fail failed with error: Javascript runtime error: \\"Error: boom\\"","detail":{"errorcode":"steps.javascript.ScriptExecutionFailed"}}}',
    name: 'ScriptExecutionFailed'
  }
]

const allRows: Row[] = [...verifyRows, ...policyRows, ...apiKeyRows, ...infoRows, ...tokenRows, ...runtimeRows]

// ---- the tests ------------------------------------------------------------------------------------

describe('the setup works where it should (the rows below fail for the reason they name)', () => {
  it('every fixture proxy is deployed in test', async () => {
    const deployments = await gatelab.services['proxies.deployments']({})
    const broken = deployments.filter((d) => d.environment === 'test' && (d.state !== 'deployed' || d.errors.length > 0))
    expect(broken).toEqual([])
  })

  it.each([
    ['plain VerifyAccessToken', async () => send({ path: '/verify/items', headers: bearer((await issueToken()).access) })],
    ['Product_Paths on /allowed', async () => send({ path: '/verify/allowed', headers: bearer((await issueToken(keys.pathsOnly)).access) })],
    ['operation-group GET /items', async () => send({ path: '/verify/items', headers: bearer((await issueToken(keys.operations)).access) })],
    ['scope write against <Scope>admin write</Scope>', async () => send({ path: '/verify-scope/items', headers: bearer((await issueToken(keys.main, { scope: 'write' })).access) })],
    ['prefixed token', async () => send({ path: '/verify-prefix/items', headers: { token: `KEY ${(await issueToken()).access}` } })],
    ['JWT from the fixture endpoint', async () => send({ path: '/verify-jwt/items', headers: bearer((await issueToken(keys.main, { path: 'jwt-token' })).access) })],
    ['hand-signed JWT', async () => send({ path: '/verify-jwt/items', headers: bearer(await jwt({}, {})) })],
    ['VerifyAPIKey with the main key', withKey(keys.main)],
    ['VerifyAPIKey operation-group GET', withKey(keys.operations)],
    ['GetOAuthV2Info of a live token', async () => send({ path: '/get-info-token', query: { token: (await issueToken()).access } })],
    ['InvalidateToken of an unknown token is a no-op (reference 2.5)', () => send({ path: '/revoke', form: { token: 'ghost-token' } })],
    ['InvalidateToken of a JWT access token revokes it', async () => send({ path: '/revoke', form: { token: (await issueToken(keys.main, { path: 'jwt-token' })).access } })]
  ] as const)('%s -> 200', async (_name, request) => {
    const res = await request()
    expect([res.status, res.trace?.fault ?? null]).toEqual([200, null])
  })

  it.each([
    ['registered callback, redirect_uri absent: the registered one is used', keys.main, undefined, MAIN_CALLBACK],
    ['registered callback, same redirect_uri', keys.main, MAIN_CALLBACK, MAIN_CALLBACK],
    ['no registered callback: any redirect_uri is accepted', keys.noCallback, 'https://any.example/cb', 'https://any.example/cb']
  ] as const)('authorize, %s -> 302 Location', async (_name, clientId, redirectUri, expected) => {
    const res = await send({ path: '/gac-apigee', query: { client_id: clientId, response_type: 'code', state: 'st', ...(redirectUri ? { redirect_uri: redirectUri } : {}) } })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location')!)
    expect(`${location.origin}${location.pathname}`).toBe(expected)
    expect(location.searchParams.get('state')).toBe('st')
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9]+$/)
  })

  it('RFC token endpoint success carries Cache-Control: no-store and Pragma: no-cache', async () => {
    const res = await send({ path: '/gat-rfc', form: { grant_type: 'client_credentials', ...credentials(keys.main) } })
    expect([res.status, res.headers.get('cache-control'), res.headers.get('pragma')]).toEqual([200, 'no-store', 'no-cache'])
    expect(JSON.parse(res.body)).toMatchObject({ token_type: 'Bearer', expires_in: 3599 })
  })

  it('GenerateErrorResponse with continueOnError="true": the error body goes out, the flow goes on (reference 1.3)', async () => {
    const res = await send({ path: '/gat-continue', form: { ...credentials(keys.main) } })
    expect([res.status, res.body]).toEqual([400, '{"ErrorCode" : "invalid_request", "Error" :"Required param : grant_type"}'])
    expect(res.trace?.fault).toBeNull()
    expect(res.trace?.variables['oauthV2.OAuthV2-Token.failed']).toBe('true')
    expect(res.trace?.variables['fault.name']).toBe('invalid_request')
  })
})

describe('every fault row through the HTTP listener', () => {
  it.each(allRows.map((row) => [`${row.covers}: ${row.case}`, row] as const))('%s', async (_title, row) => {
    checkRow(row, await row.send())
  })
})

describe('every catalogue entry has a row', () => {
  const covered = new Set(allRows.map((r) => r.covers))
  const catalogueKeys = [
    ...Object.keys(verifyFaults).map((k) => `verifyFaults.${k}`),
    ...Object.keys(policyFaults).map((k) => `policyFaults.${k}`),
    ...Object.keys(verifyApiKeyFaults).map((k) => `verifyApiKeyFaults.${k}`),
    ...Object.keys(getOAuthV2InfoFaults).map((k) => `getOAuthV2InfoFaults.${k}`),
    ...Object.keys(setOAuthV2InfoFaults).map((k) => `setOAuthV2InfoFaults.${k}`),
    ...Object.keys(deleteOAuthV2InfoFaults).map((k) => `deleteOAuthV2InfoFaults.${k}`),
    ...Object.keys(tokenEndpointErrors).flatMap((k) => TOKEN_MODES.map((mode) => `tokenEndpointErrors.${k}.${mode}`)),
    // runtimeFault wraps a spec (not a fault); internalPolicyError reports a defect in a policy and has no trigger.
    ...Object.keys(runtimeFaults)
      .filter((k) => k !== 'runtimeFault' && k !== 'internalPolicyError')
      .map((k) => `runtime.${k}`)
  ]

  it.each(catalogueKeys)('%s', (key) => {
    expect(covered.has(key), `no HTTP row covers ${key}`).toBe(true)
  })

  it('rows cover nothing that is not in a catalogue (typos would hide a missing row)', () => {
    const known = new Set([...catalogueKeys, 'RaiseFault', 'Javascript'])
    expect([...covered].filter((k) => !known.has(k))).toEqual([])
  })
})
