/**
 * The observation and signature policies as a client sees them through the real listener of a running console:
 * RegularExpressionProtection refusing hostile input before the backend sees it, HMAC verifying a client's
 * signature, AssertCondition's result handed on, and MessageLogging in PostClientFlow leaving the response as it was.
 */
import http from 'node:http'
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatelabConsole } from '../../../src/main/console'
import type { Workspace } from '../../../src/shared/model'
import { listenLocal, consoleWith, testGatewayUrl } from './local-console'

const SECRET = 'shared-signing-secret-2026'
const POLICIES = {
  REP: `<RegularExpressionProtection name="REP"><QueryParam name="q"><Pattern>(?i)drop\\s+table</Pattern></QueryParam></RegularExpressionProtection>`,
  Key: `<AssignMessage name="Key"><AssignVariable><Name>private.sign-key</Name><Value>${SECRET}</Value></AssignVariable></AssignMessage>`,
  Sign: `<HMAC name="Sign"><Algorithm>SHA-256</Algorithm><SecretKey ref="private.sign-key"/><Message>{request.verb} {request.path}</Message><VerificationValue encoding="base16" ref="request.header.x-signature"/></HMAC>`,
  Assert: `<AssertCondition name="Assert"><Condition>request.header.x-tenant = "acme"</Condition></AssertCondition>`,
  Tell: `<AssignMessage name="Tell"><Set><Headers><Header name="X-Tenant-Ok">{assertcondition.Assert.truthValue}</Header></Headers></Set><AssignTo createNew="false" type="request"/></AssignMessage>`,
  Log: `<MessageLogging name="Log"><Syslog><Message>{request.verb} {request.path} {response.status.code}</Message><Host>logs.example.com</Host><Port>514</Port><Protocol>UDP</Protocol></Syslog></MessageLogging>`
}

function observeWorkspace(targetPort: number): Workspace {
  const steps = ['REP', 'Key', 'Sign', 'Assert', 'Tell'].map((p) => `<Step><Name>${p}</Name></Step>`).join('')
  return {
    schemaVersion: 1,
    organization: { name: 'observe', displayName: '', tokenCacheSeconds: 0 },
    environments: [{ name: 'test', description: '', port: 9302, hostAliases: [], variables: [] }],
    proxies: [
      {
        name: 'shop',
        description: '',
        basePath: '/shop',
        environments: ['test'],
        proxyEndpoints: {
          default: `<ProxyEndpoint name="default"><PreFlow name="PreFlow"><Request>${steps}</Request><Response/></PreFlow><PostClientFlow><Response><Step><Name>Log</Name></Step></Response></PostClientFlow><HTTPProxyConnection><BasePath>/shop</BasePath></HTTPProxyConnection><RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule></ProxyEndpoint>`
        },
        targetEndpoints: { default: `<TargetEndpoint name="default"><HTTPTargetConnection><URL>http://127.0.0.1:${targetPort}/svc</URL></HTTPTargetConnection></TargetEndpoint>` },
        policies: POLICIES,
        resources: {}
      }
    ],
    apiProducts: [],
    developers: [],
    apps: []
  } as unknown as Workspace
}

let gatelab: GatelabConsole
let target: http.Server
let backendCalls = 0
let lastTenantOk: string | undefined

beforeAll(async () => {
  target = http.createServer((req, res) => {
    backendCalls++
    lastTenantOk = req.headers['x-tenant-ok'] as string | undefined
    req.resume()
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('service')
  })
  const port = await listenLocal(target)
  gatelab = await consoleWith('observe', observeWorkspace(port))
})

afterAll(async () => {
  await gatelab.close()
  target.closeAllConnections()
  target.close()
})

const base = (): string => testGatewayUrl(gatelab)
const signature = (message: string) => createHmac('sha256', SECRET).update(message).digest('hex')

describe('observation policies over HTTP', () => {
  it('a signed request reaches the backend with the assertion result; the PostClientFlow log leaves the response as it was', async () => {
    const res = await fetch(`${base()}/shop/cart`, { headers: { 'X-Signature': signature('GET /shop/cart'), 'X-Tenant': 'acme' } })
    expect([res.status, await res.text()]).toEqual([200, 'service'])
    expect(lastTenantOk).toBe('true')
    const other = await fetch(`${base()}/shop/cart`, { headers: { 'X-Signature': signature('GET /shop/cart'), 'X-Tenant': 'other' } })
    expect(other.status).toBe(200)
    expect(lastTenantOk).toBe('false')
  })

  it('a wrong signature is refused with 401 HmacVerificationFailed; the backend never sees it', async () => {
    backendCalls = 0
    const res = await fetch(`${base()}/shop/cart`, { headers: { 'X-Signature': signature('GET /shop/other') } })
    expect(res.status).toBe(401)
    expect(await res.text()).toBe('{"fault":{"faultstring":"HMAC[Sign]: HMAC verification failed","detail":{"errorcode":"steps.hmac.HmacVerificationFailed"}}}')
    expect(backendCalls).toBe(0)
  })

  it('a query parameter with an injection pattern is refused with 400 ThreatDetected before anything else runs', async () => {
    backendCalls = 0
    const res = await fetch(`${base()}/shop/cart?q=${encodeURIComponent('1; DROP  TABLE x')}`, { headers: { 'X-Signature': signature('GET /shop/cart') } })
    expect(res.status).toBe(400)
    expect(await res.text()).toBe(
      '{"fault":{"faultstring":"Regular Expression Threat Detected in REP: regex: (?i)drop\\\\s+table input: 1; DROP  TABLE x","detail":{"errorcode":"steps.regexprotection.ThreatDetected"}}}'
    )
    expect(backendCalls).toBe(0)
  })
})
