import { describe, expect, test } from 'vitest'
import { call, makeEngine, proxy, proxyEndpoint, stamp, step, workspace } from './helpers'

const javaCallout = `<JavaCallout name="JC-Sign" continueOnError="false"><ClassName>com.acme.Sign</ClassName><ResourceURL>java://sign.jar</ResourceURL></JavaCallout>`

function bundle(opts: { jc?: string; skip?: string[] } = {}) {
  return proxy({
    name: 'signer',
    basePath: '/signer',
    policies: { 'JC-Sign': opts.jc ?? javaCallout, Stamp: stamp('Stamp') },
    proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('JC-Sign')}${step('Stamp')}</Request></PreFlow>`) },
    ...(opts.skip ? { skipPolicies: opts.skip } : {})
  })
}

const FAULT = {
  fault: {
    faultstring: 'Gatelab cannot run JavaCallout policy "JC-Sign" on a desktop; mark the step to skip it in the proxy editor',
    detail: { errorcode: 'gatelab.UnsupportedPolicy' }
  }
}

describe('policies Gatelab cannot run', () => {
  test('a JavaCallout step deploys with one warning naming the policy, its type and its step', () => {
    const engine = makeEngine()
    const report = engine.deploy(workspace([bundle()]))
    expect(report.ok).toBe(true)
    expect(report.errors).toEqual([])
    expect(report.warnings).toEqual([
      {
        code: 'UnsupportedPolicy',
        message:
          'Policy JC-Sign is a JavaCallout policy, which cannot run on a desktop; its step (proxies/default.xml PreFlow Request) raises gatelab.UnsupportedPolicy unless marked skip',
        proxy: 'signer',
        file: 'policies/JC-Sign.xml',
        policy: 'JC-Sign',
        policyType: 'JavaCallout',
        reason: 'desktop',
        steps: ['proxies/default.xml PreFlow Request']
      }
    ])
    const [deployment] = engine.deployments('signer')
    expect(deployment!.state).toBe('deployed')
    expect(deployment!.warnings.map((w) => w.policy)).toEqual(['JC-Sign'])
  })

  test('at runtime the step raises gatelab.UnsupportedPolicy 500 and the trace says which step', async () => {
    const engine = makeEngine()
    engine.deploy(workspace([bundle()]))
    const res = await call(engine, 'test', 'GET', '/signer')
    expect(res.status).toBe(500)
    expect(res.text).toBe(JSON.stringify(FAULT))
    const traced = res.trace.steps.find((s) => s.policy === 'JC-Sign')!
    expect(traced.executed).toBe(true)
    expect(traced.policyType).toBe('JavaCallout')
    expect(traced.error).toMatchObject({ name: 'UnsupportedPolicy', errorcode: 'gatelab.UnsupportedPolicy', status: 500 })
    expect(res.trace.steps.some((s) => s.policy === 'Stamp')).toBe(false)
    expect(res.trace.fault).toMatchObject({ name: 'UnsupportedPolicy', errorcode: 'gatelab.UnsupportedPolicy', status: 500 })
  })

  test('a FaultRule on fault.name = "UnsupportedPolicy" catches it', async () => {
    const engine = makeEngine()
    const p = bundle()
    p.policies['RF-Unsupported'] = '<RaiseFault name="RF-Unsupported"><FaultResponse><Set><StatusCode>501</StatusCode><Payload contentType="text/plain">not here</Payload></Set></FaultResponse></RaiseFault>'
    p.proxyEndpoints['default'] = proxyEndpoint(
      `<FaultRules><FaultRule name="unsupported">${step('RF-Unsupported')}<Condition>fault.name = "UnsupportedPolicy"</Condition></FaultRule></FaultRules><PreFlow><Request>${step('JC-Sign')}</Request></PreFlow>`
    )
    engine.deploy(workspace([p]))
    const res = await call(engine, 'test', 'GET', '/signer')
    expect([res.status, res.text]).toEqual([501, 'not here'])
  })

  test('with continueOnError the flow goes on to the next step and the target', async () => {
    const engine = makeEngine()
    engine.deploy(workspace([bundle({ jc: javaCallout.replace('continueOnError="false"', 'continueOnError="true"') })]))
    const res = await call(engine, 'test', 'GET', '/signer')
    expect(res.status).toBe(200)
    expect(res.json.headers['x-order']).toBe('Stamp')
    const traced = res.trace.steps.find((s) => s.policy === 'JC-Sign')!
    expect(traced.continueOnError).toBe(true)
    expect(traced.error?.errorcode).toBe('gatelab.UnsupportedPolicy')
  })

  test('a step marked skip is skipped, the trace says why, and the rest of the bundle runs', async () => {
    const engine = makeEngine()
    engine.deploy(workspace([bundle({ skip: ['JC-Sign'] })]))
    const res = await call(engine, 'test', 'GET', '/signer')
    expect(res.status).toBe(200)
    expect(res.json.headers['x-order']).toBe('Stamp')
    const traced = res.trace.steps.find((s) => s.policy === 'JC-Sign')!
    expect(traced).toMatchObject({ executed: false, skippedReason: 'marked-skip', description: 'marked skip in Gatelab' })
  })

  test('marking a step skip takes effect at once and keeps the running revision', async () => {
    const engine = makeEngine()
    engine.deploy(workspace([bundle()]))
    const report = engine.deploy(workspace([bundle({ skip: ['JC-Sign'] })]))
    expect(report.proxies[0]).toMatchObject({ status: 'unchanged', runningRevision: 1 })
    expect(report.warnings).toHaveLength(1)
    expect((await call(engine, 'test', 'GET', '/signer')).status).toBe(200)
  })

  test('skipPolicies never skips a policy Gatelab runs', async () => {
    const engine = makeEngine()
    engine.deploy(workspace([bundle({ skip: ['JC-Sign', 'Stamp'] })]))
    const res = await call(engine, 'test', 'GET', '/signer')
    expect(res.json.headers['x-order']).toBe('Stamp')
  })

  test('a Python Script policy is named as such', async () => {
    const engine = makeEngine()
    const report = engine.deploy(workspace([bundle({ jc: '<Script name="JC-Sign"><ResourceURL>py://sign.py</ResourceURL></Script>' })]))
    expect(report.warnings[0]!.message).toMatch(/^Policy JC-Sign is a Python Script policy, which cannot run on a desktop/)
    const res = await call(engine, 'test', 'GET', '/signer')
    expect(res.json.fault.faultstring).toBe('Gatelab cannot run Python Script policy "JC-Sign" on a desktop; mark the step to skip it in the proxy editor')
  })

  test('an Apigee type Gatelab does not implement yet deploys with a warning too', async () => {
    const engine = makeEngine()
    const report = engine.deploy(workspace([bundle({ jc: '<TraceCapture name="JC-Sign"/>' })]))
    expect(report.ok).toBe(true)
    expect(report.warnings[0]).toMatchObject({ code: 'UnsupportedPolicy', policyType: 'TraceCapture', reason: 'not-implemented' })
    const res = await call(engine, 'test', 'GET', '/signer')
    expect(res.status).toBe(500)
    expect(res.json.fault.faultstring).toBe('Gatelab cannot run TraceCapture policy "JC-Sign" yet; mark the step to skip it in the proxy editor')
  })

  test('a type Apigee does not have (a typo) is still a deployment error', () => {
    const engine = makeEngine()
    const report = engine.deploy(workspace([bundle({ jc: '<AssignMesage name="JC-Sign"/>' })]))
    expect(report.ok).toBe(false)
    expect(report.errors).toMatchObject([{ code: 'UnknownPolicyType', file: 'policies/JC-Sign.xml', line: 1, column: 1 }])
  })

  test('an unsupported policy used by no step is reported as such', () => {
    const engine = makeEngine()
    const p = bundle()
    p.proxyEndpoints['default'] = proxyEndpoint(`<PreFlow><Request>${step('Stamp')}</Request></PreFlow>`)
    const report = engine.deploy(workspace([p]))
    expect(report.warnings[0]!.message).toBe('Policy JC-Sign is a JavaCallout policy, which cannot run on a desktop; no step uses it')
  })
})

describe('targets Gatelab cannot run', () => {
  test('a HostedTarget deploys with a warning and requests routed to it get gatelab.UnsupportedTarget', async () => {
    const engine = makeEngine()
    const p = proxy({
      name: 'hosted',
      basePath: '/hosted',
      policies: { Stamp: stamp('Stamp') },
      proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('Stamp')}</Request></PreFlow>`) },
      targetEndpoints: { default: '<TargetEndpoint name="default"><HostedTarget/></TargetEndpoint>' }
    })
    const report = engine.deploy(workspace([p]))
    expect(report.ok).toBe(true)
    expect(report.warnings).toEqual([
      {
        code: 'UnsupportedTarget',
        message: 'TargetEndpoint default is a HostedTarget (Node.js app hosted by Apigee), which cannot run on a desktop; requests routed to it get gatelab.UnsupportedTarget',
        proxy: 'hosted',
        file: 'targets/default.xml',
        path: '/TargetEndpoint/HostedTarget',
        line: 1,
        column: 32,
        reason: 'desktop',
        steps: []
      }
    ])
    const res = await call(engine, 'test', 'GET', '/hosted')
    expect(res.status).toBe(500)
    expect(res.text).toBe(
      JSON.stringify({
        fault: {
          faultstring: 'Gatelab cannot run the HostedTarget of TargetEndpoint "default" on a desktop; route to an HTTP target instead',
          detail: { errorcode: 'gatelab.UnsupportedTarget' }
        }
      })
    )
    expect(res.trace.steps.some((s) => s.policy === 'Stamp' && s.executed)).toBe(true)
  })

  test('a Node.js ScriptTarget likewise', () => {
    const engine = makeEngine()
    const p = proxy({
      name: 'node',
      basePath: '/node',
      targetEndpoints: { default: '<TargetEndpoint name="default"><ScriptTarget><ResourceURL>node://app.js</ResourceURL></ScriptTarget></TargetEndpoint>' }
    })
    const report = engine.deploy(workspace([p]))
    expect(report.ok).toBe(true)
    expect(report.warnings[0]).toMatchObject({ code: 'UnsupportedTarget', file: 'targets/default.xml' })
    expect(report.warnings[0]!.message).toMatch(/^TargetEndpoint default is a Node\.js ScriptTarget/)
  })
})
