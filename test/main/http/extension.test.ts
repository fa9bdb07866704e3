/**
 * ServiceCallout and the cache policies as a client sees them through the real listener of a running
 * console: a proxy looks a user up in the cache, calls a real local HTTP service on a miss, caches the
 * answer for 60 s of virtual time, and a 5xx from the service becomes ResponseCodeOutOfRange.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatelabConsole } from '../../../src/main/console'
import type { ApiProxy, Workspace } from '../../../src/shared/model'
import { consoleWith, testGatewayUrl } from './local-console'

let service: Server
let serviceCalls: Array<{ url: string; client: string | undefined }> = []
let gatelab: GatelabConsole

function proxy(serviceUrl: string): ApiProxy {
  const cached = (step: string) => `<Step><Name>${step}</Name><Condition>lookupcache.LC.cachehit = false</Condition></Step>`
  return {
    name: 'users',
    description: '',
    basePath: '/users',
    environments: ['test'],
    proxyEndpoints: {
      default: `<ProxyEndpoint name="default"><PreFlow name="PreFlow"><Request><Step><Name>LC</Name></Step>${cached('SC')}${cached('PC')}</Request><Response><Step><Name>Answer</Name></Step></Response></PreFlow><HTTPProxyConnection><BasePath>/users</BasePath></HTTPProxyConnection><RouteRule name="noroute"/></ProxyEndpoint>`
    },
    targetEndpoints: {},
    policies: {
      LC: '<LookupCache name="LC"><CacheResource>users</CacheResource><CacheKey><KeyFragment ref="request.queryparam.id"/></CacheKey><AssignTo>user</AssignTo></LookupCache>',
      SC: `<ServiceCallout name="SC"><Request variable="userRequest"><Set><Headers><Header name="x-client">gatelab</Header></Headers><QueryParams><QueryParam name="id">{request.queryparam.id}</QueryParam></QueryParams></Set></Request><Response>userResponse</Response><HTTPTargetConnection><URL>${serviceUrl}/lookup</URL></HTTPTargetConnection></ServiceCallout>`,
      PC: '<PopulateCache name="PC"><CacheResource>users</CacheResource><CacheKey><KeyFragment ref="request.queryparam.id"/></CacheKey><ExpirySettings><TimeoutInSeconds>60</TimeoutInSeconds></ExpirySettings><Source>userResponse.content</Source></PopulateCache>',
      Answer: '<AssignMessage name="Answer"><Set><Payload contentType="application/json">{"user":{user}{userResponse.content}}</Payload></Set><IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables><AssignTo createNew="false" type="response"/></AssignMessage>'
    },
    resources: {}
  }
}

/** A proxy whose target is the local service, with a ResponseCache in front of it. */
function pages(serviceUrl: string): ApiProxy {
  const rc = '<Step><Name>RC</Name></Step>'
  return {
    name: 'pages',
    description: '',
    basePath: '/pages',
    environments: ['test'],
    proxyEndpoints: {
      default: `<ProxyEndpoint name="default"><PreFlow name="PreFlow"><Request>${rc}</Request><Response>${rc}</Response></PreFlow><HTTPProxyConnection><BasePath>/pages</BasePath></HTTPProxyConnection><RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule></ProxyEndpoint>`
    },
    targetEndpoints: {
      default: `<TargetEndpoint name="default"><HTTPTargetConnection><URL>${serviceUrl}/lookup</URL></HTTPTargetConnection></TargetEndpoint>`
    },
    policies: {
      RC: '<ResponseCache name="RC"><CacheKey><KeyFragment ref="request.queryparam.id"/></CacheKey><ExpirySettings><TimeoutInSeconds>10</TimeoutInSeconds></ExpirySettings></ResponseCache>'
    },
    resources: {}
  }
}

beforeAll(async () => {
  service = createServer((req, res) => {
    serviceCalls.push({ url: req.url ?? '', client: req.headers['x-client'] as string | undefined })
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id')
    if (id === 'broken') {
      res.writeHead(503).end('down')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(`"user-${id}"`)
  })
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
  const serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`
  const ws = {
    schemaVersion: 2,
    organization: { name: 'ext', displayName: '', tokenCacheSeconds: 0 },
    environments: [{ name: 'test', description: '', port: 9302, hostAliases: [], restrictHosts: false, variables: [] }],
    proxies: [proxy(serviceUrl), pages(serviceUrl)],
    apiProducts: [],
    developers: [],
    apps: []
  } as Workspace
  gatelab = await consoleWith('extension', ws)
  gatelab.clock.set(Date.UTC(2026, 5, 1, 10))
  gatelab.clock.freeze(true)
})

afterAll(async () => {
  await gatelab.close()
  await new Promise((resolve) => service.close(resolve))
})

const base = (): string => testGatewayUrl(gatelab)

describe('ServiceCallout and caches over HTTP', () => {
  it('calls the service on a miss, answers from the cache until the entry expires on the virtual clock', async () => {
    serviceCalls = []
    const first = await fetch(`${base()}/users?id=7`)
    expect(first.status).toBe(200)
    expect(await first.text()).toBe('{"user":"user-7"}')
    expect(serviceCalls).toEqual([{ url: '/lookup?id=7', client: 'gatelab' }])
    const cached = await fetch(`${base()}/users?id=7`)
    expect(await cached.text()).toBe('{"user":"user-7"}')
    expect(serviceCalls).toHaveLength(1)
    gatelab.clock.advance(60_000)
    expect(await (await fetch(`${base()}/users?id=7`)).text()).toBe('{"user":"user-7"}')
    expect(serviceCalls).toHaveLength(2)
  })

  it('a 503 from the service is ResponseCodeOutOfRange (500) for the client', async () => {
    const res = await fetch(`${base()}/users?id=broken`)
    expect(res.status).toBe(500)
    expect(await res.text()).toBe(
      '{"fault":{"faultstring":"Execution of ServiceCallout SC failed. Reason: ResponseCode 503 is treated as error","detail":{"errorcode":"steps.servicecallout.ResponseCodeOutOfRange"}}}'
    )
  })

  it('ResponseCache answers a repeated request without calling the target, until the entry expires', async () => {
    serviceCalls = []
    const first = await fetch(`${base()}/pages?id=9`)
    expect(await first.text()).toBe('"user-9"')
    const second = await fetch(`${base()}/pages?id=9`)
    expect(second.status).toBe(200)
    expect(second.headers.get('content-type')).toBe('application/json')
    expect(await second.text()).toBe('"user-9"')
    expect(serviceCalls).toHaveLength(1)
    gatelab.clock.advance(10_000)
    await (await fetch(`${base()}/pages?id=9`)).text()
    expect(serviceCalls).toHaveLength(2)
  })
})
