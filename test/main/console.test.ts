/**
 * The whole console on the sample workspace: real listeners on free ports, the workbench sending real
 * requests, explanations of the article's scenarios, the access matrix, and the virtual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createConsole, type GatelabConsole } from '../../src/main/console'
import type { MethodArgs, MethodName, MethodResult } from '../../src/shared/contract'
import { contract } from '../../src/shared/contract'
import { CliError } from '../../src/main/cli'

let gatelab: GatelabConsole

async function call<M extends MethodName>(method: M, input: unknown): Promise<MethodResult<M>> {
  const args = contract[method].input.parse(input) as MethodArgs<M>
  return (await (gatelab.services[method] as (a: MethodArgs<M>) => Promise<MethodResult<M>>)(args)) as MethodResult<M>
}

async function token(environment: string, key: string, secret: string): Promise<string> {
  const res = await call('workbench.send', {
    environment,
    method: 'POST',
    path: '/oauth/token',
    headers: [['Content-Type', 'application/x-www-form-urlencoded']],
    body: `grant_type=client_credentials&client_id=${key}&client_secret=${secret}`
  })
  expect(res.status).toBe(200)
  return JSON.parse(res.body).access_token as string
}

const apiCall = (environment: string, path: string, accessToken: string) =>
  call('workbench.send', { environment, method: 'GET', path, headers: [['Authorization', `Bearer ${accessToken}`]] })

beforeAll(async () => {
  gatelab = await createConsole({
    dataDir: await mkdtemp(join(tmpdir(), 'gatelab-console-')),
    sampleFile: resolve(__dirname, '../../resources/samples/sample-org.json'),
    envPorts: { test: 0, prod: 0 }
  })
})
afterAll(() => gatelab.close())

describe('the console on the sample workspace', () => {
  it('starts a listener per environment on 127.0.0.1', async () => {
    const status = await call('gateway.status', {})
    expect(status.map((s) => [s.environment, s.host, s.state])).toEqual([
      ['test', '127.0.0.1', 'started'],
      ['prod', '127.0.0.1', 'started']
    ])
  })

  it('serves App_One on API_One in test, with the request traced', async () => {
    const res = await apiCall('test', '/api-one/items', await token('test', 'app-one-key', 'app-one-secret'))
    expect(res.status).toBe(200)
    const trace = await call('traces.get', { id: res.traceId! })
    expect(trace).toMatchObject({ environment: 'test', proxy: 'API_One', status: 200, faultName: null, app: 'App_One', clientId: 'app-one-key' })
  })

  it('scenario 1: App_Two token on API_One -> no match, explained with the fix', async () => {
    const accessToken = await token('test', 'app-two-key', 'app-two-secret')
    const res = await apiCall('test', '/api-one/items', accessToken)
    expect(res.status).toBe(401)
    expect(res.body).toBe('{"fault":{"faultstring":"Invalid API call as no apiproduct match found","detail":{"errorcode":"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound"}}}')
    const trace = await call('traces.get', { id: res.traceId! })
    expect(trace.app).toBe('App_Two')
    const diagnosis = await call('traces.explain', { id: res.traceId! })
    expect(diagnosis?.code).toBe('no-product-match')
    expect(diagnosis?.cause).toContain("App_Two's key has only Product_Two, which does not include API_One")
    expect(diagnosis?.fixes.map((f) => f.label)).toContain("Use App_One's credentials")
  })

  it("scenario 2: App_One token on API_One in prod -> no match; the fix 'Add environment prod to Product_One' works", async () => {
    const accessToken = await token('prod', 'app-one-key', 'app-one-secret')
    const res = await apiCall('prod', '/api-one/items', accessToken)
    expect(res.status).toBe(401)
    const diagnosis = (await call('traces.explain', { id: res.traceId! }))!
    expect(diagnosis.cause).toContain('test only, not prod')
    const fix = diagnosis.fixes.find((f) => f.label === 'Add environment prod to Product_One')!
    expect(fix.method).toBe('products.update')
    await call(fix.method as MethodName, fix.input)
    expect((await apiCall('prod', '/api-one/items', accessToken)).status).toBe(200)
  })

  it("comment scenario: App_Three (Product_Manual pending) fails until the product is approved on its key", async () => {
    const accessToken = await token('test', 'app-three-key', 'app-three-secret')
    const res = await apiCall('test', '/api-one/items', accessToken)
    expect(res.status).toBe(401)
    const diagnosis = (await call('traces.explain', { id: res.traceId! }))!
    const fix = diagnosis.fixes[0]!
    expect(fix.label).toBe("Approve Product_Manual on App_Three's key")
    await call(fix.method as MethodName, fix.input)
    expect((await apiCall('test', '/api-one/items', accessToken)).status).toBe(200)
  })
})

describe('the access matrix', () => {
  it('matches the gateway: App_One on API_One in test only, App_Two on API_Two in prod only, App_Three nowhere while pending', async () => {
    const fresh = await createConsole({
      dataDir: await mkdtemp(join(tmpdir(), 'gatelab-matrix-')),
      sampleFile: resolve(__dirname, '../../resources/samples/sample-org.json'),
      envPorts: { test: 0, prod: 0 }
    })
    try {
      const matrix = await (fresh.services['access.matrix'] as () => Promise<import('../../src/shared/access').AccessMatrix>)()
      expect(matrix.columns.map((c) => `${c.proxy}@${c.environment}`)).toEqual(['API_One@test', 'API_One@prod', 'API_Two@test', 'API_Two@prod'])
      const allowed = Object.fromEntries(matrix.rows.map((r) => [r.app, r.cells.filter((c) => c.allowed).map((c) => `${c.proxy}@${c.environment}`)]))
      expect(allowed).toEqual({ App_One: ['API_One@test'], App_Two: ['API_Two@prod'], App_Three: [] })
      const denied = matrix.rows.find((r) => r.app === 'App_Three')!.cells[0]!
      expect(denied.fault).toEqual({
        name: 'InvalidAPICallAsNoApiProductMatchFound',
        status: 401,
        errorcode: 'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound',
        faultstring: 'Invalid API call as no apiproduct match found'
      })
      expect(denied.evaluations[0]).toMatchObject({ product: 'Product_Manual', entryStatus: 'pending', approval: { ok: false } })
    } finally {
      await fresh.close()
    }
  })
})

describe('the virtual clock drives token expiry', () => {
  it('a token is refused once the clock passes its expiry, and the clock state is reported', async () => {
    const accessToken = await token('test', 'app-one-key', 'app-one-secret')
    expect((await apiCall('test', '/api-one/x', accessToken)).status).toBe(200)
    const state = await call('clock.advance', { ms: 3_600_001 })
    expect(state.mode).toBe('offset')
    const res = await apiCall('test', '/api-one/x', accessToken)
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body)).toEqual({ fault: { faultstring: 'Access Token expired', detail: { errorcode: 'keymanagement.service.access_token_expired' } } })
    expect((await call('clock.reset', {})).mode).toBe('real')
  })
})

describe('JWT access tokens', () => {
  it('issues an at+JWT from the sample and inspects it: claims decoded, signature verified by the policy key', async () => {
    const res = await call('workbench.send', {
      environment: 'test',
      method: 'POST',
      path: '/oauth/jwt/token',
      headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      body: 'grant_type=client_credentials&client_id=app-one-key&client_secret=app-one-secret'
    })
    expect([res.status, res.body]).toEqual([200, expect.stringContaining('"token_type":"Bearer"')])
    const jwt = JSON.parse(res.body).access_token as string
    const inspection = (await call('tokens.inspectJwt', { token: jwt }))!
    expect(inspection.header).toMatchObject({ alg: 'HS256', typ: 'at+JWT' })
    expect(inspection.claims.client_id).toBe('app-one-key')
    expect(inspection.signature).toMatchObject({ verified: true, policy: 'OAuthV2-Generate-JWT-Access-Token', proxy: 'oauth' })
    const [h, p] = jwt.split('.')
    const forged = `${h}.${p}.${'A'.repeat(43)}`
    expect((await call('tokens.inspectJwt', { token: forged }))!.signature.verified).toBe(false)
    expect(await call('tokens.inspectJwt', { token: 'not-a-jwt' })).toBeNull()
  })
})

describe('scopes at the token endpoint', () => {
  const tokenWithScope = (scope: string) =>
    call('workbench.send', {
      environment: 'test',
      method: 'POST',
      path: '/oauth/token',
      headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      body: `grant_type=client_credentials&client_id=app-one-key&client_secret=app-one-secret&scope=${encodeURIComponent(scope)}`
    })

  it('reads the RFC scope parameter by default: refused when no product grants it, filtered once one does', async () => {
    const refused = await tokenWithScope('orders.read')
    expect([refused.status, refused.body]).toEqual([400, '{"ErrorCode" : "invalid_request", "Error" :"Invalid Scope"}'])
    await call('products.update', { name: 'Product_One', patch: { scopes: ['orders.read', 'orders.write'] } })
    const granted = await tokenWithScope('orders.read admin')
    expect(granted.status).toBe(200)
    expect(JSON.parse(granted.body).scope).toBe('orders.read')
    const all = await call('workbench.send', {
      environment: 'test',
      method: 'POST',
      path: '/oauth/token',
      headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      body: 'grant_type=client_credentials&client_id=app-one-key&client_secret=app-one-secret'
    })
    expect(JSON.parse(all.body).scope).toBe('orders.read orders.write')
  })
})

describe('--env-port names', () => {
  it('an --env-port for an environment the workspace lacks refuses the start, naming the known ones', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gatelab-console-'))
    const start = createConsole({
      dataDir,
      sampleFile: resolve(__dirname, '../../resources/samples/sample-org.json'),
      envPorts: { test: 0, nosuchenv: 0 }
    })
    await expect(start).rejects.toBeInstanceOf(CliError)
    await expect(start).rejects.toThrow('--env-port nosuchenv: the workspace has no environment "nosuchenv"; its environments are test, prod.')
  })
})
