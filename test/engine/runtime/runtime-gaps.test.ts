/**
 * Runtime gaps that public bundles and Apigee-authored test suites exposed (issue 14, point 2), through the
 * engine: empty <SupportedGrantTypes/>, the unscoped oauthV2.failed and the reference's FaultRule example,
 * the verifyapikey.<policy>.* forms, a quoted Authorization header, an unresolvable <AccessToken>, and a
 * TargetEndpoint's Google <Authentication>.
 */
import { describe, expect, it } from 'vitest'
import type { Engine } from '../../../src/engine'
import { apiProxySchema, type ApiProxy, type Workspace } from '../../../src/shared/model'
import { T0, call, deployOk, echoTarget, fakeHttp, makeEngine, workspace } from './helpers'

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' }
const CLIENT = 'client_id=key-1&client_secret=secret-1'

function api(name: string, policies: Record<string, string>, opts: { request?: string; faultRules?: string; target?: string; nullRoute?: boolean } = {}): ApiProxy {
  const steps = opts.request ?? Object.keys(policies).map((p) => `<Step><Name>${p}</Name></Step>`).join('')
  return apiProxySchema.parse({
    name,
    basePath: `/${name}`,
    environments: ['test'],
    proxyEndpoints: {
      default: `<ProxyEndpoint name="default">${opts.faultRules ?? ''}<PreFlow><Request>${steps}</Request></PreFlow><HTTPProxyConnection><BasePath>/${name}</BasePath></HTTPProxyConnection>${opts.nullRoute ? '<RouteRule name="noroute"/>' : '<RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>'}</ProxyEndpoint>`
    },
    targetEndpoints: { default: opts.target ?? echoTarget },
    policies
  })
}

const oauth = (name: string, operation: string, inner = ''): string => `<OAuthV2 name="${name}"><Operation>${operation}</Operation>${inner}</OAuthV2>`
const tokenPolicy = oauth('Token', 'GenerateAccessToken', '<SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes><GenerateResponse enabled="true"/>')

function org(proxies: ApiProxy[], variables: Array<{ name: string; value: string }> = []): Workspace {
  const ws = workspace([api('oauth', { Token: tokenPolicy }, { nullRoute: true }), ...proxies], {
    apiProducts: [
      { name: 'Everything', environments: ['test'], proxies: [] },
      {
        name: 'Items',
        environments: ['test'],
        operationGroup: {
          operationConfigType: 'proxy',
          operationConfigs: [{ apiSource: 'keyed', operations: [{ resource: '/items/*', methods: ['GET'] }], attributes: [{ name: 'tier', value: 'gold' }] }]
        }
      }
    ],
    developers: [{ developerId: 'dev-1', email: 'ada@example.com', firstName: 'Ada', lastName: 'L', userName: 'ada' }],
    apps: [
      {
        appId: 'app-1',
        name: 'App_One',
        developerId: 'dev-1',
        callbackUrl: 'https://app.example/cb',
        credentials: [{ consumerKey: 'key-1', consumerSecret: 'secret-1', issuedAt: T0 - 5000, apiProducts: [{ apiproduct: 'Everything', status: 'approved' }] }]
      },
      {
        appId: 'app-2',
        name: 'App_Items',
        developerId: 'dev-1',
        credentials: [{ consumerKey: 'key-2', consumerSecret: 'secret-2', issuedAt: T0 - 5000, expiresAt: T0 + 90_500, apiProducts: [{ apiproduct: 'Items', status: 'approved' }] }]
      }
    ]
  } as unknown as Partial<Workspace>) // schema input: workspace() parses it and fills every default
  ws.environments[0]!.variables.push(...variables)
  return ws
}

function engineFor(ws: Workspace, engine: Engine = makeEngine()): Engine {
  deployOk(engine, ws)
  return engine
}

async function token(engine: Engine): Promise<string> {
  const res = await call(engine, 'test', 'POST', '/oauth/token', FORM, `grant_type=client_credentials&${CLIENT}`)
  expect(res.status).toBe(200)
  expect(res.json.access_token).toEqual(expect.any(String))
  return res.json.access_token as string
}

describe('an empty <SupportedGrantTypes/> is the default: authorization_code and implicit', () => {
  const proxies = [
    api('verify', { Verify: oauth('Verify', 'VerifyAccessToken', '<SupportedGrantTypes/>') }),
    api('authorize', { Code: oauth('Code', 'GenerateAuthorizationCode', '<SupportedGrantTypes/><GenerateResponse enabled="true"/>') }, { nullRoute: true }),
    api('implicit', { Implicit: oauth('Implicit', 'GenerateAccessTokenImplicitGrant', '<SupportedGrantTypes/><GenerateResponse enabled="true"/>') }, { nullRoute: true }),
    api('cc', { Cc: oauth('Cc', 'GenerateAccessToken', '<SupportedGrantTypes/><GenerateResponse enabled="true"/>') })
  ]

  it('VerifyAccessToken deploys with it and verifies', async () => {
    const engine = engineFor(org(proxies))
    const res = await call(engine, 'test', 'GET', '/verify/x', { Authorization: `Bearer ${await token(engine)}` })
    expect(res.status).toBe(200)
  })

  it('GenerateAuthorizationCode issues a code', async () => {
    const engine = engineFor(org(proxies))
    const res = await call(engine, 'test', 'GET', '/authorize?client_id=key-1&response_type=code')
    expect(res.status).toBe(302)
    expect(res.header('Location')).toMatch(/^https:\/\/app\.example\/cb\?code=[^&]+$/)
  })

  it('the implicit grant issues a token', async () => {
    const engine = engineFor(org(proxies))
    const res = await call(engine, 'test', 'GET', '/implicit?client_id=key-1&response_type=token')
    expect(res.status).toBe(302)
    expect(res.header('Location')).toMatch(/^https:\/\/app\.example\/cb#access_token=/)
  })

  it('client_credentials is not among the defaults', async () => {
    const engine = engineFor(org(proxies))
    const res = await call(engine, 'test', 'POST', '/cc', FORM, `grant_type=client_credentials&${CLIENT}`)
    expect(res.status).toBe(400)
    expect(res.json).toEqual({ ErrorCode: 'invalid_request', Error: 'Unsupported grant type : client_credentials' })
  })
})

describe('oauthV2.failed and the reference example FaultRule', () => {
  // The OAuthV2 reference's "Example fault rule", with AssignMessage steps of our own.
  const faultRules = `<FaultRules><FaultRule name="OAuthV2 Faults">
      <Step><Name>AM-InvalidClientResponse</Name><Condition>(fault.name = "invalid_client") OR (fault.name = "InvalidClientIdentifier")</Condition></Step>
      <Step><Name>AM-InvalidTokenResponse</Name><Condition>(fault.name = "invalid_access_token")</Condition></Step>
      <Condition>(oauthV2.failed = true) </Condition>
    </FaultRule></FaultRules>`
  const responses = {
    'AM-InvalidClientResponse': '<AssignMessage name="AM-InvalidClientResponse"><Set><StatusCode>401</StatusCode><Payload contentType="application/json">{"error":"bad client"}</Payload></Set></AssignMessage>',
    'AM-InvalidTokenResponse': '<AssignMessage name="AM-InvalidTokenResponse"><Set><StatusCode>401</StatusCode><Payload contentType="application/json">{"error":"bad token"}</Payload></Set></AssignMessage>'
  }
  const proxies = [
    api('verify', { Verify: oauth('Verify', 'VerifyAccessToken'), ...responses }, { request: '<Step><Name>Verify</Name></Step>', faultRules }),
    api('token', { Issue: oauth('Issue', 'GenerateAccessToken', '<SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes>'), ...responses }, {
      request: '<Step><Name>Issue</Name></Step>',
      faultRules
    })
  ]

  it('catches invalid_access_token from VerifyAccessToken', async () => {
    const engine = engineFor(org(proxies))
    const res = await call(engine, 'test', 'GET', '/verify/x', { Authorization: 'Bearer never-issued' })
    expect(res.status).toBe(401)
    expect(res.text).toBe('{"error":"bad token"}')
    expect(res.trace.fault?.variables).toMatchObject({ 'oauthV2.failed': 'true', 'oauthV2.Verify.failed': 'true', 'fault.name': 'invalid_access_token' })
    const ran = res.trace.steps.filter((s) => s.policy?.startsWith('AM-') && s.executed).map((s) => s.policy)
    expect(ran).toEqual(['AM-InvalidTokenResponse'])
  })

  it('catches InvalidClientIdentifier from GenerateAccessToken', async () => {
    const engine = engineFor(org(proxies))
    const res = await call(engine, 'test', 'POST', '/token', FORM, 'grant_type=client_credentials&client_id=nobody&client_secret=x')
    expect(res.status).toBe(401)
    expect(res.text).toBe('{"error":"bad client"}')
  })

  it('is false after a successful OAuthV2 step, and true after one that continued on error', async () => {
    const continuing = api(
      'soft',
      {
        Verify: '<OAuthV2 name="Verify" continueOnError="true"><Operation>VerifyAccessToken</Operation></OAuthV2>',
        Mark: '<AssignMessage name="Mark"><Set><Headers><Header name="X-OAuth-Failed">{oauthV2.failed}/{oauthV2.Verify.failed}</Header></Headers></Set></AssignMessage>'
      },
      { request: '<Step><Name>Verify</Name></Step><Step><Name>Mark</Name></Step>' }
    )
    const engine = engineFor(org([...proxies, continuing]))
    const ok = await call(engine, 'test', 'GET', '/soft/x', { Authorization: `Bearer ${await token(engine)}` })
    expect(ok.status).toBe(200)
    expect(ok.json.headers['x-oauth-failed']).toBe('false/false')
    const failed = await call(engine, 'test', 'GET', '/soft/x', { Authorization: 'Bearer never-issued' })
    expect(failed.status).toBe(200)
    expect(failed.json.headers['x-oauth-failed']).toBe('true/true')
  })
})

describe('VerifyAPIKey sets verifyapikey.<policy>.* for each variable it sets unprefixed', () => {
  it('operation variables, identity, product and the key record', async () => {
    const engine = engineFor(org([api('keyed', { VK: '<VerifyAPIKey name="VK"><APIKey ref="request.queryparam.apikey"/></VerifyAPIKey>' })]))
    const res = await call(engine, 'test', 'GET', '/keyed/items/7?apikey=key-2')
    expect(res.status).toBe(200)
    const step = res.trace.steps.find((s) => s.policy === 'VK')!
    const written = new Map(step.writes.map((w) => [w.name, w.value]))
    const unprefixed = [...written.keys()].filter((n) => !n.startsWith('verifyapikey.'))
    expect(unprefixed.sort()).toEqual(
      [
        'apiproduct.name',
        'apiproduct.operation',
        'apiproduct.operation.attributes.tier',
        'apiproduct.operation.methods',
        'apiproduct.operation.resource',
        'client_id',
        'developer.app.name',
        'developer.id'
      ].sort()
    )
    for (const name of unprefixed) expect(written.has(`verifyapikey.VK.${name}`), name).toBe(true)
    const v = res.trace.variables
    expect(v['verifyapikey.VK.apiproduct.operation.resource']).toBe('/items/*')
    expect(v['verifyapikey.VK.apiproduct.operation']).toBe('/items/*')
    expect(v['verifyapikey.VK.apiproduct.operation.methods']).toBe('[GET]')
    expect(v['verifyapikey.VK.apiproduct.operation.attributes.tier']).toBe('gold')
    expect(v['verifyapikey.VK.apiproduct.name']).toBe('Items')
    expect(v['verifyapikey.VK.developer.app.name']).toBe('App_Items')
    expect(v['verifyapikey.VK.developer.id']).toBe('dev-1')
    expect(v['verifyapikey.VK.status']).toBe('approved')
    expect(v['verifyapikey.VK.issued_at']).toBe(String(T0 - 5000))
    expect(v['verifyapikey.VK.expires_in']).toBe('90')
    expect(v['verifyapikey.VK.failed']).toBe('false')
  })

  it('a key that never expires reports expires_in -1', async () => {
    const engine = engineFor(org([api('open', { VK: '<VerifyAPIKey name="VK"><APIKey ref="request.queryparam.apikey"/></VerifyAPIKey>' })]))
    const res = await call(engine, 'test', 'GET', '/open/x?apikey=key-1')
    expect(res.status).toBe(200)
    expect(res.trace.variables['verifyapikey.VK.expires_in']).toBe('-1')
  })
})

describe('Authorization: "Bearer <token>" sent with the quotes', () => {
  it('is read as the bearer token, by default and through <AccessToken> with a prefix', async () => {
    const engine = engineFor(
      org([
        api('verify', { Verify: oauth('Verify', 'VerifyAccessToken') }),
        api('prefixed', { Verify: oauth('Verify', 'VerifyAccessToken', '<AccessToken>request.header.Authorization</AccessToken><AccessTokenPrefix>Bearer</AccessTokenPrefix>') })
      ])
    )
    const t = await token(engine)
    expect((await call(engine, 'test', 'GET', '/verify/x', { Authorization: `"Bearer ${t}"` })).status).toBe(200)
    expect((await call(engine, 'test', 'GET', '/prefixed/x', { Authorization: `"Bearer ${t}"` })).status).toBe(200)
  })

  it('an unknown quoted token is still invalid_access_token, and an unbalanced quote is not of the Bearer form', async () => {
    const engine = engineFor(org([api('verify', { Verify: oauth('Verify', 'VerifyAccessToken') })]))
    const unknown = await call(engine, 'test', 'GET', '/verify/x', { Authorization: '"Bearer never-issued"' })
    expect(unknown.status).toBe(401)
    expect(unknown.json.fault.detail.errorcode).toBe('keymanagement.service.invalid_access_token')
    const lone = await call(engine, 'test', 'GET', '/verify/x', { Authorization: '"Bearer abc' })
    expect(lone.status).toBe(401)
    expect(lone.json.fault.detail.errorcode).toBe('oauth.v2.InvalidAccessToken')
  })
})

describe('an unresolvable <AccessToken> variable (Apigee X)', () => {
  it('is 401 InvalidAccessToken with WWW-Authenticate, not Edge 500 FailedToResolveAccessToken', async () => {
    const engine = engineFor(org([api('verify', { Verify: oauth('Verify', 'VerifyAccessToken', '<AccessToken>request.header.x-token</AccessToken>') })]))
    const res = await call(engine, 'test', 'GET', '/verify/x')
    expect(res.status).toBe(401)
    expect(res.text).toBe('{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}')
    expect(res.header('WWW-Authenticate')).toBe('Bearer realm="null",error="invalid_token",error_description="oauth.v2.InvalidAccessToken: Invalid access token"')
    expect(res.trace.fault?.name).toBe('InvalidAccessToken')
  })
})

describe('TargetEndpoint <Authentication> with Google tokens', () => {
  const target = (auth: string, url = 'echo://'): string =>
    `<TargetEndpoint name="default"><HTTPTargetConnection><Authentication>${auth}</Authentication><URL>${url}</URL></HTTPTargetConnection></TargetEndpoint>`
  const accessToken = '<GoogleAccessToken><Scopes><Scope>https://www.googleapis.com/auth/cloud-platform</Scope></Scopes></GoogleAccessToken>'

  it('GoogleAccessToken: deploys, sends a fake bearer token, and the trace says a Google token would be attached', async () => {
    const engine = engineFor(org([api('google', {}, { target: target(accessToken) })]))
    const res = await call(engine, 'test', 'GET', '/google/x', { Authorization: 'Basic Y2xpZW50OnNlY3JldA==' })
    expect(res.status).toBe(200)
    expect(res.json.headers.authorization).toBe('Bearer gatelab-fake-google-access-token')
    const step = res.trace.steps.find((s) => s.kind === 'target')!
    expect(step.description).toContain(
      'Apigee would attach a Google access token for scopes https://www.googleapis.com/auth/cloud-platform in Authorization; Gatelab sent a fake token'
    )
    expect(res.trace.targetRequest?.headers.some(([n]) => n.toLowerCase() === 'authorization')).toBe(true)
  })

  it('GoogleIDToken: the environment sets the token, HeaderName keeps the client Authorization, the audience is the target URL', async () => {
    const http = fakeHttp()
    const ws = org(
      [api('run', {}, { target: target('<HeaderName>X-Serverless-Authorization</HeaderName><GoogleIDToken><Audience useTargetUrl="true"/></GoogleIDToken>', 'https://svc.example.run.app/api') })],
      [{ name: 'private.gatelab.google_id_token', value: 'my-test-id-token' }]
    )
    const engine = engineFor(ws, makeEngine(http))
    const res = await call(engine, 'test', 'GET', '/run/x?q=1', { Authorization: 'Bearer client-token' })
    expect(res.status).toBe(200)
    const sent = http.sent[0]!
    expect(sent.url).toBe('https://svc.example.run.app/api/x?q=1')
    expect(sent.headers.filter(([n]) => n.toLowerCase() === 'x-serverless-authorization')).toEqual([['X-Serverless-Authorization', 'Bearer my-test-id-token']])
    expect(sent.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1]).toBe('Bearer client-token')
    const step = res.trace.steps.find((s) => s.kind === 'target')!
    expect(step.description).toBe(
      'GET https://svc.example.run.app/api/x?q=1 answered 200; Apigee would attach a Google ID token for audience https://svc.example.run.app/api/x in X-Serverless-Authorization; Gatelab sent the token set in private.gatelab.google_id_token'
    )
  })

  it.each([
    ['<Authentication/> empty', '', '<Authentication> needs exactly one of <GoogleAccessToken> or <GoogleIDToken>'],
    ['both token kinds', `${accessToken}<GoogleIDToken><Audience>a</Audience></GoogleIDToken>`, '<Authentication> needs exactly one of <GoogleAccessToken> or <GoogleIDToken>'],
    ['GoogleAccessToken without scopes', '<GoogleAccessToken/>', '<GoogleAccessToken> needs <Scopes> with at least one <Scope>'],
    ['GoogleIDToken without audience', '<GoogleIDToken/>', '<GoogleIDToken> needs an <Audience> (a value, a ref or useTargetUrl="true")'],
    ['a header name with a space', `<HeaderName>X Auth</HeaderName>${accessToken}`, '<HeaderName> must be an HTTP header name, found "X Auth"']
  ])('%s is a deployment error naming the file and element', (_label, auth, message) => {
    const engine = makeEngine()
    const report = engine.deploy(org([api('google', {}, { target: target(auth) })]))
    expect(report.ok).toBe(false)
    expect(report.errors).toHaveLength(1)
    expect(report.errors[0]).toMatchObject({ code: 'InvalidAuthentication', file: 'targets/default.xml', message })
    expect(report.errors[0]!.line).toBeGreaterThan(0)
  })
})
