/** Explanations of the other faults the gateway produces: token endpoint, token state, scope, RaiseFault, targets, unknown. */
import { describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../../src/engine'
import { explainTrace } from '../../../src/engine/explain'
import { createMemoryTokenStore, type MemoryTokenStore } from '../../../src/engine/tokens'
import { apiProxySchema, type Workspace } from '../../../src/shared/model'
import { NOW, sampleOrg } from '../kms/sample-org'
import { call, echoTarget, fakeHttp, proxyEndpoint, step } from '../runtime/helpers'
import { failedTrace } from './trace-fixture'

const generate = `<OAuthV2 name="GenerateToken"><Operation>GenerateAccessToken</Operation>
  <SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes><Scope>request.formparam.scope</Scope><GenerateResponse enabled="true"/></OAuthV2>`

function setup(verifyXml = '<OAuthV2 name="VerifyToken"><Operation>VerifyAccessToken</Operation></OAuthV2>') {
  const ws: Workspace = sampleOrg()
  ws.apiProducts[0]!.scopes = ['read', 'write']
  ws.proxies = [
    apiProxySchema.parse({
      name: 'API_One',
      basePath: '/api-one',
      environments: ['test', 'prod'],
      proxyEndpoints: { default: proxyEndpoint(`<PreFlow name="PreFlow"><Request>${step('VerifyToken')}</Request></PreFlow>`, { basePath: '/api-one' }) },
      targetEndpoints: { default: echoTarget },
      policies: { VerifyToken: verifyXml }
    }),
    apiProxySchema.parse({
      name: 'oauth',
      basePath: '/oauth',
      environments: ['test', 'prod'],
      proxyEndpoints: {
        default: proxyEndpoint(`<PreFlow name="PreFlow"><Request>${step('GenerateToken')}</Request></PreFlow>`, { basePath: '/oauth', route: '<RouteRule name="noroute"/>' })
      },
      policies: { GenerateToken: generate }
    })
  ]
  const tokens: MemoryTokenStore = createMemoryTokenStore()
  let n = 0
  const engine: Engine = createEngine({
    clock: { now: () => NOW },
    random: { bytes: (len) => Uint8Array.from({ length: len }, (_, i) => (++n * 13 + i) % 256) },
    tokens,
    http: fakeHttp()
  })
  const report = engine.deploy(ws)
  if (!report.ok) throw new Error(JSON.stringify(report.errors))
  return { ws, engine, tokens }
}

const form = { 'Content-Type': 'application/x-www-form-urlencoded' }

describe('token endpoint faults', () => {
  it('unknown client id in the form', async () => {
    const { engine, ws } = setup()
    const res = await call(engine, 'test', 'POST', '/oauth/token', form, 'grant_type=client_credentials&client_id=nobody&client_secret=x')
    expect(res.status).toBe(401)
    const d = explainTrace(ws, res.trace)!
    expect(d.code).toBe('client-invalid')
    expect(d.cause).toBe('No app in the organization has this consumer key')
  })

  it('right client id, wrong secret', async () => {
    const { engine, ws } = setup()
    const res = await call(engine, 'test', 'POST', '/oauth/token', form, 'grant_type=client_credentials&client_id=app-one-key&client_secret=wrong')
    expect(res.status).toBe(401)
    const d = explainTrace(ws, res.trace)!
    expect(d.code).toBe('client-invalid')
    expect(d.cause).toBe("The client secret sent does not match App_One's key")
    expect(d.fixes[0]).toMatchObject({ method: 'workbench.useCredential', input: { app: 'App_One', consumerKey: 'app-one-key' } })
  })

  it('revoked app asking for a token', async () => {
    const { engine, ws } = setup()
    ws.apps[0]!.status = 'revoked'
    engine.deploy(ws)
    const res = await call(engine, 'test', 'POST', '/oauth/token', form, 'grant_type=client_credentials&client_id=app-one-key&client_secret=app-one-secret')
    expect(res.status).toBe(401)
    const d = explainTrace(ws, res.trace)!
    expect(d.code).toBe('app-revoked')
    expect(d.fixes).toContainEqual({ id: 'approve-app:App_One', label: 'Approve the app App_One', method: 'apps.setStatus', input: { app: 'App_One', status: 'approved' }, resend: true })
  })

  it('missing grant_type', async () => {
    const { engine, ws } = setup()
    const res = await call(engine, 'test', 'POST', '/oauth/token', form, 'client_id=app-one-key&client_secret=app-one-secret')
    expect(res.status).toBe(400)
    const d = explainTrace(ws, res.trace)!
    expect(d.code).toBe('token-request-invalid')
    expect(d.cause).toBe('The token request has no grant_type parameter')
  })

  it('unsupported grant type names the supported ones', async () => {
    const { engine, ws } = setup()
    const res = await call(engine, 'test', 'POST', '/oauth/token', form, 'grant_type=password&client_id=app-one-key&client_secret=app-one-secret')
    const d = explainTrace(ws, res.trace)!
    expect(d.code).toBe('grant-type-unsupported')
    expect(d.cause).toBe("The grant type password is not among the policy's SupportedGrantTypes (client_credentials)")
  })

  it('invalid scope lists what the app can be granted', async () => {
    const { engine, ws } = setup()
    const res = await call(engine, 'test', 'POST', '/oauth/token', form, 'grant_type=client_credentials&client_id=app-one-key&client_secret=app-one-secret&scope=admin')
    expect(res.status).toBe(400)
    const d = explainTrace(ws, res.trace)!
    expect(d.code).toBe('scope-invalid')
    expect(d.cause).toBe("None of the requested scopes (admin) is in the scopes of App_One's products")
    expect(d.fixes[0]).toMatchObject({ method: 'workbench.requestToken', input: { app: 'App_One', consumerKey: 'app-one-key', scope: 'read write' }, resend: true })
  })
})

describe('access token state and scope', () => {
  async function token(engine: Engine, scope?: string): Promise<string> {
    const res = await call(engine, 'test', 'POST', '/oauth/token', form, `grant_type=client_credentials&client_id=app-one-key&client_secret=app-one-secret${scope ? `&scope=${scope}` : ''}`)
    return res.json.access_token as string
  }

  it('no Authorization header', async () => {
    const { engine, ws } = setup()
    const d = explainTrace(ws, (await call(engine, 'test', 'GET', '/api-one/x')).trace)!
    expect(d.code).toBe('token-missing')
    expect(d.evidence).toEqual([{ label: 'Authorization header', ok: false, detail: 'no Authorization header' }])
  })

  it('<AccessToken> variable not set on the request (InvalidAccessToken on Apigee X)', async () => {
    const { engine, ws } = setup('<OAuthV2 name="VerifyToken"><Operation>VerifyAccessToken</Operation><AccessToken>request.header.X-Token</AccessToken></OAuthV2>')
    const res = await call(engine, 'test', 'GET', '/api-one/x')
    expect(res.trace.fault?.name).toBe('InvalidAccessToken')
    const d = explainTrace(ws, res.trace)!
    expect(d.code).toBe('token-missing')
    expect(d.cause).toBe('The variable request.header.X-Token that VerifyToken reads the token from is not set on this request')
    const sent = explainTrace(ws, (await call(engine, 'test', 'GET', '/api-one/x', { 'x-token': 'nosuchtoken123' })).trace)!
    expect(sent.code).toBe('token-unknown')
  })

  it('unknown token', async () => {
    const { engine, ws } = setup()
    const d = explainTrace(ws, (await call(engine, 'test', 'GET', '/api-one/x', { Authorization: 'Bearer nosuchtoken123' })).trace)!
    expect(d.code).toBe('token-unknown')
    expect(d.fixes[0]!.method).toBe('workbench.requestToken')
  })

  it('revoked token', async () => {
    const { engine, ws, tokens } = setup()
    const t = await token(engine)
    const [record] = tokens.records().filter((r) => r.kind === 'access_token')
    tokens.put({ ...record!, status: 'revoked', revokeReason: 'REVOKED_BY_APP' })
    const res = await call(engine, 'test', 'GET', '/api-one/x', { Authorization: `Bearer ${t}` })
    const d = explainTrace(ws, res.trace, { accessToken: t, tokenByHash: (h) => tokens.get('access_token', h) })!
    expect(d.code).toBe('token-revoked')
    expect(d.cause).toBe('The access token was revoked (REVOKED_BY_APP)')
  })

  it('expired token', async () => {
    const { engine, ws, tokens } = setup()
    const t = await token(engine)
    const [record] = tokens.records().filter((r) => r.kind === 'access_token')
    tokens.put({ ...record!, expiresAt: NOW - 1 })
    const res = await call(engine, 'test', 'GET', '/api-one/x', { Authorization: `Bearer ${t}` })
    const d = explainTrace(ws, res.trace, { accessToken: t, tokenByHash: (h) => tokens.get('access_token', h) })!
    expect(d.code).toBe('token-expired')
    expect(d.cause).toBe(`The access token has expired (at ${new Date(NOW - 1).toISOString()})`)
  })

  it('insufficient scope proposes a token with a scope the app can get', async () => {
    const { engine, ws, tokens } = setup('<OAuthV2 name="VerifyToken"><Operation>VerifyAccessToken</Operation><Scope>write admin</Scope></OAuthV2>')
    const t = await token(engine, 'read')
    const res = await call(engine, 'test', 'GET', '/api-one/x', { Authorization: `Bearer ${t}` })
    expect(res.status).toBe(403)
    const d = explainTrace(ws, res.trace, { accessToken: t, tokenByHash: (h) => tokens.get('access_token', h) })!
    expect(d.code).toBe('insufficient-scope')
    expect(d.cause).toBe('The token\'s scope "read" holds none of the scopes VerifyToken requires (write, admin)')
    expect(d.fixes[0]).toMatchObject({ method: 'workbench.requestToken', input: { app: 'App_One', scope: 'write' }, resend: true })
  })
})

describe('other faults', () => {
  it('a successful request has no diagnosis', () => {
    const trace = failedTrace({ proxy: 'API_One', environment: 'test', status: 200, fault: { name: 'x', errorcode: 'x', faultstring: 'x' } })
    expect(explainTrace(sampleOrg(), { ...trace, fault: null, faultName: null })).toBeNull()
  })

  it('RaiseFault says it was on purpose and shows the condition', () => {
    const trace = failedTrace({
      proxy: 'API_One',
      environment: 'test',
      status: 403,
      policyType: 'RaiseFault',
      fault: { name: 'RaiseFault', errorcode: 'steps.raisefault.RaiseFault', faultstring: 'Raising fault. Fault name : RF-Block', policy: 'RF-Block' },
      body: '{"message":"blocked"}'
    })
    trace.steps[0]!.condition = 'request.verb = "DELETE"'
    trace.steps[0]!.conditionResult = true
    const d = explainTrace(sampleOrg(), trace)!
    expect(d.code).toBe('raise-fault')
    expect(d.cause).toBe('The RaiseFault policy RF-Block built this response on purpose in PreFlow because its condition request.verb = "DELETE" was true')
    expect(d.clientView).toEqual({ status: 403, summary: '{"message":"blocked"}' })
  })

  it('target refused the connection', () => {
    const trace = failedTrace({
      proxy: 'API_One',
      environment: 'test',
      status: 503,
      fault: { name: 'ServiceUnavailable', errorcode: 'messaging.adaptors.http.flow.ServiceUnavailable', faultstring: 'The Service is temporarily unavailable' },
      variables: { 'target.url': 'http://127.0.0.1:1/x' }
    })
    const d = explainTrace(sampleOrg(), trace)!
    expect(d.code).toBe('target-failed')
    expect(d.cause).toBe('The target refused the connection: nothing listens at its address')
    expect(d.gatewayView).toContain('Target URL: http://127.0.0.1:1/x')
  })

  it('GetOAuthV2Info failure', () => {
    const trace = failedTrace({
      proxy: 'API_One',
      environment: 'test',
      status: 500,
      policyType: 'GetOAuthV2Info',
      fault: { name: 'invalid_access_token', errorcode: 'keymanagement.service.invalid_access_token', faultstring: 'Invalid Access Token', policy: 'GetInfo' }
    })
    const d = explainTrace(sampleOrg(), trace)!
    expect(d.code).toBe('info-lookup-failed')
    expect(d.cause).toBe('GetInfo could not read what it was asked for: the access token is unknown (never issued, deleted or purged) or revoked')
  })

  it('an unknown fault gets an honest generic diagnosis', () => {
    const trace = failedTrace({
      proxy: 'API_One',
      environment: 'test',
      status: 500,
      policyType: 'JavaScript',
      fault: { name: 'ScriptExecutionFailed', errorcode: 'steps.javascript.ScriptExecutionFailed', faultstring: 'TypeError: x is undefined', policy: 'JS-Check' }
    })
    const d = explainTrace(sampleOrg(), trace)!
    expect(d.code).toBe('unknown-fault')
    expect(d.cause).toBe('Policy JS-Check (JavaScript) raised ScriptExecutionFailed (steps.javascript.ScriptExecutionFailed: TypeError: x is undefined)')
    expect(d.fixes).toEqual([])
  })
})
