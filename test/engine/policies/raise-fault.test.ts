import { describe, expect, test } from 'vitest'
import { runWith } from './standard-helpers'

describe('RaiseFault', () => {
  test.each([
    {
      name: 'FaultResponse with status, reason, headers and payload',
      xml: `<RaiseFault name="RF"><FaultResponse><Set><StatusCode>403</StatusCode><ReasonPhrase>Nope</ReasonPhrase>
        <Headers><Header name="X-Why">{request.header.x-why}</Header></Headers>
        <Payload contentType="application/json">{"error":"forbidden","path":"{proxy.pathsuffix}"}</Payload></Set>
        <Add><Headers><Header name="X-Extra">1</Header></Headers></Add></FaultResponse></RaiseFault>`,
      status: 403, reason: 'Nope', body: '{"error":"forbidden","path":"/x"}', headers: [['X-Extra', '1'], ['X-Why', 'because'], ['Content-Type', 'application/json']]
    },
    {
      name: 'FaultResponse without payload: empty body, status 500 by default',
      xml: `<RaiseFault name="RF"><FaultResponse><Set><Headers><Header name="X-A">a</Header></Headers></Set></FaultResponse></RaiseFault>`,
      status: 500, reason: 'Internal Server Error', body: '', headers: [['X-A', 'a']]
    },
    {
      name: 'no FaultResponse: the default envelope',
      xml: `<RaiseFault name="RF"/>`,
      status: 500, reason: 'Internal Server Error', body: '{"fault":{"faultstring":"Raising fault. Fault name : RF","detail":{"errorcode":"steps.raisefault.RaiseFault"}}}', headers: [['Content-Type', 'application/json']]
    }
  ])('$name', async ({ xml, status, reason, body, headers }) => {
    const r = await runWith({ policies: { RF: xml }, request: ['RF'] }, 'GET', '/p/x', { 'X-Why': 'because' })
    expect([r.status, r.reason, r.text]).toEqual([status, reason, body])
    for (const h of headers) expect(r.headers).toContainEqual(h)
    expect(r.trace.fault).toMatchObject({ name: 'RaiseFault', errorcode: 'steps.raisefault.RaiseFault', policy: 'RF' })
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'RaiseFault', 'raisefault.RF.failed': 'true' })
  })

  test('an invalid status code in the FaultResponse', async () => {
    const r = await runWith({ policies: { RF: `<RaiseFault name="RF"><FaultResponse><Set><StatusCode>999</StatusCode></Set></FaultResponse></RaiseFault>` }, request: ['RF'] }, 'GET', '/p')
    expect([r.status, r.text]).toEqual([500, '{"fault":{"faultstring":"RaiseFault[RF]: invalid status code 999","detail":{"errorcode":"steps.raisefault.InvalidStatusCode"}}}'])
  })
})
