import { describe, expect, test } from 'vitest'
import { call, deployOk, echoTarget, makeEngine, proxy, proxyEndpoint, stamp, step, workspace } from './helpers'

const stamps = (...names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [n, stamp(n)]))

function orderProxy() {
  const proxyXml = proxyEndpoint(`
    <PreFlow name="PreFlow"><Request>${step('P-Pre-Req')}</Request><Response>${step('P-Pre-Res')}</Response></PreFlow>
    <Flows>
      <Flow name="a"><Condition>proxy.pathsuffix = "/a"</Condition><Request>${step('P-A-Req')}</Request><Response>${step('P-A-Res')}</Response></Flow>
      <Flow name="also-a"><Condition>proxy.pathsuffix ~/ "/*"</Condition><Request>${step('P-AlsoA-Req')}</Request></Flow>
      <Flow name="fallback"><Request>${step('P-Fallback-Req')}</Request></Flow>
    </Flows>
    <PostFlow name="PostFlow"><Request>${step('P-Post-Req')}</Request><Response>${step('P-Post-Res')}</Response></PostFlow>`)
  const targetXml = `<TargetEndpoint name="default">
    <PreFlow><Request>${step('T-Pre-Req')}</Request><Response>${step('T-Pre-Res')}</Response></PreFlow>
    <Flows><Flow name="t"><Condition>request.verb = "GET"</Condition><Request>${step('T-Flow-Req')}</Request><Response>${step('T-Flow-Res')}</Response></Flow></Flows>
    <PostFlow><Request>${step('T-Post-Req')}</Request><Response>${step('T-Post-Res')}</Response></PostFlow>
    <HTTPTargetConnection><URL>echo://</URL></HTTPTargetConnection></TargetEndpoint>`
  return proxy({
    name: 'order',
    basePath: '/order',
    proxyEndpoints: { default: proxyXml },
    targetEndpoints: { default: targetXml },
    policies: stamps(
      'P-Pre-Req', 'P-Pre-Res', 'P-A-Req', 'P-A-Res', 'P-AlsoA-Req', 'P-Fallback-Req', 'P-Post-Req', 'P-Post-Res',
      'T-Pre-Req', 'T-Pre-Res', 'T-Flow-Req', 'T-Flow-Res', 'T-Post-Req', 'T-Post-Res'
    )
  })
}

describe('flow execution order', () => {
  test.each([
    {
      path: '/order/a',
      request: 'P-Pre-Req, P-A-Req, P-Post-Req, T-Pre-Req, T-Flow-Req, T-Post-Req',
      response: ['T-Pre-Res', 'T-Flow-Res', 'T-Post-Res', 'P-Pre-Res', 'P-A-Res', 'P-Post-Res']
    },
    {
      path: '/order/b',
      request: 'P-Pre-Req, P-AlsoA-Req, P-Post-Req, T-Pre-Req, T-Flow-Req, T-Post-Req',
      response: ['T-Pre-Res', 'T-Flow-Res', 'T-Post-Res', 'P-Pre-Res', 'P-Post-Res']
    },
    {
      path: '/order/b/c',
      request: 'P-Pre-Req, P-Fallback-Req, P-Post-Req, T-Pre-Req, T-Flow-Req, T-Post-Req',
      response: ['T-Pre-Res', 'T-Flow-Res', 'T-Post-Res', 'P-Pre-Res', 'P-Post-Res']
    }
  ])('$path runs PreFlow, the first matching Flow, PostFlow, then the target flows', async ({ path, request, response }) => {
    const engine = makeEngine()
    deployOk(engine, workspace([orderProxy()]))
    const r = await call(engine, 'test', 'GET', path)
    expect(r.status).toBe(200)
    expect(r.json.headers['x-order']).toBe(request)
    expect(r.headers.filter(([n]) => n === 'X-Order').map(([, v]) => v)).toEqual(response)
  })

  test('the trace lists flows evaluated with their condition and result', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([orderProxy()]))
    const { trace } = await call(engine, 'test', 'GET', '/order/b')
    const flows = trace.steps.filter((s) => s.kind === 'flow' && s.endpoint === 'ProxyEndpoint:default')
    expect(flows.map((f) => [f.flow, f.condition, f.conditionResult])).toEqual([
      ['Flow:a', 'proxy.pathsuffix = "/a"', false],
      ['Flow:also-a', 'proxy.pathsuffix ~/ "/*"', true]
    ])
    expect(flows[0]!.reads).toEqual([{ name: 'proxy.pathsuffix', value: '/b' }])
    const policies = trace.steps.filter((s) => s.kind === 'policy').map((s) => `${s.phase}:${s.policy}`)
    expect(policies).toEqual([
      'proxy-request:P-Pre-Req', 'proxy-request:P-AlsoA-Req', 'proxy-request:P-Post-Req',
      'target-request:T-Pre-Req', 'target-request:T-Flow-Req', 'target-request:T-Post-Req',
      'target-response:T-Pre-Res', 'target-response:T-Flow-Res', 'target-response:T-Post-Res',
      'proxy-response:P-Pre-Res', 'proxy-response:P-Post-Res'
    ])
    const first = trace.steps.find((s) => s.policy === 'P-Pre-Req')!
    expect(first.writes).toEqual([])
  })
})

describe('steps', () => {
  const policies = {
    ...stamps('Always', 'WhenFoo', 'Disabled'),
    Disabled: `<AssignMessage name="Disabled" enabled="false"><Add><Headers><Header name="X-Order">Disabled</Header></Headers></Add></AssignMessage>`
  }
  const p = proxy({
    name: 'steps',
    basePath: '/steps',
    policies,
    proxyEndpoints: {
      default: proxyEndpoint(`<PreFlow><Request>${step('Always')}${step('WhenFoo', 'request.header.foo = "yes"')}${step('Disabled')}</Request></PreFlow>`)
    }
  })

  test.each([
    { headers: {}, expected: 'Always' },
    { headers: { Foo: 'yes' }, expected: 'Always, WhenFoo' },
    { headers: { foo: 'no' }, expected: 'Always' }
  ])('step conditions and enabled="false" ($headers)', async ({ headers, expected }) => {
    const engine = makeEngine()
    deployOk(engine, workspace([p]))
    const r = await call(engine, 'test', 'GET', '/steps', headers)
    expect(r.json.headers['x-order']).toBe(expected)
    const disabled = r.trace.steps.find((s) => s.policy === 'Disabled')!
    expect(disabled).toMatchObject({ executed: false, skippedReason: 'disabled' })
    const whenFoo = r.trace.steps.find((s) => s.policy === 'WhenFoo')!
    expect(whenFoo).toMatchObject({ condition: 'request.header.foo = "yes"', conditionResult: expected.includes('WhenFoo') })
  })
})

describe('route rules', () => {
  const p = proxy({
    name: 'routes',
    basePath: '/routes',
    policies: { Answer: `<AssignMessage name="Answer"><AssignTo createNew="false" type="response"/><Set><Payload contentType="text/plain">null route</Payload><StatusCode>202</StatusCode></Set></AssignMessage>` },
    proxyEndpoints: {
      default: proxyEndpoint(`<PreFlow><Response>${step('Answer', 'proxy.pathsuffix = "/none"')}</Response></PreFlow>`, {
        route: `<RouteRule name="none"><Condition>proxy.pathsuffix = "/none"</Condition></RouteRule>
                <RouteRule name="backend"><Condition>proxy.pathsuffix = "/backend"</Condition><TargetEndpoint>backend</TargetEndpoint></RouteRule>
                <RouteRule name="direct"><Condition>proxy.pathsuffix = "/direct"</Condition><URL>http://direct.example/svc</URL></RouteRule>
                <RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>`
      })
    },
    targetEndpoints: {
      default: echoTarget,
      backend: `<TargetEndpoint name="backend"><HTTPTargetConnection><URL>http://backend.example/base</URL></HTTPTargetConnection></TargetEndpoint>`
    }
  })

  test('the first matching RouteRule wins; a rule without a target is a null route', async () => {
    const { fakeHttp } = await import('./helpers')
    const http = fakeHttp()
    const engine = makeEngine(http)
    deployOk(engine, workspace([p]))
    const none = await call(engine, 'test', 'GET', '/routes/none')
    expect([none.status, none.text, none.header('content-type')]).toEqual([202, 'null route', 'text/plain'])
    expect(none.trace.steps.some((s) => s.kind === 'target')).toBe(false)
    const backend = await call(engine, 'test', 'POST', '/routes/backend?q=1', { 'Content-Type': 'text/plain' }, 'hi')
    expect([backend.status, backend.text]).toEqual([200, 'backend'])
    expect(http.sent[0]).toMatchObject({ method: 'POST', url: 'http://backend.example/base/backend?q=1', timeoutMs: 55000 })
    expect(new TextDecoder().decode(http.sent[0]!.body)).toBe('hi')
    const direct = await call(engine, 'test', 'GET', '/routes/direct')
    expect(direct.status).toBe(200)
    expect(http.sent[1]!.url).toBe('http://direct.example/svc/direct')
    const other = await call(engine, 'test', 'GET', '/routes/x')
    expect(other.json.path).toBe('/x')
  })
})

describe('target.url and PostClientFlow', () => {
  test('a policy writing target.url in the target request flow redirects the call; the path suffix is still appended', async () => {
    const { fakeHttp } = await import('./helpers')
    const http = fakeHttp()
    const engine = makeEngine(http)
    deployOk(engine, workspace([proxy({
      name: 'redirect',
      basePath: '/redirect',
      policies: { Retarget: '<AssignMessage name="Retarget"><AssignVariable><Name>target.url</Name><Value>http://other.example/v2</Value></AssignVariable></AssignMessage>' },
      targetEndpoints: {
        default: `<TargetEndpoint name="default"><PreFlow><Request>${step('Retarget')}</Request></PreFlow><HTTPTargetConnection><URL>http://first.example/v1</URL></HTTPTargetConnection></TargetEndpoint>`
      }
    })]))
    const r = await call(engine, 'test', 'GET', '/redirect/items?id=3')
    expect(r.status).toBe(200)
    expect(http.sent.map((s) => s.url)).toEqual(['http://other.example/v2/items?id=3'])
    expect(r.trace.variables['target.url']).toBe('http://other.example/v2')
  })

  test('PostClientFlow runs after the response is fixed and cannot change it', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([proxy({
      name: 'pcf',
      basePath: '/pcf',
      policies: {
        Late: `<AssignMessage name="Late"><Set><Headers><Header name="X-Late">yes</Header></Headers><StatusCode>500</StatusCode></Set></AssignMessage>`
      },
      proxyEndpoints: { default: proxyEndpoint(`<PostClientFlow><Response>${step('Late')}</Response></PostClientFlow>`) }
    })]))
    const r = await call(engine, 'test', 'GET', '/pcf')
    expect([r.status, r.header('x-late')]).toEqual([200, undefined])
    const late = r.trace.steps.find((s) => s.policy === 'Late')!
    expect(late).toMatchObject({ phase: 'post-client', flow: 'PostClientFlow', executed: true })
  })
})
