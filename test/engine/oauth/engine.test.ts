/** End to end through createEngine: a token endpoint proxy and a protected proxy, real runtime, real fault flow. */
import { describe, expect, it } from 'vitest'
import { createEngine, type Engine, type GatewayRequest } from '../../../src/engine'
import { cryptoRandom } from '../../../src/engine/ports'
import { createMemoryTokenStore } from '../../../src/engine/tokens'
import { apiProxySchema, type Workspace } from '../../../src/shared/model'
import { FakeClock, basic, workspace } from './harness'

const echoTarget = '<TargetEndpoint name="default"><HTTPTargetConnection><URL>echo://</URL></HTTPTargetConnection></TargetEndpoint>'

function oauthWorkspace(tokenPolicy = '<ExpiresIn>3600000</ExpiresIn>'): Workspace {
  const ws = workspace()
  ws.proxies = [
    apiProxySchema.parse({
      name: 'oauth',
      basePath: '/oauth',
      environments: ['test'],
      proxyEndpoints: {
        default: `<ProxyEndpoint name="default"><Flows>
          <Flow name="token"><Request><Step><Name>GenerateToken</Name></Step></Request><Condition>proxy.pathsuffix MatchesPath "/token"</Condition></Flow>
          <Flow name="authorize"><Request><Step><Name>AuthCode</Name></Step></Request><Condition>proxy.pathsuffix MatchesPath "/authorize"</Condition></Flow>
        </Flows><HTTPProxyConnection><BasePath>/oauth</BasePath></HTTPProxyConnection><RouteRule name="noroute"/></ProxyEndpoint>`
      },
      policies: {
        GenerateToken: `<OAuthV2 name="GenerateToken"><Operation>GenerateAccessToken</Operation>${tokenPolicy}<SupportedGrantTypes><GrantType>client_credentials</GrantType><GrantType>authorization_code</GrantType></SupportedGrantTypes><GenerateResponse enabled="true"/></OAuthV2>`,
        AuthCode: '<OAuthV2 name="AuthCode"><Operation>GenerateAuthorizationCode</Operation><GenerateResponse enabled="true"/></OAuthV2>'
      }
    }),
    apiProxySchema.parse({
      name: 'weather',
      basePath: '/weather',
      environments: ['test'],
      proxyEndpoints: {
        default: `<ProxyEndpoint name="default"><PreFlow><Request><Step><Name>Verify</Name></Step></Request></PreFlow><HTTPProxyConnection><BasePath>/weather</BasePath></HTTPProxyConnection><RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule></ProxyEndpoint>`
      },
      targetEndpoints: { default: echoTarget },
      policies: { Verify: '<OAuthV2 name="Verify"><Operation>VerifyAccessToken</Operation><Scope>read</Scope></OAuthV2>' }
    })
  ]
  return ws
}

function req(method: string, url: string, headers: Array<[string, string]> = [], body = ''): GatewayRequest {
  return { method, url, headers, body: new TextEncoder().encode(body), clientIp: '127.0.0.1', clientPort: 50000 }
}

async function send(engine: Engine, r: GatewayRequest) {
  const { response, trace } = await engine.handle('test', r)
  const header = (n: string) => response.headers.find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1]
  return { status: response.status, body: new TextDecoder().decode(response.body), header, trace }
}

const FORM: [string, string] = ['Content-Type', 'application/x-www-form-urlencoded']

function setup(ws = oauthWorkspace()) {
  const clock = new FakeClock()
  const engine = createEngine({ clock, random: cryptoRandom, tokens: createMemoryTokenStore(), http: { send: () => Promise.reject(new Error('offline')) } })
  const report = engine.deploy(ws)
  return { engine, report, clock }
}

describe('OAuthV2 through the engine', () => {
  it('issues a token at /oauth/token and accepts it at /weather', async () => {
    const { engine, report } = setup()
    expect(report.errors).toEqual([])
    const tok = await send(engine, req('POST', '/oauth/token', [FORM, ['Authorization', basic('key-1', 'secret-1')]], 'grant_type=client_credentials'))
    expect(tok.status).toBe(200)
    const body = JSON.parse(tok.body)
    expect(body.token_type).toBe('BearerToken')
    expect(body.expires_in).toBe('3599')
    const ok = await send(engine, req('GET', '/weather/forecast', [['Authorization', `Bearer ${body.access_token}`]]))
    expect(ok.status).toBe(200)
  })

  it('answers the token-endpoint error body and the verify fault with WWW-Authenticate', async () => {
    const { engine } = setup()
    const bad = await send(engine, req('POST', '/oauth/token', [FORM], 'grant_type=client_credentials&client_id=key-1&client_secret=nope'))
    expect(bad.status).toBe(401)
    expect(bad.body).toBe('{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}')
    const denied = await send(engine, req('GET', '/weather/forecast', [['Authorization', 'Bearer nope']]))
    expect(denied.status).toBe(401)
    expect(denied.body).toBe('{"fault":{"faultstring":"Invalid Access Token","detail":{"errorcode":"keymanagement.service.invalid_access_token"}}}')
    expect(denied.header('WWW-Authenticate')).toBe('Bearer realm="null",error="invalid_token",error_description="keymanagement.service.invalid_access_token: Invalid Access Token"')
  })

  it('runs the authorization code flow: 302 with the code, then exchange', async () => {
    const { engine } = setup()
    const auth = await send(engine, req('GET', '/oauth/authorize?client_id=key-1&response_type=code&state=abc'))
    expect(auth.status).toBe(302)
    const location = new URL(auth.header('Location')!)
    expect(location.origin + location.pathname).toBe('https://app.example/cb')
    expect(location.searchParams.get('state')).toBe('abc')
    const code = location.searchParams.get('code')!
    const form = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent('https://app.example/cb')}`
    const tok = await send(engine, req('POST', '/oauth/token', [FORM, ['Authorization', basic('key-1', 'secret-1')]], form))
    expect(tok.status).toBe(200)
    expect(JSON.parse(tok.body).refresh_token).toMatch(/^[A-Za-z0-9]{32}$/)
  })

  it('reports OAuthV2 deployment errors with their Apigee names', () => {
    const { report } = setup(oauthWorkspace('<ExpiresIn>soon</ExpiresIn>'))
    expect(report.errors.map((e) => [e.code, e.path])).toContainEqual(['InvalidValueForExpiresIn', '/OAuthV2/ExpiresIn'])
  })
})
