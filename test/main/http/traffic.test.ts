/**
 * Quota and SpikeArrest as a client sees them through the real listener of a running console: a product
 * quota read from VerifyAPIKey, counted per app and reset by moving the console's virtual clock, and a
 * spike arrest that smooths 2 requests per second into one per 500 ms window.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatelabConsole } from '../../../src/main/console'
import type { ApiProxy, Workspace } from '../../../src/shared/model'
import { consoleWith, testGatewayUrl } from './local-console'

function proxy(name: string, policies: Record<string, string>): ApiProxy {
  const steps = Object.keys(policies).map((p) => `<Step><Name>${p}</Name></Step>`).join('')
  return {
    name,
    description: '',
    basePath: `/${name}`,
    environments: ['test'],
    proxyEndpoints: {
      default: `<ProxyEndpoint name="default"><PreFlow name="PreFlow"><Request>${steps}</Request><Response/></PreFlow><HTTPProxyConnection><BasePath>/${name}</BasePath></HTTPProxyConnection><RouteRule name="noroute"/></ProxyEndpoint>`
    },
    targetEndpoints: {},
    policies,
    resources: {}
  }
}

const app = (appId: string, key: string) => ({
  appId,
  name: appId,
  developerId: 'dev-1',
  callbackUrl: '',
  status: 'approved',
  attributes: [],
  scopes: [],
  createdAt: 0,
  credentials: [{ consumerKey: key, consumerSecret: `${key}-secret`, status: 'approved', issuedAt: 0, expiresAt: -1, apiProducts: [{ apiproduct: 'Bronze', status: 'approved' }], scopes: [], attributes: [] }]
})

const trafficWorkspace: Workspace = {
  schemaVersion: 2,
  organization: { name: 'traffic', displayName: '', tokenCacheSeconds: 0 },
  environments: [{ name: 'test', description: '', port: 9301, hostAliases: [], restrictHosts: false, variables: [] }],
  proxies: [
    proxy('orders', {
      VK: '<VerifyAPIKey name="VK"><APIKey ref="request.header.x-apikey"/></VerifyAPIKey>',
      Q: `<Quota name="Q"><UseQuotaConfigInAPIProduct stepName="VK"><DefaultConfig><Allow>100</Allow><Interval>1</Interval><TimeUnit>minute</TimeUnit></DefaultConfig></UseQuotaConfigInAPIProduct><Distributed>true</Distributed><Synchronous>true</Synchronous></Quota>`
    }),
    proxy('burst', { SA: '<SpikeArrest name="SA"><Rate>2ps</Rate></SpikeArrest>' })
  ],
  apiProducts: [
    {
      name: 'Bronze',
      displayName: 'Bronze',
      description: '',
      approvalType: 'auto',
      environments: ['test'],
      proxies: [],
      apiResources: [],
      scopes: [],
      attributes: [],
      quota: '2',
      quotaInterval: '1',
      quotaTimeUnit: 'hour'
    }
  ],
  developers: [{ developerId: 'dev-1', email: 'ada@traffic.example', firstName: 'Ada', lastName: 'L', userName: 'ada', status: 'active', attributes: [] }],
  apps: [app('app-1', 'key-one'), app('app-2', 'key-two')]
} as Workspace

let gatelab: GatelabConsole

beforeAll(async () => {
  gatelab = await consoleWith('traffic', trafficWorkspace)
  // Frozen on a whole hour, so the quota window and the spike windows are the same on every run.
  gatelab.clock.set(Date.UTC(2026, 5, 1, 10))
  gatelab.clock.freeze(true)
})

afterAll(async () => {
  await gatelab.close()
})

const base = (): string => testGatewayUrl(gatelab)
const order = (key: string): Promise<Response> => fetch(`${base()}/orders`, { headers: { 'x-apikey': key } })

describe('traffic policies over HTTP', () => {
  it('the product quota (2 per hour) limits each app, and a new hour on the virtual clock resets it', async () => {
    expect((await order('key-one')).status).toBe(200)
    expect((await order('key-one')).status).toBe(200)
    const over = await order('key-one')
    expect(over.status).toBe(429)
    expect(over.headers.get('content-type')).toBe('application/json')
    expect(await over.text()).toBe(
      '{"fault":{"faultstring":"Rate limit quota violation. Quota limit  exceeded. Identifier : key-one","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}'
    )
    expect((await order('key-two')).status).toBe(200)
    gatelab.clock.advance(60 * 60_000)
    expect((await order('key-one')).status).toBe(200)
  })

  it('SpikeArrest 2ps lets one request through per 500 ms window', async () => {
    const first = await fetch(`${base()}/burst`)
    expect(first.status).toBe(200)
    const second = await fetch(`${base()}/burst`)
    expect(second.status).toBe(429)
    expect(((await second.json()) as { fault: { faultstring: string } }).fault.faultstring).toBe(
      'Spike arrest violation. Allowed rate : MessageRate{capacity=2, period=Seconds}'
    )
    gatelab.clock.advance(500)
    expect((await fetch(`${base()}/burst`)).status).toBe(200)
  })
})
