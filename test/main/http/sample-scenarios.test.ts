/**
 * The sample workspace's scenarios end to end, as a user would run them with curl: plain HTTP requests from
 * Node's fetch to the console's gateway listeners (no workbench in between), exact bodies and headers, and
 * the trace each request left. Scenarios: App_Two's token on API_One, App_One's token on API_One in prod,
 * App_Three pending then approved; plus the sample's authorization server endpoints.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsole, type GatelabConsole } from '../../../src/main/console'
import type { TraceRecord } from '../../../src/shared/trace'

let gatelab: GatelabConsole

beforeAll(async () => {
  gatelab = await createConsole({
    dataDir: await mkdtemp(join(tmpdir(), 'gatelab-sample-http-')),
    sampleFile: resolve(__dirname, '../../../resources/samples/sample-org.json'),
    envPorts: { test: 0, prod: 0 }
  })
})
afterAll(async () => {
  await gatelab.services['clock.reset']({})
  await gatelab.close()
})

const NO_MATCH = '{"fault":{"faultstring":"Invalid API call as no apiproduct match found","detail":{"errorcode":"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"}}}'
const NO_MATCH_WWW =
  'Bearer realm="null",error="invalid_token",error_description="keymanagement.service.InvalidAPICallAsNoApiProductMatchFound: Invalid API call as no apiproduct match found"'

interface Curl {
  status: number
  headers: Headers
  body: string
  trace: TraceRecord
}

/** `curl -X <method> http://127.0.0.1:<env port><path>`: one request, its response and its trace. */
async function curl(env: 'test' | 'prod', path: string, init: { method?: string; headers?: Record<string, string>; form?: string } = {}): Promise<Curl> {
  const base = gatelab.gateway.status().find((s) => s.environment === env)!.url
  const id = randomUUID()
  const headers: Record<string, string> = { 'X-Scenario-Request': id, ...init.headers }
  if (init.form !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded'
  const res = await fetch(`${base}${path}`, { method: init.method ?? (init.form === undefined ? 'GET' : 'POST'), headers, body: init.form, redirect: 'manual' })
  const body = await res.text()
  const summaries = await gatelab.services['traces.list']({ limit: 5 })
  const records = await Promise.all(summaries.map((s) => gatelab.services['traces.get']({ id: s.id })))
  const trace = records.find((r) => r.request.headers.some(([n, v]) => n.toLowerCase() === 'x-scenario-request' && v === id))
  expect(trace, `trace of ${path}`).toBeDefined()
  return { status: res.status, headers: res.headers, body, trace: trace! }
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

/** `curl -u key:secret -d grant_type=client_credentials .../oauth/token`, the Apigee-shaped answer checked. */
async function clientCredentialsToken(env: 'test' | 'prod', key: string, secret: string): Promise<string> {
  const res = await curl(env, '/oauth/token', { headers: { Authorization: basic(key, secret) }, form: 'grant_type=client_credentials' })
  expect(res.status, res.body).toBe(200)
  expect(res.headers.get('content-type')).toBe('application/json')
  const body = JSON.parse(res.body) as Record<string, unknown>
  expect(body).toMatchObject({ token_type: 'BearerToken', client_id: key, status: 'approved', expires_in: '3599', refresh_token_expires_in: '0', organization_name: 'sample' })
  for (const value of Object.values(body)) expect(typeof value).toBe('string')
  expect(res.trace.fault).toBeNull()
  return body.access_token as string
}

const callApi = (env: 'test' | 'prod', path: string, token: string) => curl(env, path, { headers: { Authorization: `Bearer ${token}` } })

function expectNoMatch(res: Curl, app: string): void {
  expect(res.status).toBe(401)
  expect(res.body).toBe(NO_MATCH)
  expect(res.headers.get('www-authenticate')).toBe(NO_MATCH_WWW)
  expect(res.trace.fault?.name).toBe('InvalidAPICallAsNoApiProductMatchFound')
  expect(res.trace.app).toBe(app)
}

describe('the sample scenarios over plain HTTP', () => {
  it("scenario 1: App_Two's token on API_One -> 401 no apiproduct match; App_Two's token works on API_Two in prod", async () => {
    const token = await clientCredentialsToken('test', 'app-two-key', 'app-two-secret')
    expectNoMatch(await callApi('test', '/api-one/items', token), 'App_Two')

    const prodToken = await clientCredentialsToken('prod', 'app-two-key', 'app-two-secret')
    const ok = await callApi('prod', '/api-two/items', prodToken)
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toMatchObject({ method: 'GET', path: '/items', variables: { 'apiproxy.name': 'API_Two', 'environment.name': 'prod', 'apiproduct.name': 'Product_Two' } })
  })

  it("scenario 2: App_One's token on API_One works in test, fails in prod until Product_One lists prod", async () => {
    const testToken = await clientCredentialsToken('test', 'app-one-key', 'app-one-secret')
    expect((await callApi('test', '/api-one/items', testToken)).status).toBe(200)

    const prodToken = await clientCredentialsToken('prod', 'app-one-key', 'app-one-secret')
    expectNoMatch(await callApi('prod', '/api-one/items', prodToken), 'App_One')

    await gatelab.services['products.update']({ name: 'Product_One', patch: { environments: ['test', 'prod'] } })
    const fixed = await callApi('prod', '/api-one/items', prodToken)
    expect(fixed.status).toBe(200)
    expect(fixed.trace.fault).toBeNull()
    await gatelab.services['products.update']({ name: 'Product_One', patch: { environments: ['test'] } })
    expectNoMatch(await callApi('prod', '/api-one/items', prodToken), 'App_One')
  })

  it('scenario 3: App_Three gets a token while Product_Manual is pending, is refused, and passes once the product is approved', async () => {
    const token = await clientCredentialsToken('test', 'app-three-key', 'app-three-secret')
    expectNoMatch(await callApi('test', '/api-one/items', token), 'App_Three')

    await gatelab.services['apps.setProductStatus']({ app: 'App_Three', consumerKey: 'app-three-key', product: 'Product_Manual', status: 'approved' })
    const approved = await callApi('test', '/api-one/items', token)
    expect(approved.status).toBe(200)
    expect(JSON.parse(approved.body).variables['apiproduct.name']).toBe('Product_Manual')

    await gatelab.services['apps.setProductStatus']({ app: 'App_Three', consumerKey: 'app-three-key', product: 'Product_Manual', status: 'revoked' })
    expectNoMatch(await callApi('test', '/api-one/items', token), 'App_Three')
  })
})

describe("the sample's authorization server over plain HTTP", () => {
  it('classic client_credential endpoint: grant_type in the query, credentials in the form', async () => {
    const res = await curl('test', '/oauth/client_credential/accesstoken?grant_type=client_credentials', { form: 'client_id=app-one-key&client_secret=app-one-secret' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({ token_type: 'BearerToken', client_id: 'app-one-key' })
  })

  it('wrong secret -> 401 {"ErrorCode","Error"} body', async () => {
    const res = await curl('test', '/oauth/token', { headers: { Authorization: basic('app-one-key', 'wrong') }, form: 'grant_type=client_credentials' })
    expect([res.status, res.body]).toEqual([401, '{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}'])
    expect(res.trace.fault?.name).toBe('invalid_client')
  })

  it('RFC endpoint: Bearer, numeric expires_in, no-store; its errors are RFC 6749 shaped', async () => {
    const ok = await curl('test', '/oauth/rfc/token', { headers: { Authorization: basic('app-one-key', 'app-one-secret') }, form: 'grant_type=client_credentials' })
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toMatchObject({ token_type: 'Bearer', expires_in: 3599 })
    expect([ok.headers.get('cache-control'), ok.headers.get('pragma')]).toEqual(['no-store', 'no-cache'])
    const bad = await curl('test', '/oauth/rfc/token', { headers: { Authorization: basic('app-one-key', 'app-one-secret') }, form: 'grant_type=magic' })
    expect([bad.status, bad.body]).toEqual([400, '{"error" : "unsupported_grant_type", "error_description" :"Unsupported grant type : magic"}'])
    expect([bad.headers.get('cache-control'), bad.headers.get('pragma')]).toEqual(['no-store', 'no-cache'])
  })

  it('authorization code: 302 to the registered callback with code and state, exchanged once for a token with a refresh token', async () => {
    const authorize = await curl('test', '/oauth/authorize?response_type=code&client_id=app-one-key&state=xyz&scope=')
    expect(authorize.status).toBe(302)
    const location = new URL(authorize.headers.get('location')!)
    expect(`${location.origin}${location.pathname}`).toBe('https://app_one.sample.example/callback')
    expect(location.searchParams.get('state')).toBe('xyz')
    const code = location.searchParams.get('code')!
    expect(code).toMatch(/.+/)

    const form = `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent('https://app_one.sample.example/callback')}`
    const exchanged = await curl('test', '/oauth/token', { headers: { Authorization: basic('app-one-key', 'app-one-secret') }, form })
    expect(exchanged.status, exchanged.body).toBe(200)
    const tokens = JSON.parse(exchanged.body) as { access_token: string; refresh_token: string }
    expect(tokens.refresh_token).toMatch(/.+/)
    expect((await callApi('test', '/api-one/items', tokens.access_token)).status).toBe(200)

    const replay = await curl('test', '/oauth/token', { headers: { Authorization: basic('app-one-key', 'app-one-secret') }, form })
    expect([replay.status, replay.body]).toEqual([400, '{"ErrorCode" : "invalid_request", "Error" :"Invalid Authorization Code"}'])

    const refreshed = await curl('test', '/oauth/token', {
      headers: { Authorization: basic('app-one-key', 'app-one-secret') },
      form: `grant_type=refresh_token&refresh_token=${encodeURIComponent(tokens.refresh_token)}`
    })
    expect(refreshed.status, refreshed.body).toBe(200)
    const old = await callApi('test', '/api-one/items', tokens.access_token)
    expect([old.status, old.trace.fault?.name]).toEqual([401, 'access_token_not_approved'])
    expect((await callApi('test', '/api-one/items', JSON.parse(refreshed.body).access_token)).status).toBe(200)
  })

  it('implicit grant: 302 with the token in the fragment', async () => {
    const res = await curl('test', '/oauth/authorize?response_type=token&client_id=app-one-key&state=s1')
    expect(res.status).toBe(302)
    const location = res.headers.get('location')!
    expect(location.startsWith('https://app_one.sample.example/callback#access_token=')).toBe(true)
    const fragment = new URLSearchParams(location.slice(location.indexOf('#') + 1))
    expect([fragment.get('token_type'), fragment.get('expires_in'), fragment.get('state')]).toEqual(['BearerToken', '3599', 's1'])
    expect((await callApi('test', '/api-one/items', fragment.get('access_token')!)).status).toBe(200)
  })

  it('revoke (RFC 7009 endpoint) then the token is refused with access_token_not_approved', async () => {
    const token = await clientCredentialsToken('test', 'app-one-key', 'app-one-secret')
    expect((await curl('test', '/oauth/revoke', { form: `token=${encodeURIComponent(token)}` })).status).toBe(200)
    const res = await callApi('test', '/api-one/items', token)
    expect([res.status, res.body]).toEqual([401, '{"fault":{"faultstring":"Access Token not approved","detail":{"errorcode":"keymanagement.service.access_token_not_approved"}}}'])
  })

  it('a token expires on the virtual clock', async () => {
    const token = await clientCredentialsToken('test', 'app-one-key', 'app-one-secret')
    await gatelab.services['clock.advance']({ ms: 3_600_000 })
    const res = await callApi('test', '/api-one/items', token)
    expect([res.status, res.body, res.trace.fault?.name]).toEqual([
      401,
      '{"fault":{"faultstring":"Access Token expired","detail":{"errorcode":"keymanagement.service.access_token_expired"}}}',
      'access_token_expired'
    ])
    await gatelab.services['clock.reset']({})
  })

  it("an unknown /oauth path answers the sample's RaiseFault 404", async () => {
    const res = await curl('test', '/oauth/nope', { method: 'DELETE' })
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body)).toEqual({
      error: 'not_found',
      error_description:
        'No OAuth endpoint answers DELETE /oauth/nope. Use POST /oauth/token, GET /oauth/authorize, POST /oauth/revoke, POST /oauth/client_credential/accesstoken or POST /oauth/rfc/token.'
    })
    expect(res.trace.fault?.name).toBe('RaiseFault')
  })

  it('no proxy at all -> 404 ApplicationNotFound', async () => {
    const res = await curl('prod', '/api-three/items')
    expect([res.status, res.body]).toEqual([
      404,
      '{"fault":{"faultstring":"Unable to identify proxy for host: prod and url: /api-three/items","detail":{"errorcode":"messaging.adaptors.http.flow.ApplicationNotFound"}}}'
    ])
  })
})

describe("the sample's host names", () => {
  /** `curl -H 'Host: <host>' http://127.0.0.1:<env port><path>`: status and body. */
  function withHost(env: 'test' | 'prod', host: string, path: string): Promise<{ status: number; body: string }> {
    const port = gatelab.gateway.status().find((s) => s.environment === env)!.port
    return new Promise((resolvePromise, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolvePromise({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }))
      })
      req.on('error', reject)
      req.end()
    })
  }
  const noRoute = (host: string, path: string) =>
    `{"fault":{"faultstring":"Unable to identify proxy for host: ${host} and url: ${path}","detail":{"errorcode":"messaging.adaptors.http.flow.ApplicationNotFound"}}}`

  it('the documented aliases reach their environment from either port; loopback names reach the port owner', async () => {
    const port = (env: string) => gatelab.gateway.status().find((s) => s.environment === env)!.port
    // Nothing is deployed at /api-three: the 404 names the environment that answered.
    expect(await withHost('test', `prod.gatelab.localhost:${port('test')}`, '/api-three')).toEqual({ status: 404, body: noRoute('prod', '/api-three') })
    expect(await withHost('prod', 'test.gatelab.localhost', '/api-three')).toEqual({ status: 404, body: noRoute('test', '/api-three') })
    expect(await withHost('prod', `localhost:${port('prod')}`, '/api-three')).toEqual({ status: 404, body: noRoute('prod', '/api-three') })
  })

  it('refuses a Host that is neither an alias nor a loopback name: restrictHosts is on in the sample', async () => {
    const before = (await gatelab.services['traces.list']({ limit: 1000 })).length
    expect(await withHost('test', 'attacker.example', '/api-one/items')).toEqual({ status: 404, body: noRoute('attacker.example', '/api-one/items') })
    expect((await gatelab.services['traces.list']({ limit: 1000 })).length).toBe(before)
  })
})
