import { describe, expect, test } from 'vitest'
import { createEngine } from '../../../src/engine'
import { PolicyFault } from '../../../src/engine/faults/fault'
import { policyHandlers } from '../../../src/engine/policies'
import type { PolicyHandler } from '../../../src/engine/policies/types'
import { OutboundError } from '../../../src/engine/ports'
import { T0, call, deployOk, fakeHttp, makeEngine, memoryTokens, proxy, proxyEndpoint, stamp, step, workspace } from './helpers'

const raise = (name: string, status = 400, extra = '') =>
  `<RaiseFault name="${name}"${extra}><FaultResponse><Set><Payload contentType="application/json">{"error":"${name}"}</Payload><StatusCode>${status}</StatusCode></Set></FaultResponse></RaiseFault>`

const faultRule = (name: string, condition: string | null, ...steps: string[]) =>
  `<FaultRule name="${name}">${steps.map((s) => step(s)).join('')}${condition ? `<Condition>${condition}</Condition>` : ''}</FaultRule>`

describe('unhandled faults', () => {
  test('RaiseFault without FaultResponse gives Apigee default envelope and 500', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([proxy({
      name: 'rf', basePath: '/rf',
      policies: { 'RF-Plain': '<RaiseFault name="RF-Plain"/>' },
      proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('RF-Plain')}</Request></PreFlow>`) }
    })]))
    const r = await call(engine, 'test', 'GET', '/rf')
    expect(r.status).toBe(500)
    expect(r.text).toBe('{"fault":{"faultstring":"Raising fault. Fault name : RF-Plain","detail":{"errorcode":"steps.raisefault.RaiseFault"}}}')
    expect(r.header('content-type')).toBe('application/json')
    expect(r.trace.fault).toMatchObject({ name: 'RaiseFault', policy: 'RF-Plain', status: 500 })
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'RaiseFault', 'raisefault.RF-Plain.failed': 'true', 'raisefault.RF-Plain.fault.name': 'RaiseFault' })
    expect(r.trace.faultName).toBe('RaiseFault')
    // The target and response flows never run after a fault.
    expect(r.trace.steps.some((s) => s.kind === 'target')).toBe(false)
  })

  test('PolicyFault options: extra headers on the envelope, or a full replacement response', async () => {
    const headerFault: PolicyHandler = {
      type: 'TestHeaderFault', faultVariablePrefix: 'test', compile: () => null,
      execute() {
        throw new PolicyFault(
          { name: 'InvalidAccessToken', status: 401, errorcode: 'oauth.v2.InvalidAccessToken', faultstring: 'Invalid access token' },
          { headers: [['WWW-Authenticate', 'Bearer realm="null"']], cause: 'no header' }
        )
      }
    }
    const bodyFault: PolicyHandler = {
      type: 'TestBodyFault', faultVariablePrefix: 'test', compile: () => null,
      execute() {
        throw new PolicyFault(
          { name: 'invalid_client', status: 401, errorcode: 'oauth.v2.invalid_client', faultstring: 'ClientId is Invalid' },
          { response: { status: 401, headers: [['Content-Type', 'application/json']], body: '{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}' } }
        )
      }
    }
    const handlers = new Map<string, PolicyHandler>([...policyHandlers, ['TestHeaderFault', headerFault], ['TestBodyFault', bodyFault]])
    const engine = createEngine({ clock: { now: () => T0 }, random: { bytes: (n) => new Uint8Array(n) }, tokens: memoryTokens(), http: fakeHttp(), handlers })
    deployOk(engine, workspace([
      proxy({ name: 'h', basePath: '/h', policies: { H: '<TestHeaderFault name="H"/>' }, proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('H')}</Request></PreFlow>`) } }),
      proxy({ name: 'b', basePath: '/b', policies: { B: '<TestBodyFault name="B"/>' }, proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('B')}</Request></PreFlow>`) } })
    ]))
    const h = await call(engine, 'test', 'GET', '/h')
    expect([h.status, h.text, h.header('www-authenticate')]).toEqual([
      401, '{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}', 'Bearer realm="null"'
    ])
    expect(h.trace.fault).toMatchObject({ cause: 'no header', variables: { 'test.H.fault.cause': 'no header' } })
    const b = await call(engine, 'test', 'GET', '/b')
    expect([b.status, b.reason, b.text]).toEqual([401, 'Unauthorized', '{"ErrorCode" : "invalid_client", "Error" :"ClientId is Invalid"}'])
  })

  test('a policy that throws a non-fault error becomes a 500 InternalError fault', async () => {
    const broken: PolicyHandler = { type: 'Broken', faultVariablePrefix: 'broken', compile: () => null, execute() { throw new Error('boom') } }
    const engine = createEngine({ clock: { now: () => T0 }, random: { bytes: (n) => new Uint8Array(n) }, tokens: memoryTokens(), http: fakeHttp(), handlers: new Map([['Broken', broken]]) })
    deployOk(engine, workspace([proxy({ name: 'x', basePath: '/x', policies: { X: '<Broken name="X"/>' }, proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('X')}</Request></PreFlow>`) } })]))
    const r = await call(engine, 'test', 'GET', '/x')
    expect([r.status, r.json.fault.detail.errorcode, r.json.fault.faultstring]).toEqual([500, 'messaging.runtime.InternalError', 'Internal error in policy X: boom'])
  })
})

describe('continueOnError', () => {
  test('sets the fault variables and lets the flow go on without FaultRules', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([proxy({
      name: 'coe', basePath: '/coe',
      policies: {
        'RF-Soft': raise('RF-Soft', 418, ' continueOnError="true"'),
        Report: `<AssignMessage name="Report"><Set><Headers><Header name="X-Failed">{raisefault.RF-Soft.failed}</Header><Header name="X-Fault">{fault.name}</Header><Header name="X-Cause">{raisefault.RF-Soft.fault.name}</Header></Headers></Set></AssignMessage>`,
        Never: stamp('Never')
      },
      proxyEndpoints: { default: proxyEndpoint(`<FaultRules>${faultRule('fr', null, 'Never')}</FaultRules><PreFlow><Request>${step('RF-Soft')}${step('Report')}</Request></PreFlow>`) }
    })]))
    const r = await call(engine, 'test', 'GET', '/coe')
    expect(r.status).toBe(200)
    expect(r.json.headers).toMatchObject({ 'x-failed': 'true', 'x-fault': 'RaiseFault', 'x-cause': 'RaiseFault' })
    expect(r.json.headers['x-order']).toBeUndefined()
    expect(r.trace.fault).toBeNull()
    expect(r.trace.steps.find((s) => s.policy === 'RF-Soft')).toMatchObject({ continueOnError: true, error: { name: 'RaiseFault', status: 418 } })
  })
})

describe('ProxyEndpoint fault rules', () => {
  const build = (defaultRule: string) =>
    proxy({
      name: 'pfr', basePath: '/pfr',
      policies: {
        'RF-Go': raise('RF-Go', 400),
        ...Object.fromEntries(['First', 'Second', 'Third', 'Default', 'Other'].map((n) => [n, `<AssignMessage name="${n}"><AssignTo createNew="false" type="response"/><Add><Headers><Header name="X-Rule">${n}</Header></Headers></Add></AssignMessage>`])),
        ErrVars: `<AssignMessage name="ErrVars"><Set><Headers><Header name="X-Error">{fault.name}|{error.status.code}|{error.message}|{error.state}</Header></Headers></Set></AssignMessage>`,
        'RF-InRule': raise('RF-InRule', 503)
      },
      proxyEndpoints: {
        default: proxyEndpoint(`
          <FaultRules>
            ${faultRule('first', 'fault.name = "RaiseFault"', 'First', 'ErrVars')}
            ${faultRule('second', 'fault.name = "RaiseFault"', 'Second')}
            ${faultRule('third', 'fault.name = "Nope"', 'Third')}
          </FaultRules>
          ${defaultRule}
          <PreFlow><Request>${step('RF-Go', 'request.queryparam.go = "1"')}${step('RF-Other', 'request.queryparam.go = "2"')}</Request></PreFlow>`)
      }
    })

  test('evaluated bottom-up: the last matching FaultRule runs, only one, and the DefaultFaultRule does not', async () => {
    const engine = makeEngine()
    const p = build(`<DefaultFaultRule name="dfr">${step('Default')}</DefaultFaultRule>`)
    p.policies['RF-Other'] = '<RaiseFault name="RF-Other"/>'
    deployOk(engine, workspace([p]))
    const r = await call(engine, 'test', 'GET', '/pfr?go=1')
    expect(r.status).toBe(400)
    expect(r.text).toBe('{"error":"RF-Go"}')
    expect(r.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['Second'])
    const ruleSteps = r.trace.steps.filter((s) => s.kind === 'fault-rule').map((s) => [s.flow, s.conditionResult ?? null, s.executed])
    expect(ruleSteps).toEqual([['FaultRule:third', false, false], ['FaultRule:second', true, true]])

    const other = await call(engine, 'test', 'GET', '/pfr?go=2')
    expect(other.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['Second'])
  })

  test('DefaultFaultRule runs when no FaultRule matched, and with AlwaysEnforce after one did', async () => {
    const engine = makeEngine()
    const p = build(`<DefaultFaultRule name="dfr">${step('Default')}<AlwaysEnforce>true</AlwaysEnforce></DefaultFaultRule>`)
    p.proxyEndpoints['default'] = p.proxyEndpoints['default']!.replace(/fault\.name = "RaiseFault"/g, 'request.queryparam.rule = "yes"')
    p.policies['RF-Other'] = '<RaiseFault name="RF-Other"/>'
    deployOk(engine, workspace([p]))
    const none = await call(engine, 'test', 'GET', '/pfr?go=1')
    expect(none.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['Default'])
    const both = await call(engine, 'test', 'GET', '/pfr?go=1&rule=yes')
    expect(both.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['Second', 'Default'])

    const plain = build(`<DefaultFaultRule name="dfr">${step('Default')}</DefaultFaultRule>`)
    plain.proxyEndpoints['default'] = plain.proxyEndpoints['default']!.replace(/fault\.name = "RaiseFault"/g, 'request.queryparam.rule = "yes"')
    plain.policies['RF-Other'] = '<RaiseFault name="RF-Other"/>'
    deployOk(engine, workspace([plain]))
    const handled = await call(engine, 'test', 'GET', '/pfr?go=1&rule=yes')
    expect(handled.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['Second'])
  })

  test('error.* and fault.* variables inside the error flow', async () => {
    const engine = makeEngine()
    const p = build('')
    // Make "first" the only match so ErrVars runs.
    p.proxyEndpoints['default'] = p.proxyEndpoints['default']!.replace('<Condition>fault.name = "RaiseFault"</Condition></FaultRule>\n            <FaultRule name="second">', '<Condition>fault.name = "RaiseFault"</Condition></FaultRule>\n            <FaultRule name="second-off">')
    p.proxyEndpoints['default'] = p.proxyEndpoints['default']!.replace(/(<FaultRule name="second-off">.*?<Condition>)fault\.name = "RaiseFault"/s, '$1false')
    p.policies['RF-Other'] = '<RaiseFault name="RF-Other"/>'
    deployOk(engine, workspace([p]))
    const r = await call(engine, 'test', 'GET', '/pfr?go=1')
    expect(r.header('x-error')).toBe('RaiseFault|400|Raising fault. Fault name : RF-Go|PROXY_REQ_FLOW')
  })

  test('a RaiseFault inside a FaultRule replaces the response, the rule goes on, the DefaultFaultRule is skipped', async () => {
    const engine = makeEngine()
    const p = build(`<DefaultFaultRule name="dfr">${step('Default')}<AlwaysEnforce>true</AlwaysEnforce></DefaultFaultRule>`)
    p.proxyEndpoints['default'] = p.proxyEndpoints['default']!.replace(faultRule('second', 'fault.name = "RaiseFault"', 'Second'), faultRule('second', 'fault.name = "RaiseFault"', 'RF-InRule', 'Second'))
    p.policies['RF-Other'] = '<RaiseFault name="RF-Other"/>'
    deployOk(engine, workspace([p]))
    const r = await call(engine, 'test', 'GET', '/pfr?go=1')
    expect(r.status).toBe(503)
    expect(r.text).toBe('{"error":"RF-InRule"}')
    expect(r.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['Second'])
    expect(r.trace.fault!.name).toBe('RaiseFault')
  })
})

describe('TargetEndpoint fault rules', () => {
  const addRule = (n: string) => `<AssignMessage name="${n}"><AssignTo createNew="false" type="response"/><Add><Headers><Header name="X-Rule">${n}</Header></Headers></Add></AssignMessage>`
  const build = (targetDefault: string, proxyDefault: string, url = 'echo://') =>
    proxy({
      name: 'tfr', basePath: '/tfr',
      policies: { 'RF-T': raise('RF-T', 409), TFirst: addRule('TFirst'), TSecond: addRule('TSecond'), TDefault: addRule('TDefault'), PRule: addRule('PRule'), PDefault: addRule('PDefault') },
      proxyEndpoints: { default: proxyEndpoint(`<FaultRules>${faultRule('p', null, 'PRule')}</FaultRules>${proxyDefault}`) },
      targetEndpoints: {
        default: `<TargetEndpoint name="default">
          <FaultRules>${faultRule('t1', 'request.queryparam.t = "1"', 'TFirst')}${faultRule('t2', 'request.queryparam.t != "none"', 'TSecond')}</FaultRules>
          ${targetDefault}
          <PreFlow><Request>${step('RF-T', 'request.queryparam.raise = "yes"')}</Request></PreFlow>
          <HTTPTargetConnection><URL>${url}</URL></HTTPTargetConnection></TargetEndpoint>`
      }
    })

  test.each([
    { query: 't=1&raise=yes', rules: ['TFirst'] },
    { query: 't=2&raise=yes', rules: ['TSecond'] },
    { query: 't=none&raise=yes', rules: ['TDefault'] }
  ])('top-down, first match; ProxyEndpoint FaultRules never run ($query)', async ({ query, rules }) => {
    const engine = makeEngine()
    deployOk(engine, workspace([build(`<DefaultFaultRule name="td">${step('TDefault')}</DefaultFaultRule>`, `<DefaultFaultRule name="pd">${step('PDefault')}</DefaultFaultRule>`)]))
    const r = await call(engine, 'test', 'GET', `/tfr?${query}`)
    expect(r.status).toBe(409)
    expect(r.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(rules)
  })

  test('with no target rule matching and no target DefaultFaultRule, the ProxyEndpoint DefaultFaultRule runs', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([build('', `<DefaultFaultRule name="pd">${step('PDefault')}</DefaultFaultRule>`)]))
    const r = await call(engine, 'test', 'GET', '/tfr?t=none&raise=yes')
    expect(r.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['PDefault'])
    const handled = await call(engine, 'test', 'GET', '/tfr?t=1&raise=yes')
    expect(handled.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['TFirst'])
  })

  test.each([
    { code: 'connection-refused' as const, status: 503, body: '{"fault":{"faultstring":"The Service is temporarily unavailable","detail":{"errorcode":"messaging.adaptors.http.flow.ServiceUnavailable"}}}' },
    { code: 'timeout' as const, status: 504, body: '{"fault":{"faultstring":"Gateway Timeout","detail":{"errorcode":"messaging.adaptors.http.flow.GatewayTimeout"}}}' },
    { code: 'unexpected-eof' as const, status: 502, body: '{"fault":{"faultstring":"Unexpected EOF at target","detail":{"errorcode":"messaging.adaptors.http.flow.UnexpectedEOFAtTarget"}}}' }
  ])('target failure $code gives $status and runs TargetEndpoint FaultRules', async ({ code, status, body }) => {
    const http = fakeHttp(() => { throw new OutboundError(code, 'x') })
    const engine = makeEngine(http)
    deployOk(engine, workspace([build('', '', 'http://127.0.0.1:9/x')]))
    const r = await call(engine, 'test', 'GET', '/tfr?t=2')
    expect([r.status, r.text]).toEqual([status, body])
    expect(r.headers.filter(([n]) => n === 'X-Rule').map(([, v]) => v)).toEqual(['TSecond'])
    expect(r.trace.steps.find((s) => s.kind === 'target')!.error!.status).toBe(status)
  })

  test('a target error status is passed through as the target answered, with fault.name ErrorResponseCode', async () => {
    const http = fakeHttp(() => ({ status: 404, reasonPhrase: 'Not Found', headers: [['Content-Type', 'text/plain']], body: new TextEncoder().encode('no such thing') }))
    const engine = makeEngine(http)
    const p = build('', '', 'http://backend.example')
    p.policies['TSecond'] = `<AssignMessage name="TSecond"><AssignTo createNew="false" type="response"/><Set><Headers><Header name="X-Rule">{fault.name}</Header></Headers></Set></AssignMessage>`
    deployOk(engine, workspace([p]))
    const r = await call(engine, 'test', 'GET', '/tfr?t=2')
    expect([r.status, r.text, r.header('x-rule')]).toEqual([404, 'no such thing', 'ErrorResponseCode'])
    const untouched = await call(engine, 'test', 'GET', '/tfr?t=none')
    expect([untouched.status, untouched.text, untouched.header('x-rule')]).toEqual([404, 'no such thing', undefined])
  })

  test('success.codes makes a 404 a success', async () => {
    const http = fakeHttp(() => ({ status: 404, reasonPhrase: 'Not Found', headers: [], body: new Uint8Array() }))
    const engine = makeEngine(http)
    const p = build('', '', 'http://backend.example')
    p.targetEndpoints['default'] = p.targetEndpoints['default']!.replace('</URL>', '</URL><Properties><Property name="success.codes">1xx,2xx,3xx,404</Property></Properties>')
    deployOk(engine, workspace([p]))
    const r = await call(engine, 'test', 'GET', '/tfr?t=2')
    expect(r.status).toBe(404)
    expect(r.trace.fault).toBeNull()
  })
})
