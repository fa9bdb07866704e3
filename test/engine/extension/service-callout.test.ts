/** ServiceCallout: request building, the HttpClient call, the response variable, variables and every fault. */
import { describe, expect, it } from 'vitest'
import { OutboundError } from '../../../src/engine/ports'
import { bytes, deployErrors, rig, written } from './harness'

const sc = (inner: string, url = 'http://svc.local/lookup', attrs = ''): string =>
  `<ServiceCallout name="SC"${attrs}>${inner}<HTTPTargetConnection><URL>${url}</URL></HTTPTargetConnection></ServiceCallout>`

/** Copies the callout response into the client response, so the test sees what the flow read. */
const show = `<AssignMessage name="Show"><Set><Headers><Header name="x-status">{calloutResponse.status.code}</Header><Header name="x-color">{calloutResponse.header.x-color}</Header></Headers><Payload contentType="text/plain">{calloutResponse.content}</Payload></Set><AssignTo createNew="false" type="response"/></AssignMessage>`

describe('ServiceCallout', () => {
  it('sends the edited request through the HttpClient and exposes the response as flow variables', async () => {
    const r = rig(
      {
        SC: sc(`<Request variable="myRequest"><Set><Verb>POST</Verb><Headers><Header name="x-client">{request.header.x-id}</Header></Headers><QueryParams><QueryParam name="q">a b</QueryParam></QueryParams><Payload contentType="application/json">{"id":"{request.header.x-id}"}</Payload></Set></Request><Response>calloutResponse</Response>`),
        Show: show
      },
      { steps: ['SC'], response: '<Step><Name>Show</Name></Step>', answer: () => ({ status: 201, reasonPhrase: 'Created', headers: [['x-color', 'blue']], body: bytes('found it') }) }
    )
    const result = await r.get({ 'x-id': '42' })
    expect(r.sent).toHaveLength(1)
    const sent = r.sent[0]!
    expect(sent.method).toBe('POST')
    expect(sent.url).toBe('http://svc.local/lookup?q=a%20b')
    expect(sent.headers).toEqual(expect.arrayContaining([['x-client', '42'], ['Content-Type', 'application/json']]))
    expect(new TextDecoder().decode(sent.body)).toBe('{"id":"42"}')
    expect(sent.timeoutMs).toBe(55_000)
    expect(result.status).toBe(200)
    expect(result.text).toBe('found it')
    expect(result.header('x-status')).toBe('201')
    expect(result.header('x-color')).toBe('blue')
    expect(written(result, 'SC')).toMatchObject({
      'servicecallout.requesturi': 'http://svc.local/lookup?q=a%20b',
      'servicecallout.SC.target.url': 'http://svc.local/lookup'
    })
  })

  it('Response defaults to calloutResponse; URL templates resolve; Timeout and success.codes apply', async () => {
    const r = rig(
      {
        SC: `<ServiceCallout name="SC"><Timeout>1500</Timeout><HTTPTargetConnection><URL>http://{request.header.x-host}/v1</URL><Properties><Property name="success.codes">2xx,404</Property></Properties></HTTPTargetConnection></ServiceCallout>`,
        Show: show
      },
      { steps: ['SC'], response: '<Step><Name>Show</Name></Step>', answer: () => ({ status: 404, reasonPhrase: 'Not Found', headers: [], body: bytes('none') }) }
    )
    const result = await r.get({ 'x-host': 'users.local' })
    expect(r.sent[0]!.url).toBe('http://users.local/v1')
    expect(r.sent[0]!.method).toBe('GET')
    expect(r.sent[0]!.timeoutMs).toBe(1500)
    expect(result.status).toBe(200)
    expect(result.header('x-status')).toBe('404')
  })

  it('servicecallout.<policy>.target.url set before the step overrides the URL', async () => {
    const r = rig({
      AV: '<AssignMessage name="AV"><AssignVariable><Name>servicecallout.SC.target.url</Name><Value>http://other.local/x</Value></AssignVariable></AssignMessage>',
      SC: sc('')
    })
    await r.get()
    expect(r.sent[0]!.url).toBe('http://other.local/x')
  })

  it('clearPayload empties the request variable after the call', async () => {
    const r = rig({
      SC: sc('<Request variable="req" clearPayload="true"><Set><Payload>secret</Payload></Set></Request>'),
      Show: '<AssignMessage name="Show"><Set><Headers><Header name="x-left">[{req.content}]</Header></Headers></Set><AssignTo createNew="false" type="response"/></AssignMessage>'
    }, { steps: ['SC'], response: '<Step><Name>Show</Name></Step>' })
    const result = await r.get()
    expect(new TextDecoder().decode(r.sent[0]!.body)).toBe('secret')
    expect(result.header('x-left')).toBe('[]')
  })

  it('ResponseCodeOutOfRange (500) for a 4xx/5xx answer; the response variable is still set', async () => {
    const r = rig({ SC: sc('') }, { answer: () => ({ status: 503, reasonPhrase: 'Service Unavailable', headers: [], body: bytes('down') }) })
    const result = await r.get()
    expect(result.status).toBe(500)
    expect(result.text).toBe(
      '{"fault":{"faultstring":"Execution of ServiceCallout SC failed. Reason: ResponseCode 503 is treated as error","detail":{"errorcode":"steps.servicecallout.ResponseCodeOutOfRange"}}}'
    )
    expect(result.trace.fault!.variables).toMatchObject({ 'fault.name': 'ResponseCodeOutOfRange', 'servicecallout.SC.failed': 'true' })
    expect(written(result, 'SC')['calloutResponse']).toBe('[response 503]')
  })

  it.each([
    ['timeout', 'timeout occurred in http://svc.local/lookup after 55000 ms'],
    ['connection-refused', 'connection refused by http://svc.local/lookup']
  ] as const)('ExecutionFailed (500) when the call fails: %s', async (code, reason) => {
    const r = rig({ SC: sc('') }, { answer: () => Promise.reject(new OutboundError(code, 'boom')) })
    const result = await r.get()
    expect(result.status).toBe(500)
    expect(result.json).toEqual({ fault: { faultstring: `Execution of ServiceCallout SC failed. Reason: ${reason}`, detail: { errorcode: 'steps.servicecallout.ExecutionFailed' } } })
    expect(result.trace.fault!.variables).toMatchObject({ 'fault.name': 'ExecutionFailed' })
  })

  it('ExecutionFailed when the URL template renders to no valid URL', async () => {
    const r = rig({ SC: sc('', 'http://{request.header.x-host}/v1') })
    const result = await r.get({ 'x-host': 'bad host' })
    expect(result.json.fault.detail.errorcode).toBe('steps.servicecallout.ExecutionFailed')
    expect(r.sent).toHaveLength(0)
  })

  it('RequestVariableNotMessageType / RequestVariableNotRequestMessageType (500)', async () => {
    const text = await rig({
      AV: '<AssignMessage name="AV"><AssignVariable><Name>req</Name><Value>just text</Value></AssignVariable></AssignMessage>',
      SC: sc('<Request variable="req"/>')
    }).get()
    expect(text.status).toBe(500)
    expect(text.json).toEqual({ fault: { faultstring: 'ServiceCallout[SC]: request variable req value is not of type Message', detail: { errorcode: 'steps.servicecallout.RequestVariableNotMessageType' } } })
    const response = await rig({ SC: sc('<Request variable="response"/>') }).get()
    expect(response.json.fault.detail.errorcode).toBe('steps.servicecallout.RequestVariableNotRequestMessageType')
    expect(response.trace.fault!.variables).toMatchObject({ 'fault.name': 'RequestVariableNotRequestMessageType', 'servicecallout.SC.failed': 'true' })
  })

  it('continueOnError lets the flow go on after a failed callout', async () => {
    const r = rig({ SC: sc('', undefined, ' continueOnError="true"') }, { answer: () => Promise.reject(new OutboundError('timeout', 't')) })
    const result = await r.get()
    expect(result.status).toBe(200)
    expect(written(result, 'SC')['servicecallout.SC.failed']).toBe('true')
  })

  it.each([
    ['ConnectionInfoMissing', '<ServiceCallout name="SC"><Request/></ServiceCallout>'],
    ['URLMissing', '<ServiceCallout name="SC"><HTTPTargetConnection><URL/></HTTPTargetConnection></ServiceCallout>'],
    ['InvalidTargetURL', '<ServiceCallout name="SC"><HTTPTargetConnection><URL>ftp://x/</URL></HTTPTargetConnection></ServiceCallout>'],
    ['InvalidTimeoutValue', sc('<Timeout>-5</Timeout>')],
    ['InvalidPropertyValue', '<ServiceCallout name="SC"><HTTPTargetConnection><URL>http://x/</URL><Properties><Property name="success.codes">lots</Property></Properties></HTTPTargetConnection></ServiceCallout>'],
    ['UnsupportedTargetConnection', '<ServiceCallout name="SC"><LocalTargetConnection><Path>/x</Path></LocalTargetConnection></ServiceCallout>']
  ])('deployment error %s', (code, xml) => {
    expect(deployErrors(xml)).toContain(code)
  })
})
