import { describe, expect, test } from 'vitest'
import { call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace } from '../runtime/helpers'
import { deployErrors, runWith } from '../policies/standard-helpers'

const show = (header: string, variable: string) =>
  `<AssignMessage name="Show"><AssignTo createNew="false" type="response"/><Set><Headers><Header name="${header}">{${variable}}</Header></Headers></Set></AssignMessage>`
const envelope = (faultstring: string, errorcode: string) => JSON.stringify({ fault: { faultstring, detail: { errorcode } } })
const stepOf = (trace: { steps: Array<{ policy?: string; description?: string }> }, policy: string) => trace.steps.find((s) => s.policy === policy)!

describe('MessageLogging', () => {
  const syslog = (inner: string) => `<MessageLogging name="ML-1"><Syslog>${inner}</Syslog></MessageLogging>`
  const base = '<Message>user {request.queryparam.u} called {request.verb}</Message><Host>logs.example.com</Host><Port>6514</Port><Protocol>TCP</Protocol>'

  test('in PostClientFlow the trace records the rendered message and where it would have gone; the client response is untouched', async () => {
    const engine = makeEngine()
    const endpoint = proxyEndpoint(`<PreFlow><Request/><Response/></PreFlow><PostClientFlow><Response>${step('ML-1')}</Response></PostClientFlow>`)
    deployOk(engine, workspace([proxy({ name: 'p', basePath: '/p', policies: { 'ML-1': syslog(base) }, proxyEndpoints: { default: endpoint } })]))
    const r = await call(engine, 'test', 'GET', '/p/x?u=alice')
    expect(r.status).toBe(200)
    const s = r.trace.steps.find((x) => x.policy === 'ML-1')!
    expect(s.phase).toBe('post-client')
    expect(s.description).toBe('Syslog message not sent (Gatelab sends nothing off the machine); would go to logs.example.com:6514 over TCP: user alice called GET')
  })

  test('private. variables are masked in the recorded message, so no secret reaches the trace', async () => {
    const secret = `<AssignMessage name="Secret"><AssignVariable><Name>private.api-secret</Name><Value>s3cr3t-value</Value></AssignVariable></AssignMessage>`
    const policy = syslog('<Message>key={private.api-secret} verb={request.verb}</Message><Host>h</Host>')
    const r = await runWith({ policies: { Secret: secret, 'ML-1': policy }, request: ['Secret', 'ML-1'] }, 'GET', '/p')
    expect(stepOf(r.trace, 'ML-1').description).toBe('Syslog message not sent (Gatelab sends nothing off the machine); would go to h:514 over UDP: key=******** verb=GET')
    expect(JSON.stringify(r.trace)).not.toContain('s3cr3t-value')
  })

  test('FormatMessage adds an RFC 5424 header with the logLevel severity', async () => {
    const policy = `<MessageLogging name="ML-1"><Syslog>${base}<FormatMessage>true</FormatMessage></Syslog><logLevel>ERROR</logLevel></MessageLogging>`
    const r = await runWith({ policies: { 'ML-1': policy }, response: ['ML-1'] }, 'GET', '/p?u=bob')
    expect(stepOf(r.trace, 'ML-1').description).toMatch(/over TCP: <11>1 \d{4}-\d\d-\d\dT[\d:.]+Z gatelab \S+-p-test - - - user bob called GET$/)
  })

  test('CloudLogging records log name, content type, labels and message', async () => {
    const policy = `<MessageLogging name="ML-1"><CloudLogging><LogName>projects/demo/logs/{request.queryparam.log}</LogName>
      <Message contentType="application/json">{"verb":"{request.verb}"}</Message>
      <Labels><Label><Key>path</Key><Value>{request.path}</Value></Label></Labels></CloudLogging></MessageLogging>`
    const r = await runWith({ policies: { 'ML-1': policy }, response: ['ML-1'] }, 'GET', '/p/a?log=audit')
    expect(r.status).toBe(200)
    expect(stepOf(r.trace, 'ML-1').description).toBe(
      'Cloud Logging entry not sent (Gatelab sends nothing off the machine); would go to projects/demo/logs/audit as application/json with labels path=/p/a: {"verb":"GET"}'
    )
  })

  test('a LogName that does not render as projects/{p}/logs/{l} -> StepDefinitionExecutionFailed', async () => {
    const policy = `<MessageLogging name="ML-1"><CloudLogging><LogName>projects/demo/logs/{missing}</LogName><Message>m</Message></CloudLogging></MessageLogging>`
    const r = await runWith({ policies: { 'ML-1': policy }, request: ['ML-1'] }, 'GET', '/p')
    expect([r.status, r.text]).toEqual([
      500,
      envelope('Failed to execute the MessageLogging StepDefinition ML-1. Reason: LogName "projects/demo/logs/" is not of the form projects/{project}/logs/{log}', 'steps.messagelogging.StepDefinitionExecutionFailed')
    ])
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'StepDefinitionExecutionFailed', 'messagelogging.ML-1.failed': 'true' })
  })

  test.each([
    [syslog('<Message>m</Message><Host>h</Host><Protocol>HTTP</Protocol>'), 'InvalidProtocol'],
    [syslog('<Message>m</Message><Host>h</Host><Port>70000</Port>'), 'InvalidPort'],
    [syslog('<Message>m</Message><Host>h</Host><Port>abc</Port>'), 'InvalidPort'],
    [syslog('<Message>m</Message>'), 'InvalidHost'],
    ['<MessageLogging name="ML-1"/>', 'InvalidConfiguration'],
    [syslog('<Message>m</Message><Host>h</Host>').replace('</MessageLogging>', '<logLevel>LOUD</logLevel></MessageLogging>'), 'InvalidLogLevel'],
    ['<MessageLogging name="ML-1"><CloudLogging><Message>m</Message></CloudLogging></MessageLogging>', 'InvalidLogName']
  ])('deployment error %#: %s -> %s', (xml, code) => {
    expect(deployErrors({ 'ML-1': xml })).toEqual([code])
  })
})

describe('StatisticsCollector', () => {
  const sc = (stats: string) => `<StatisticsCollector name="SC-1"><Statistics>${stats}</Statistics></StatisticsCollector>`

  test('records each statistic from its variable, or its default when the variable is unresolved', async () => {
    const policy = sc('<Statistic name="product" ref="request.queryparam.p" type="string">none</Statistic><Statistic name="price" ref="request.queryparam.price" type="float">0</Statistic><Statistic name="qty" ref="request.queryparam.q" type="integer">1</Statistic>')
    const r = await runWith({ policies: { 'SC-1': policy }, request: ['SC-1'] }, 'GET', '/p?p=book&q=x')
    expect(r.status).toBe(200)
    expect(stepOf(r.trace, 'SC-1').description).toBe(
      'Statistics collected (kept in the trace, no analytics store): product (string) = "book" from request.queryparam.p; price (float) = 0 from default, request.queryparam.price unresolved; qty (integer) not recorded: "x" is not a integer'
    )
  })

  test.each([
    ['<Statistic name="n" ref="v" type="decimal"/>', 'UnsupportedDatatype'],
    ['<Statistic name="n" ref="v"/>', 'DatatypeMissing'],
    ['<Statistic name="request" ref="v" type="string"/>', 'InvalidName'],
    ['<Statistic name="my-stat" ref="v" type="string"/>', 'InvalidName']
  ])('%s -> %s', (stat, code) => {
    expect(deployErrors({ 'SC-1': sc(stat) })).toEqual([code])
  })
})

describe('AssertCondition', () => {
  const ac = (condition: string) => `<AssertCondition name="AC-1"><Condition>${condition}</Condition></AssertCondition>`

  test.each([
    ['/p?id=xyz', 'true'],
    ['/p?id=abc', 'false'],
    ['/p', 'false']
  ])('%s -> truthValue %s, the request goes on either way', async (url, truth) => {
    const r = await runWith({ policies: { 'AC-1': ac('request.queryparam.id = "xyz" and request.verb = "GET"'), Show: show('X-Truth', 'assertcondition.AC-1.truthValue') }, request: ['AC-1'], response: ['Show'] }, 'GET', url)
    expect([r.status, r.header('x-truth')]).toEqual([200, truth])
  })

  test.each([[''], ['request.verb = ']])('condition "%s" -> InvalidCondition', (condition) => {
    expect(deployErrors({ 'AC-1': ac(condition) })).toEqual(['InvalidCondition'])
  })
})
