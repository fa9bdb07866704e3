import { describe, expect, it } from 'vitest'
import { createEngine, cryptoRandom } from '../../../src/engine'
import { createMemoryTokenStore } from '../../../src/engine/tokens'
import { deepFreeze, loadSample } from '../../../src/main/store'
import { workspaceIssues } from '../../../src/shared/model'
import { NOW, SAMPLE_FILE } from './helpers'

const verify = '<OAuthV2 name="OAuthV2-Verify-Access-Token">\n  <Operation>VerifyAccessToken</Operation>\n</OAuthV2>\n'
const verifyJwt =
  '<OAuthV2 name="OAuthV2-Verify-JWT-Access-Token">\n  <Operation>VerifyJWTAccessToken</Operation>\n  <Algorithm>HS256</Algorithm>\n  <SecretKey>\n    <Value ref="private.jwt-signing-key"/>\n  </SecretKey>\n</OAuthV2>\n'
const echo = '<TargetEndpoint name="default">\n  <HTTPTargetConnection>\n    <URL>echo://</URL>\n  </HTTPTargetConnection>\n</TargetEndpoint>\n'

describe('the sample organization (the "no apiproduct match" article)', () => {
  it('has exactly the article organization', async () => {
    const ws = await loadSample(SAMPLE_FILE, NOW)
    expect(workspaceIssues(ws)).toEqual([])
    expect(ws.organization.name).toBe('sample')
    expect(ws.environments.map(({ name, port, hostAliases }) => ({ name, port, hostAliases }))).toEqual([
      { name: 'test', port: 9001, hostAliases: ['test.gatelab.localhost'] },
      { name: 'prod', port: 9002, hostAliases: ['prod.gatelab.localhost'] }
    ])
    expect(ws.proxies.map(({ name, basePath, environments }) => ({ name, basePath, environments }))).toEqual([
      { name: 'API_One', basePath: '/api-one', environments: ['test', 'prod'] },
      { name: 'API_Two', basePath: '/api-two', environments: ['test', 'prod'] },
      { name: 'oauth', basePath: '/oauth', environments: ['test', 'prod'] }
    ])
    for (const name of ['API_One', 'API_Two']) {
      const proxy = ws.proxies.find((p) => p.name === name)!
      // API_One also checks the JWT access tokens of /oauth/jwt/token under /api-one/jwt/.
      expect(proxy.policies).toEqual({ 'OAuthV2-Verify-Access-Token': verify, ...(name === 'API_One' ? { 'OAuthV2-Verify-JWT-Access-Token': verifyJwt } : {}) })
      expect(proxy.targetEndpoints).toEqual({ default: echo })
      expect(proxy.proxyEndpoints.default).toContain('<Name>OAuthV2-Verify-Access-Token</Name>')
      expect(proxy.proxyEndpoints.default).toContain(`<BasePath>${proxy.basePath}</BasePath>`)
      expect(proxy.proxyEndpoints.default).toContain('<RouteRule name="default">\n    <TargetEndpoint>default</TargetEndpoint>\n  </RouteRule>')
    }
    const oauth = ws.proxies.find((p) => p.name === 'oauth')!
    expect(oauth.targetEndpoints).toEqual({})
    expect(oauth.proxyEndpoints.default).toContain('<RouteRule name="noroute"/>')
    expect(Object.keys(oauth.policies)).toEqual([
      'OAuthV2-Client-Credentials-Access-Token',
      'OAuthV2-Generate-Access-Token',
      'OAuthV2-Generate-Authorization-Code',
      'OAuthV2-Generate-JWT-Access-Token',
      'OAuthV2-Implicit-Grant',
      'OAuthV2-Invalidate-Token',
      'OAuthV2-RFC-Generate-Access-Token',
      'OAuthV2-RFC-Refresh-Access-Token',
      'OAuthV2-Refresh-Access-Token',
      'RaiseFault-Unknown-Resource'
    ])
    expect(oauth.policies['OAuthV2-Generate-Access-Token']).toBe(
      [
        '<OAuthV2 name="OAuthV2-Generate-Access-Token">',
        '  <Operation>GenerateAccessToken</Operation>',
        '  <ExpiresIn>3600000</ExpiresIn>',
        '  <RefreshTokenExpiresIn>86400000</RefreshTokenExpiresIn>',
        '  <SupportedGrantTypes>',
        '    <GrantType>authorization_code</GrantType>',
        '    <GrantType>client_credentials</GrantType>',
        '    <GrantType>implicit</GrantType>',
        '    <GrantType>password</GrantType>',
        '  </SupportedGrantTypes>',
        '  <GrantType>request.formparam.grant_type</GrantType>',
        '  <GenerateResponse enabled="true"/>',
        '</OAuthV2>',
        ''
      ].join('\n')
    )
    expect(oauth.policies['OAuthV2-RFC-Generate-Access-Token']).toContain('<RFCCompliantRequestResponse>true</RFCCompliantRequestResponse>')
    expect(oauth.policies['OAuthV2-Invalidate-Token']).toContain('<Token type="refreshtoken" cascade="true">request.formparam.token</Token>')
    expect(oauth.proxyEndpoints.default).toContain(
      '<Condition>(proxy.pathsuffix MatchesPath "/token") and (request.verb = "POST") and (request.formparam.grant_type = "refresh_token")</Condition>'
    )

    expect(ws.apiProducts.map(({ name, proxies, environments, approvalType, apiResources }) => ({ name, proxies, environments, approvalType, apiResources }))).toEqual([
      { name: 'Product_One', proxies: ['API_One'], environments: ['test'], approvalType: 'auto', apiResources: ['/'] },
      { name: 'Product_Two', proxies: ['API_Two'], environments: ['prod'], approvalType: 'auto', apiResources: ['/'] },
      { name: 'Product_Manual', proxies: ['API_One'], environments: ['test', 'prod'], approvalType: 'manual', apiResources: ['/'] }
    ])
    expect(ws.developers.map(({ developerId, email, userName, status }) => ({ developerId, email, userName, status }))).toEqual([
      { developerId: 'dev-one', email: 'dev.one@sample.example', userName: 'Dev_One', status: 'active' },
      { developerId: 'dev-two', email: 'dev.two@sample.example', userName: 'Dev_Two', status: 'active' }
    ])
    expect(
      ws.apps.map((a) => ({
        name: a.name,
        developerId: a.developerId,
        callbackUrl: a.callbackUrl,
        status: a.status,
        createdAt: a.createdAt,
        credentials: a.credentials.map(({ consumerKey, consumerSecret, status, expiresAt, issuedAt, apiProducts }) => ({
          consumerKey,
          consumerSecret,
          status,
          expiresAt,
          issuedAt,
          apiProducts
        }))
      }))
    ).toEqual([
      {
        name: 'App_One',
        developerId: 'dev-one',
        callbackUrl: 'https://app_one.sample.example/callback',
        status: 'approved',
        createdAt: NOW,
        credentials: [
          { consumerKey: 'app-one-key', consumerSecret: 'app-one-secret', status: 'approved', expiresAt: -1, issuedAt: NOW, apiProducts: [{ apiproduct: 'Product_One', status: 'approved' }] }
        ]
      },
      {
        name: 'App_Two',
        developerId: 'dev-two',
        callbackUrl: 'https://app_two.sample.example/callback',
        status: 'approved',
        createdAt: NOW,
        credentials: [
          { consumerKey: 'app-two-key', consumerSecret: 'app-two-secret', status: 'approved', expiresAt: -1, issuedAt: NOW, apiProducts: [{ apiproduct: 'Product_Two', status: 'approved' }] }
        ]
      },
      {
        name: 'App_Three',
        developerId: 'dev-one',
        callbackUrl: 'https://app_three.sample.example/callback',
        status: 'approved',
        createdAt: NOW,
        credentials: [
          {
            consumerKey: 'app-three-key',
            consumerSecret: 'app-three-secret',
            status: 'approved',
            expiresAt: -1,
            issuedAt: NOW,
            apiProducts: [{ apiproduct: 'Product_Manual', status: 'pending' }]
          }
        ]
      }
    ])
  })

  describe('replayed through the engine', () => {
    const setup = async () => {
      // Frozen, as the store hands it to the engine.
      const ws = deepFreeze(await loadSample(SAMPLE_FILE, NOW))
      const engine = createEngine({
        clock: { now: () => NOW },
        random: cryptoRandom,
        tokens: createMemoryTokenStore(),
        // Every target in the sample is the built-in echo: nothing may go out.
        http: { send: () => Promise.reject(new Error('no outbound calls in this test')) }
      })
      const report = engine.deploy(ws)
      const call = async (environment: string, method: string, url: string, headers: Array<[string, string]> = [], body = '') => {
        const { response } = await engine.handle(environment, {
          method,
          url,
          headers: [['host', 'localhost'], ...headers],
          body: new TextEncoder().encode(body),
          clientIp: '127.0.0.1',
          clientPort: 50000
        })
        return { status: response.status, body: new TextDecoder().decode(response.body), location: response.headers.find(([name]) => name.toLowerCase() === 'location')?.[1] }
      }
      const token = async (environment: string, key: string): Promise<string> => {
        const res = await call(environment, 'POST', '/oauth/token', [['content-type', 'application/x-www-form-urlencoded']], `grant_type=client_credentials&client_id=${key}-key&client_secret=${key}-secret`)
        expect(res.status).toBe(200)
        return (JSON.parse(res.body) as { access_token: string }).access_token
      }
      const api = (environment: string, path: string, accessToken: string) => call(environment, 'GET', path, [['authorization', `Bearer ${accessToken}`]])
      return { ws, engine, report, call, token, api }
    }
    const noMatch = { fault: { faultstring: 'Invalid API call as no apiproduct match found', detail: { errorcode: 'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound' } } }

    it('deploys every proxy to both environments without errors', async () => {
      const { report, engine } = await setup()
      expect(report.errors).toEqual([])
      expect(engine.deployments().map((d) => `${d.proxy}@${d.environment}:${d.state}`).sort()).toEqual(
        ['API_One@prod', 'API_One@test', 'API_Two@prod', 'API_Two@test', 'oauth@prod', 'oauth@test'].map((s) => `${s}:deployed`)
      )
    })

    it('answers App_One on API_One in test (the working case)', async () => {
      const { token, api } = await setup()
      expect((await api('test', '/api-one/hello', await token('test', 'app-one'))).status).toBe(200)
    })

    it('scenario 1: App_Two token on API_One gives no apiproduct match', async () => {
      const { token, api } = await setup()
      const res = await api('test', '/api-one/hello', await token('test', 'app-two'))
      expect(res.status).toBe(401)
      expect(JSON.parse(res.body)).toEqual(noMatch)
    })

    it('scenario 2: App_One token on API_One in prod gives no apiproduct match', async () => {
      const { token, api } = await setup()
      const res = await api('prod', '/api-one/hello', await token('prod', 'app-one'))
      expect(res.status).toBe(401)
      expect(JSON.parse(res.body)).toEqual(noMatch)
    })

    it('comment scenario: App_Three (manual product, pending) fails until the product is approved', async () => {
      const { ws, engine, token, api } = await setup()
      const accessToken = await token('test', 'app-three')
      const before = await api('test', '/api-one/hello', accessToken)
      expect(before.status).toBe(401)
      expect(JSON.parse(before.body)).toEqual(noMatch)
      const approved = structuredClone(ws)
      approved.apps.find((a) => a.name === 'App_Three')!.credentials[0]!.apiProducts[0]!.status = 'approved'
      engine.deploy(approved)
      expect((await api('test', '/api-one/hello', accessToken)).status).toBe(200)
    })

    it('serves every endpoint of the oauth proxy', async () => {
      const { call, api } = await setup()
      const form: Array<[string, string]> = [['content-type', 'application/x-www-form-urlencoded']]
      const app = 'client_id=app-one-key&client_secret=app-one-secret'

      const classic = await call('test', 'POST', '/oauth/client_credential/accesstoken?grant_type=client_credentials', form, app)
      expect(classic.status).toBe(200)
      expect(JSON.parse(classic.body)).toMatchObject({ token_type: 'BearerToken', expires_in: expect.stringMatching(/^3(599|600)$/) })

      const rfc = await call('test', 'POST', '/oauth/rfc/token', form, `grant_type=client_credentials&${app}`)
      expect(rfc.status).toBe(200)
      expect(JSON.parse(rfc.body)).toMatchObject({ token_type: 'Bearer' })

      const password = JSON.parse((await call('test', 'POST', '/oauth/token', form, `grant_type=password&username=alice&password=secret&${app}`)).body)
      expect(password.refresh_token).toEqual(expect.any(String))
      const refreshed = await call('test', 'POST', '/oauth/token', form, `grant_type=refresh_token&refresh_token=${password.refresh_token}&${app}`)
      expect(refreshed.status).toBe(200)
      const refreshedToken = JSON.parse(refreshed.body).access_token as string
      expect(refreshedToken).not.toBe(password.access_token)

      const redirect = encodeURIComponent('https://app_one.sample.example/callback')
      const authorize = await call('test', 'GET', `/oauth/authorize?response_type=code&client_id=app-one-key&redirect_uri=${redirect}&state=s1`)
      expect(authorize.status).toBe(302)
      const code = new URL(authorize.location!).searchParams.get('code')!
      expect(new URL(authorize.location!).searchParams.get('state')).toBe('s1')
      const exchanged = await call('test', 'POST', '/oauth/token', form, `grant_type=authorization_code&code=${code}&redirect_uri=${redirect}&${app}`)
      expect(exchanged.status).toBe(200)

      const implicit = await call('test', 'GET', `/oauth/authorize?response_type=token&client_id=app-one-key&redirect_uri=${redirect}`)
      expect(implicit.status).toBe(302)
      expect(implicit.location).toContain('access_token=')

      expect((await api('test', '/api-one/x', refreshedToken)).status).toBe(200)
      expect((await call('test', 'POST', '/oauth/revoke', form, `token=${refreshedToken}`)).status).toBe(200)
      const revoked = await api('test', '/api-one/x', refreshedToken)
      expect(revoked.status).toBe(401)
      expect(JSON.parse(revoked.body).fault.detail.errorcode).toBe('keymanagement.service.access_token_not_approved')
    })

    it('answers an unknown path under /oauth with a 404 and a clear body', async () => {
      const { call } = await setup()
      const res = await call('test', 'GET', '/oauth/nothing-here')
      expect(res.status).toBe(404)
      expect(JSON.parse(res.body)).toEqual({
        error: 'not_found',
        error_description:
          'No OAuth endpoint answers GET /oauth/nothing-here. Use POST /oauth/token, GET /oauth/authorize, POST /oauth/revoke, POST /oauth/client_credential/accesstoken or POST /oauth/rfc/token.'
      })
    })
  })
})
