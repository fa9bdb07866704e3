import { describe, expect, test } from 'vitest'
import { call, deployOk, makeEngine, proxy, proxyEndpoint, stamp, step, workspace } from './helpers'

type Case = { name: string; change: Parameters<typeof proxy>[0]; code: string; file: string; path?: string; line?: number; column?: number }

const base = { name: 'bad', basePath: '/bad' }

const cases: Case[] = [
  {
    name: 'malformed policy XML, with line and column',
    change: { ...base, policies: { AM: '<AssignMessage name="AM">\n  <Set>\n</AssignMessage>' } },
    code: 'MalformedXML', file: 'policies/AM.xml', line: 3
  },
  {
    name: 'malformed endpoint XML',
    change: { ...base, proxyEndpoints: { default: '<ProxyEndpoint name="default"><PreFlow></ProxyEndpoint>' } },
    code: 'MalformedXML', file: 'proxies/default.xml'
  },
  {
    name: 'unknown policy type',
    change: { ...base, policies: { Q: '<QuantumPolicy name="Q"/>' } },
    code: 'UnknownPolicyType', file: 'policies/Q.xml', path: '/QuantumPolicy', line: 1, column: 1
  },
  {
    name: 'a Step naming a missing policy',
    change: { ...base, proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('Ghost')}</Request></PreFlow>`) } },
    code: 'NonExistentPolicy', file: 'proxies/default.xml', path: '/ProxyEndpoint/PreFlow/Request/Step/Name'
  },
  {
    name: 'an invalid condition',
    change: { ...base, policies: { S: stamp('S') }, proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('S', 'request.verb = ')}</Request></PreFlow>`) } },
    code: 'InvalidCondition', file: 'proxies/default.xml', path: '/ProxyEndpoint/PreFlow/Request/Step/Condition'
  },
  {
    name: 'a RouteRule naming a missing TargetEndpoint',
    change: { ...base, proxyEndpoints: { default: proxyEndpoint('', { route: '<RouteRule name="r"><TargetEndpoint>nowhere</TargetEndpoint></RouteRule>' }) } },
    code: 'NonExistentTargetEndpoint', file: 'proxies/default.xml', path: '/ProxyEndpoint/RouteRule/TargetEndpoint'
  },
  {
    name: 'a policy whose name attribute differs from its file',
    change: { ...base, policies: { One: '<AssignMessage name="Two"/>' } },
    code: 'PolicyNameMismatch', file: 'policies/One.xml'
  },
  {
    name: 'a wrong endpoint root element',
    change: { ...base, targetEndpoints: { default: '<ProxyEndpoint name="default"/>' } },
    code: 'InvalidRootElement', file: 'targets/default.xml'
  },
  {
    name: 'a target URL with an unsupported scheme',
    change: { ...base, targetEndpoints: { default: '<TargetEndpoint name="default"><HTTPTargetConnection><URL>ftp://x</URL></HTTPTargetConnection></TargetEndpoint>' } },
    code: 'InvalidTargetURL', file: 'targets/default.xml', path: '/TargetEndpoint/HTTPTargetConnection/URL'
  },
  {
    name: 'a target without URL',
    change: { ...base, targetEndpoints: { default: '<TargetEndpoint name="default"><HTTPTargetConnection/></TargetEndpoint>' } },
    code: 'MissingTargetURL', file: 'targets/default.xml'
  },
  {
    name: 'a LoadBalancer target',
    change: { ...base, targetEndpoints: { default: '<TargetEndpoint name="default"><HTTPTargetConnection><LoadBalancer><Server name="ts"/></LoadBalancer></HTTPTargetConnection></TargetEndpoint>' } },
    code: 'UnsupportedTargetConnection', file: 'targets/default.xml'
  },
  {
    name: 'a non-numeric io.timeout.millis',
    change: { ...base, targetEndpoints: { default: '<TargetEndpoint name="default"><HTTPTargetConnection><URL>echo://</URL><Properties><Property name="io.timeout.millis">soon</Property></Properties></HTTPTargetConnection></TargetEndpoint>' } },
    code: 'InvalidPropertyValue', file: 'targets/default.xml'
  },
  {
    name: 'no ProxyEndpoint',
    change: { ...base, proxyEndpoints: {} },
    code: 'NoProxyEndpoints', file: 'bad.xml'
  },
  {
    name: 'a Step without Name',
    change: { ...base, proxyEndpoints: { default: proxyEndpoint('<PreFlow><Request><Step/></Request></PreFlow>') } },
    code: 'StepNameRequired', file: 'proxies/default.xml'
  },
  {
    name: 'deployment to an unknown environment',
    change: { ...base, environments: ['staging'] },
    code: 'UnknownEnvironment', file: 'bad.xml'
  },
  {
    name: 'a policy missing its name attribute',
    change: { ...base, policies: { N: '<AssignMessage/>' } },
    code: 'PolicyNameRequired', file: 'policies/N.xml'
  }
]

describe('deployment errors', () => {
  test.each(cases)('$name -> $code', ({ change, code, file, path, line, column }) => {
    const engine = makeEngine()
    const report = engine.deploy(workspace([proxy(change)]))
    expect(report.ok).toBe(false)
    const error = report.errors.find((e) => e.code === code)
    expect(error, JSON.stringify(report.errors)).toBeDefined()
    expect(error).toMatchObject({ proxy: 'bad', file, ...(path ? { path } : {}), ...(line ? { line } : {}), ...(column ? { column } : {}) })
    expect(report.proxies[0]).toMatchObject({ proxy: 'bad', status: 'failed', runningRevision: null })
    expect(engine.validateProxy(workspace([proxy(change)]), 'bad').map((e) => e.code)).toContain(code)
  })

  test('every error of a proxy is reported, not just the first', () => {
    const engine = makeEngine()
    const report = engine.deploy(workspace([proxy({
      ...base,
      policies: { Q: '<QuantumPolicy name="Q"/>', AM: '<AssignMessage name="AM"><AssignVariable><Value>x</Value></AssignVariable></AssignMessage>' },
      proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('Ghost')}${step('AM', '(a = ')}</Request></PreFlow>`) }
    })]))
    expect(report.errors.map((e) => e.code).sort()).toEqual(['InvalidCondition', 'InvalidVariableName', 'NonExistentPolicy', 'UnknownPolicyType'])
  })

  test('a base path already used by another proxy in the same environment', () => {
    const engine = makeEngine()
    const report = engine.deploy(workspace([proxy({ name: 'one', basePath: '/same' }), proxy({ name: 'two', basePath: '/same' })]))
    expect(report.proxies.map((p) => [p.proxy, p.status])).toEqual([['one', 'deployed'], ['two', 'failed']])
    expect(report.errors[0]).toMatchObject({ code: 'ConflictingBasePath', proxy: 'two', file: 'proxies/default.xml' })
  })

  test('a failed deployment keeps the previous revision running', async () => {
    const engine = makeEngine()
    const good = proxy({ name: 'svc', basePath: '/svc', policies: { S: stamp('S') }, proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('S')}</Request></PreFlow>`) } })
    deployOk(engine, workspace([good]))
    expect((await call(engine, 'test', 'GET', '/svc')).json.headers['x-order']).toBe('S')
    const broken = { ...good, policies: { S: '<AssignMessage name="S">' } }
    const report = engine.deploy(workspace([broken]))
    expect(report.proxies[0]).toMatchObject({ status: 'failed', runningRevision: 1, environments: ['test'] })
    const still = await call(engine, 'test', 'GET', '/svc')
    expect([still.status, still.json.headers['x-order'], still.json.variables['apiproxy.revision']]).toEqual([200, 'S', '1'])
    expect(engine.deployments('svc')).toEqual([
      { proxy: 'svc', environment: 'test', state: 'failed', revision: 1, basePath: '/svc', errors: report.errors, warnings: [] }
    ])
    const fixed = { ...good, policies: { S: stamp('S2').replace('name="S2"', 'name="S"') } }
    const next = engine.deploy(workspace([fixed]))
    expect(next.proxies[0]).toMatchObject({ status: 'deployed', runningRevision: 2 })
    expect((await call(engine, 'test', 'GET', '/svc')).json.headers['x-order']).toBe('S2')
    expect(engine.deploy(workspace([fixed])).proxies[0]).toMatchObject({ status: 'unchanged', runningRevision: 2 })
    expect(engine.deployments()).toEqual([{ proxy: 'svc', environment: 'test', state: 'deployed', revision: 2, basePath: '/svc', errors: [], warnings: [] }])
  })

  test('a proxy removed from the workspace is undeployed', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([proxy({ name: 'gone', basePath: '/gone' })]))
    expect(engine.deploy(workspace([])).proxies).toEqual([{ proxy: 'gone', status: 'undeployed', runningRevision: null, environments: [], errors: [], warnings: [] }])
    expect((await call(engine, 'test', 'GET', '/gone')).status).toBe(404)
  })
})

describe('routing', () => {
  const engine = makeEngine()
  deployOk(engine, workspace([
    proxy({ name: 'short', basePath: '/v1' }),
    proxy({ name: 'long', basePath: '/v1/orders' }),
    proxy({ name: 'prod-only', basePath: '/p', environments: ['prod'] }),
    proxy({ name: 'xml-base', basePath: '/ignored', proxyEndpoints: { default: proxyEndpoint('', { basePath: '/from-xml/' }) } })
  ]))

  test.each([
    { env: 'test', url: '/v1/orders/42?x=1', proxy: 'long', suffix: '/42', basepath: '/v1/orders' },
    { env: 'test', url: '/v1/orders', proxy: 'long', suffix: '', basepath: '/v1/orders' },
    { env: 'test', url: '/v1/ordersX', proxy: 'short', suffix: '/ordersX', basepath: '/v1' },
    { env: 'test', url: '/v1', proxy: 'short', suffix: '', basepath: '/v1' },
    { env: 'test', url: '/from-xml/a', proxy: 'xml-base', suffix: '/a', basepath: '/from-xml' },
    { env: 'prod', url: '/p/x', proxy: 'prod-only', suffix: '/x', basepath: '/p' }
  ])('$env $url -> $proxy (pathsuffix "$suffix")', async ({ env, url, proxy: name, suffix, basepath }) => {
    const r = await call(engine, env, 'GET', url)
    expect(r.status).toBe(200)
    expect(r.json.variables).toMatchObject({ 'apiproxy.name': name, 'proxy.pathsuffix': suffix, 'proxy.basepath': basepath, 'environment.name': env, 'organization.name': 'acme' })
    if (suffix === '') expect(r.json.variables['proxy.pathsuffix']).toBe('')
  })

  test.each([
    { env: 'prod', url: '/v1/orders', path: '/v1/orders' },
    { env: 'test', url: '/p/x?y=1', path: '/p/x' },
    { env: 'nowhere', url: '/v1', path: '/v1' }
  ])('no proxy for $env $url: 404 ApplicationNotFound', async ({ env, url, path }) => {
    const r = await call(engine, env, 'GET', url)
    expect(r.status).toBe(404)
    expect(r.text).toBe(JSON.stringify({ fault: { faultstring: `Unable to identify proxy for host: ${env} and url: ${path}`, detail: { errorcode: 'messaging.adaptors.http.flow.ApplicationNotFound' } } }))
    expect(r.header('content-type')).toBe('application/json')
    expect(r.trace).toMatchObject({ proxy: null, status: 404, faultName: 'ApplicationNotFound', environment: env })
  })
})
