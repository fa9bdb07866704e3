/**
 * CORS and the threat protections as a client sees them through the real listener of a running console:
 * a browser preflight answered by the gateway without reaching the backend, the CORS headers on a real
 * backend's response, and hostile JSON and XML bodies refused before the backend sees them.
 */
import http from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatelabConsole } from '../../../src/main/console'
import type { Workspace } from '../../../src/shared/model'
import { listenLocal, consoleWith, testGatewayUrl } from './local-console'

const POLICIES = {
  'Add-CORS': `<CORS name="Add-CORS"><AllowOrigins>https://shop.example</AllowOrigins><AllowMethods>GET, POST</AllowMethods><ExposeHeaders>X-Backend</ExposeHeaders><MaxAge>60</MaxAge></CORS>`,
  JTP: `<JSONThreatProtection name="JTP"><ContainerDepth>3</ContainerDepth><ArrayElementCount>10</ArrayElementCount></JSONThreatProtection>`,
  AE: `<AccessEntity name="AE"><EntityType value="developer"/><EntityIdentifier ref="request.header.x-apikey" type="consumerkey"/><OutputFormat>JSON</OutputFormat></AccessEntity>`,
  'Send-Developer': `<AssignMessage name="Send-Developer"><Set><Headers><Header name="X-Developer">{AccessEntity.AE}</Header></Headers></Set><AssignTo createNew="false" type="request"/></AssignMessage>`,
  XTP: `<XMLThreatProtection name="XTP"><StructureLimits><NodeDepth>3</NodeDepth></StructureLimits></XMLThreatProtection>`
}

function protectionWorkspace(targetPort: number): Workspace {
  const steps = Object.keys(POLICIES).map((p) => `<Step><Name>${p}</Name></Step>`).join('')
  return {
    schemaVersion: 1,
    organization: { name: 'protect', displayName: '', tokenCacheSeconds: 0 },
    environments: [{ name: 'test', description: '', port: 9301, hostAliases: [], variables: [] }],
    proxies: [
      {
        name: 'shop',
        description: '',
        basePath: '/shop',
        environments: ['test'],
        proxyEndpoints: {
          default: `<ProxyEndpoint name="default"><PreFlow name="PreFlow"><Request>${steps}</Request><Response/></PreFlow><HTTPProxyConnection><BasePath>/shop</BasePath></HTTPProxyConnection><RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule></ProxyEndpoint>`
        },
        targetEndpoints: { default: `<TargetEndpoint name="default"><HTTPTargetConnection><URL>http://127.0.0.1:${targetPort}/svc</URL></HTTPTargetConnection></TargetEndpoint>` },
        policies: POLICIES,
        resources: {}
      }
    ],
    apiProducts: [],
    developers: [{ developerId: 'dev-1', email: 'ada@shop.example', firstName: 'Ada', lastName: 'L', userName: 'ada', status: 'active', attributes: [] }],
    apps: [
      {
        appId: 'app-1',
        name: 'Shop_App',
        developerId: 'dev-1',
        callbackUrl: '',
        status: 'approved',
        attributes: [],
        scopes: [],
        createdAt: 0,
        credentials: [{ consumerKey: 'shop-key', consumerSecret: 'shop-secret', status: 'approved', issuedAt: 0, expiresAt: -1, apiProducts: [], scopes: [], attributes: [] }]
      }
    ]
  } as unknown as Workspace
}

let gatelab: GatelabConsole
let target: http.Server
let backendCalls = 0
let lastDeveloperHeader: string | undefined

beforeAll(async () => {
  target = http.createServer((req, res) => {
    backendCalls++
    lastDeveloperHeader = req.headers['x-developer'] as string | undefined
    req.resume()
    res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Backend': 'yes' }).end('service')
  })
  const port = await listenLocal(target)
  gatelab = await consoleWith('protect', protectionWorkspace(port))
})

afterAll(async () => {
  await gatelab.close()
  target.closeAllConnections()
  target.close()
})

const base = (): string => testGatewayUrl(gatelab)

describe('protection policies over HTTP', () => {
  it('a browser preflight is answered by the gateway; the backend never sees it', async () => {
    backendCalls = 0
    const res = await fetch(`${base()}/shop/cart`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' }
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST')
    expect(res.headers.get('access-control-max-age')).toBe('60')
    expect(await res.text()).toBe('')
    expect(backendCalls).toBe(0)
  })

  it('a cross-origin GET reaches the backend and its response carries the CORS headers', async () => {
    const res = await fetch(`${base()}/shop/cart`, { headers: { Origin: 'https://shop.example' } })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('service')
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(res.headers.get('access-control-expose-headers')).toBe('X-Backend')
  })

  it('a JSON body nested too deep is refused with the reference fault; the backend never sees it', async () => {
    backendCalls = 0
    const res = await fetch(`${base()}/shop/cart`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":{"b":{"c":{"d":1}}}}' })
    expect(res.status).toBe(500)
    expect(await res.text()).toBe(
      '{"fault":{"faultstring":"JSONThreatProtection[JTP]: Execution failed. reason: JSONThreatProtection[JTP]: Exceeded container depth at line 1","detail":{"errorcode":"steps.jsonthreatprotection.ExecutionFailed"}}}'
    )
    expect(backendCalls).toBe(0)
  })

  it('AccessEntity hands the developer of the calling key to the backend', async () => {
    const res = await fetch(`${base()}/shop/cart`, { headers: { 'X-ApiKey': 'shop-key' } })
    expect(res.status).toBe(200)
    expect(JSON.parse(lastDeveloperHeader!)).toMatchObject({ developerId: 'dev-1', email: 'ada@shop.example', apps: ['Shop_App'], organizationName: 'protect' })
  })

  it('an XML body nested too deep is refused; a fitting one goes through', async () => {
    const bad = await fetch(`${base()}/shop/cart`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<a><b><c><d/></c></b></a>' })
    expect(bad.status).toBe(500)
    expect(await bad.text()).toContain('Node depth exceeded (4), max allowed : 3')
    const good = await fetch(`${base()}/shop/cart`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<a><b/></a>' })
    expect([good.status, await good.text()]).toEqual([200, 'service'])
  })
})
