/**
 * The runtime gaps of issue 14 (point 2) as a client sees them, through the real listener of a running console:
 * the reference's example FaultRule answering, a quoted `Authorization: "Bearer <token>"`, the implicit grant
 * under an empty `<SupportedGrantTypes/>`, and the stand-in Google token a target with `<Authentication>` receives.
 */
import http from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatelabConsole } from '../../../src/main/console'
import type { ApiProxy, Workspace } from '../../../src/shared/model'
import { listenLocal, consoleWith, testGatewayUrl } from './local-console'

const CALLBACK = 'https://gaps.example/cb'
const oauth = (name: string, operation: string, inner = ''): string => `<OAuthV2 name="${name}"><Operation>${operation}</Operation>${inner}</OAuthV2>`

function proxy(name: string, policies: Record<string, string>, options: { steps?: string[]; faultRules?: string; target?: string } = {}): ApiProxy {
  const steps = (options.steps ?? Object.keys(policies)).map((p) => `<Step><Name>${p}</Name></Step>`).join('')
  const route = options.target ? '<RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>' : '<RouteRule name="noroute"/>'
  return {
    name,
    description: '',
    basePath: `/${name}`,
    environments: ['test'],
    proxyEndpoints: {
      default: `<ProxyEndpoint name="default">${options.faultRules ?? ''}<PreFlow name="PreFlow"><Request>${steps}</Request><Response/></PreFlow><HTTPProxyConnection><BasePath>/${name}</BasePath></HTTPProxyConnection>${route}</ProxyEndpoint>`
    },
    targetEndpoints: options.target ? { default: `<TargetEndpoint name="default"><HTTPTargetConnection>${options.target}</HTTPTargetConnection></TargetEndpoint>` } : {},
    policies,
    resources: {}
  }
}

// The OAuthV2 reference's "Example fault rule" (its AssignMessage policies are ours).
const FAULT_RULES = `<FaultRules><FaultRule name="OAuthV2 Faults">
  <Step><Name>AM-InvalidClientResponse</Name><Condition>(fault.name = "invalid_client") OR (fault.name = "InvalidClientIdentifier")</Condition></Step>
  <Step><Name>AM-InvalidTokenResponse</Name><Condition>(fault.name = "invalid_access_token")</Condition></Step>
  <Condition>(oauthV2.failed = true) </Condition>
</FaultRule></FaultRules>`
const assign = (name: string, body: string): string =>
  `<AssignMessage name="${name}"><Set><StatusCode>401</StatusCode><Payload contentType="application/json">${body}</Payload></Set></AssignMessage>`

function gapsWorkspace(targetPort: number): Workspace {
  return {
    schemaVersion: 2,
    organization: { name: 'gaps', displayName: '', tokenCacheSeconds: 0 },
    environments: [{ name: 'test', description: '', port: 9201, hostAliases: [], restrictHosts: false, variables: [] }],
    proxies: [
      proxy('token', { Token: oauth('Token', 'GenerateAccessToken', '<SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes><GenerateResponse enabled="true"/>') }),
      proxy('implicit', { Implicit: oauth('Implicit', 'GenerateAccessTokenImplicitGrant', '<SupportedGrantTypes/><GenerateResponse enabled="true"/>') }),
      proxy(
        'orders',
        {
          Verify: oauth('Verify', 'VerifyAccessToken'),
          'AM-InvalidClientResponse': assign('AM-InvalidClientResponse', '{"error":"bad client"}'),
          'AM-InvalidTokenResponse': assign('AM-InvalidTokenResponse', '{"error":"bad token"}')
        },
        { steps: ['Verify'], faultRules: FAULT_RULES, target: '<URL>echo://</URL>' }
      ),
      proxy('run', {}, {
        target: `<Authentication><GoogleIDToken><Audience>https://svc.example.run.app</Audience></GoogleIDToken></Authentication><URL>http://127.0.0.1:${targetPort}/svc</URL>`
      })
    ],
    apiProducts: [
      { name: 'All', displayName: 'All', description: '', approvalType: 'auto', environments: ['test'], proxies: [], apiResources: [], scopes: [], attributes: [], quota: '', quotaInterval: '', quotaTimeUnit: '' }
    ],
    developers: [{ developerId: 'dev-1', email: 'ada@gaps.example', firstName: 'Ada', lastName: 'L', userName: 'ada', status: 'active', attributes: [] }],
    apps: [
      {
        appId: 'app-1',
        name: 'App_Gaps',
        developerId: 'dev-1',
        callbackUrl: CALLBACK,
        status: 'approved',
        attributes: [],
        scopes: [],
        createdAt: 0,
        credentials: [
          { consumerKey: 'gaps-key', consumerSecret: 'gaps-secret', status: 'approved', issuedAt: 0, expiresAt: -1, apiProducts: [{ apiproduct: 'All', status: 'approved' }], scopes: [], attributes: [] }
        ]
      }
    ]
  }
}

let gatelab: GatelabConsole
let target: http.Server
const received: http.IncomingHttpHeaders[] = []

beforeAll(async () => {
  target = http.createServer((req, res) => {
    received.push(req.headers)
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('service')
  })
  const port = await listenLocal(target)
  gatelab = await consoleWith('gaps', gapsWorkspace(port))
})

afterAll(async () => {
  await gatelab.close()
  target.closeAllConnections()
  target.close()
})

const base = (): string => testGatewayUrl(gatelab)

async function accessToken(): Promise<string> {
  const res = await fetch(`${base()}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=gaps-key&client_secret=gaps-secret'
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

describe('runtime gaps over HTTP', () => {
  it('the reference FaultRule (oauthV2.failed = true) answers an unknown token', async () => {
    const res = await fetch(`${base()}/orders/1`, { headers: { Authorization: 'Bearer never-issued' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.text()).toBe('{"error":"bad token"}')
  })

  it('Authorization: "Bearer <token>" with the quotes is accepted', async () => {
    const token = await accessToken()
    const res = await fetch(`${base()}/orders/1`, { headers: { Authorization: `"Bearer ${token}"` } })
    expect(res.status).toBe(200)
  })

  it('an empty <SupportedGrantTypes/> allows the implicit grant', async () => {
    const res = await fetch(`${base()}/implicit?client_id=gaps-key&response_type=token`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toMatch(/^https:\/\/gaps\.example\/cb#access_token=/)
  })

  it('a target with <Authentication><GoogleIDToken> receives the stand-in token', async () => {
    received.length = 0
    const res = await fetch(`${base()}/run/hello`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('service')
    expect(received).toHaveLength(1)
    expect(received[0]!.authorization).toBe('Bearer gatelab-fake-google-id-token')
  })
})
