import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from './standard-helpers'

const show = (...names: string[]) =>
  `<AssignMessage name="Show"><AssignTo createNew="false" type="response"/><Set><Payload contentType="application/json">{${names.map((n) => `"${n}":"{${n}}"`).join(',')}}</Payload></Set></AssignMessage>`

describe('ExtractVariables', () => {
  test('headers, query params, form params and URI path, with a prefix', async () => {
    const ev = `<ExtractVariables name="EV"><Source>request</Source><VariablePrefix>ev</VariablePrefix>
      <Header name="Authorization"><Pattern ignoreCase="true">bearer {token}</Pattern></Header>
      <QueryParam name="code"><Pattern>DBN{num}</Pattern><Pattern>{whole}</Pattern></QueryParam>
      <FormParam name="user"><Pattern>{user}@{domain}</Pattern></FormParam>
      <URIPath><Pattern>/accounts/{id}</Pattern><Pattern>/accounts/{id}/items/{item}</Pattern></URIPath></ExtractVariables>`
    const r = await runWith(
      { policies: { EV: ev, Show: show('ev.token', 'ev.num', 'ev.whole', 'ev.user', 'ev.domain', 'ev.id', 'ev.item') }, request: ['EV'], response: ['Show'] },
      'POST', '/p/accounts/42/items/7?code=DBN88', { Authorization: 'Bearer abc.def', 'Content-Type': 'application/x-www-form-urlencoded' }, 'user=ann%40example.com'
    )
    expect(r.json).toEqual({ 'ev.token': 'abc.def', 'ev.num': '88', 'ev.whole': '', 'ev.user': 'ann', 'ev.domain': 'example.com', 'ev.id': '42', 'ev.item': '7' })
  })

  test('JSONPayload with JSONPath: strings, numbers, objects, several matches, no match', async () => {
    const ev = `<ExtractVariables name="EV"><Source>request</Source><JSONPayload>
      <Variable name="name"><JSONPath>$.user.name</JSONPath></Variable>
      <Variable name="age" type="integer"><JSONPath>$.user.age</JSONPath></Variable>
      <Variable name="addr"><JSONPath>$.user.address</JSONPath></Variable>
      <Variable name="tags"><JSONPath>$.tags[*]</JSONPath></Variable>
      <Variable name="cheap"><JSONPath>$.items[?(@.price &lt; 10)].id</JSONPath></Variable>
      <Variable name="none"><JSONPath>$.missing</JSONPath></Variable></JSONPayload></ExtractVariables>`
    const body = JSON.stringify({ user: { name: 'Ann', age: 31, address: { city: 'Oslo' } }, tags: ['a', 'b'], items: [{ id: 'x', price: 5 }, { id: 'y', price: 50 }] })
    const r = await runWith({ policies: { EV: ev, Show: show('name', 'age', 'tags', 'cheap', 'none') }, request: ['EV'], response: ['Show'] }, 'POST', '/p', { 'Content-Type': 'application/json' }, body)
    expect(r.text).toBe('{"name":"Ann","age":"31","tags":"["a","b"]","cheap":"x","none":""}')
    const step = r.trace.steps.find((s) => s.policy === 'EV')!
    expect(step.writes.find((w) => w.name === 'addr')!.value).toBe('{"city":"Oslo"}')
    expect(step.writes.map((w) => w.name)).not.toContain('none')
  })

  test.each([
    { body: '', reason: 'the payload is empty' },
    { body: '{nope', reason: 'the payload is not JSON' }
  ])('JSONPayload on "$body" fails with ExecutionFailed', async ({ body, reason }) => {
    const ev = `<ExtractVariables name="EV"><JSONPayload><Variable name="a"><JSONPath>$.a</JSONPath></Variable></JSONPayload></ExtractVariables>`
    const r = await runWith({ policies: { EV: ev }, request: ['EV'] }, 'POST', '/p', {}, body)
    expect(r.status).toBe(500)
    expect(r.json.fault.detail.errorcode).toBe('steps.extractvariables.ExecutionFailed')
    expect(r.json.fault.faultstring).toContain(`Failed to execute the ExtractVariables: EV. Reason: ${reason}`)
    expect(r.trace.fault!.variables['extractvariables.EV.failed']).toBe('true')
  })

  test('a Source that is not a message fails with SourceMessageNotAvailable', async () => {
    const ev = `<ExtractVariables name="EV"><Source>calloutResponse</Source><Header name="a"><Pattern>{a}</Pattern></Header></ExtractVariables>`
    const r = await runWith({ policies: { EV: ev }, request: ['EV'] }, 'GET', '/p')
    expect([r.status, r.text]).toEqual([500, '{"fault":{"faultstring":"calloutResponse message is not available for ExtractVariable: EV","detail":{"errorcode":"steps.extractvariables.SourceMessageNotAvailable"}}}'])
  })

  test.each([
    ['<ExtractVariables name="E"><Source>request</Source></ExtractVariables>', ['NothingToExtract']],
    ['<ExtractVariables name="E"><Header name="h"/></ExtractVariables>', ['PatternRequired']],
    ['<ExtractVariables name="E"><JSONPayload><Variable name="v"/></JSONPayload></ExtractVariables>', ['JSONPathRequired', 'NothingToExtract']]
  ])('deployment error %#', (xml, codes) => {
    expect(deployErrors({ E: xml })).toEqual(codes)
  })
})
