import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from './standard-helpers'

const am = (body: string, attrs = '') => `<AssignMessage name="AM"${attrs}>${body}</AssignMessage>`

describe('AssignMessage on the request', () => {
  test.each([
    {
      name: 'Set headers, query params and form params; Add appends; Remove deletes',
      xml: am(`<Remove><Headers><Header name="X-Drop"/></Headers><QueryParams><QueryParam name="drop"/></QueryParams></Remove>
        <Add><Headers><Header name="X-Add">{request.verb}</Header></Headers><QueryParams><QueryParam name="added">1</QueryParam></QueryParams></Add>
        <Set><Headers><Header name="X-Set">set-{request.queryparam.keep}</Header></Headers><QueryParams><QueryParam name="keep">changed</QueryParam></QueryParams>
        <FormParams><FormParam name="f">v w</FormParam></FormParams></Set>`),
      url: '/p?keep=k&drop=d',
      headers: { 'X-Drop': 'gone', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'f=old&g=1',
      expect: (j: any) => {
        expect(j.headers['x-drop']).toBeUndefined()
        expect(j.headers['x-add']).toBe('POST')
        expect(j.headers['x-set']).toBe('set-k')
        expect(j.query).toEqual({ keep: 'changed', added: '1' })
        expect(j.body).toBe('f=v%20w&g=1')
      }
    },
    {
      name: 'Set Payload with contentType, Verb and Path',
      xml: am(`<Set><Payload contentType="application/json">{"v":"{request.header.x-in}"}</Payload><Verb>PUT</Verb></Set>`),
      url: '/p',
      headers: { 'X-In': 'abc' },
      body: '',
      expect: (j: any) => {
        expect(j.body).toBe('{"v":"abc"}')
        expect(j.headers['content-type']).toBe('application/json')
        expect(j.method).toBe('PUT')
      }
    },
    {
      name: 'Payload with variablePrefix/variableSuffix keeps braces literal',
      xml: am(`<Set><Payload contentType="application/json" variablePrefix="@" variableSuffix="#">{"verb":"@request.verb#"}</Payload></Set>`),
      url: '/p',
      headers: {},
      body: '',
      expect: (j: any) => expect(j.body).toBe('{"verb":"POST"}')
    },
    {
      name: 'Remove all headers with an empty <Headers/>',
      xml: am(`<Remove><Headers/></Remove>`),
      url: '/p',
      headers: { 'X-A': '1', 'X-B': '2' },
      body: '',
      expect: (j: any) => expect(j.headers).toEqual({})
    }
  ])('$name', async ({ xml, url, headers, body, expect: check }) => {
    const r = await runWith({ policies: { AM: xml }, request: ['AM'] }, 'POST', url, headers, body)
    expect(r.status).toBe(200)
    check(r.json)
  })

  test('AssignVariable: Ref wins when resolved, else Template, else Value; unresolved template parts are empty', async () => {
    const xml = am(`
      <AssignVariable><Name>a</Name><Ref>request.header.x-in</Ref><Value>fallback</Value></AssignVariable>
      <AssignVariable><Name>b</Name><Ref>request.header.absent</Ref><Value>fallback</Value></AssignVariable>
      <AssignVariable><Name>c</Name><Template>{a}-{request.verb}-{nothing}</Template></AssignVariable>
      <AssignVariable><Name>d</Name><Value>literal {a}</Value></AssignVariable>
      <Set><Headers><Header name="X-Out">{a}|{b}|{c}|{d}</Header></Headers></Set>`)
    const r = await runWith({ policies: { AM: xml }, request: ['AM'] }, 'GET', '/p', { 'X-In': 'in' })
    expect(r.json.headers['x-out']).toBe('in|fallback|in-GET-|literal {a}')
    const step = r.trace.steps.find((s) => s.policy === 'AM')!
    expect(step.writes.map((w) => [w.name, w.value])).toEqual([['a', 'in'], ['b', 'fallback'], ['c', 'in-GET-'], ['d', 'literal {a}']])
  })
})

describe('AssignMessage on the response', () => {
  test('status code, reason phrase, headers and payload in the response flow (no AssignTo)', async () => {
    const xml = am(`<Set><StatusCode>201</StatusCode><ReasonPhrase>Made</ReasonPhrase><Headers><Header name="X-R">{response.status.code}</Header></Headers><Payload contentType="text/plain">created</Payload></Set>`)
    const r = await runWith({ policies: { AM: xml }, response: ['AM'] }, 'GET', '/p')
    expect([r.status, r.reason, r.text, r.header('x-r'), r.header('content-type')]).toEqual([201, 'Made', 'created', '200', 'text/plain'])
  })

  test('AssignTo type="response" in the request flow with a null route answers directly', async () => {
    const xml = am(`<AssignTo createNew="false" type="response"/><Set><StatusCode>200</StatusCode><Payload contentType="application/json">{"ok":true}</Payload></Set>`)
    const r = await runWith({ policies: { AM: xml }, request: ['AM'], nullRoute: true }, 'GET', '/p')
    expect([r.status, r.text]).toEqual([200, '{"ok":true}'])
  })

  test('AssignTo a new named message does not touch the request', async () => {
    const xml = am(`<AssignTo createNew="true" type="request">calloutRequest</AssignTo><Set><Headers><Header name="X-Callout">yes</Header></Headers></Set>`)
    const read = am(`<AssignVariable><Name>seen</Name><Ref>calloutRequest.header.X-Callout</Ref></AssignVariable><Set><Headers><Header name="X-Seen">{seen}</Header></Headers></Set>`).replace('name="AM"', 'name="Read"')
    const r = await runWith({ policies: { AM: xml, Read: read }, request: ['AM', 'Read'] }, 'GET', '/p')
    expect(r.json.headers['x-callout']).toBeUndefined()
    expect(r.json.headers['x-seen']).toBe('yes')
  })

  test('Copy from the request into the response', async () => {
    const xml = am(`<AssignTo createNew="false" type="response"/><Copy source="request"><Headers><Header name="X-Trace"/></Headers></Copy>`)
    const r = await runWith({ policies: { AM: xml }, response: ['AM'] }, 'GET', '/p', { 'X-Trace': 't-1' })
    expect(r.header('x-trace')).toBe('t-1')
  })
})

describe('AssignMessage faults', () => {
  test.each([
    {
      xml: am(`<Set><StatusCode>{request.header.code}</StatusCode></Set>`),
      headers: { code: 'abc' },
      body: '{"fault":{"faultstring":"AssignMessage[AM]: invalid status code abc","detail":{"errorcode":"steps.assignmessage.InvalidStatusCode"}}}'
    },
    {
      xml: am(`<AssignTo type="response" createNew="false"/><Copy source="nosuch"><Headers/></Copy>`),
      headers: {},
      body: '{"fault":{"faultstring":"AssignMessage[AM]: unable to resolve variable nosuch","detail":{"errorcode":"steps.assignmessage.UnresolvedVariable"}}}'
    },
    {
      xml: am(`<AssignTo type="response" createNew="false"/><Copy source="request.verb"><Headers/></Copy>`),
      headers: {},
      body: '{"fault":{"faultstring":"AssignMessage[AM]: value of variable request.verb is not of type Message","detail":{"errorcode":"steps.assignmessage.VariableOfNonMsgType"}}}'
    }
  ])('$body', async ({ xml, headers, body }) => {
    const r = await runWith({ policies: { AM: xml }, response: ['AM'] }, 'GET', '/p', headers)
    expect([r.status, r.text]).toEqual([500, body])
    expect(r.trace.fault!.variables['assignmessage.AM.failed']).toBe('true')
  })

  test('IgnoreUnresolvedVariables skips an unresolved Copy source', async () => {
    const xml = am(`<IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables><AssignTo type="response" createNew="false"/><Copy source="nosuch"><Headers/></Copy>`)
    const r = await runWith({ policies: { AM: xml }, response: ['AM'] }, 'GET', '/p')
    expect(r.status).toBe(200)
  })

  test.each([
    [am('<AssignVariable><Value>x</Value></AssignVariable>'), 'InvalidVariableName'],
    [am('<Set><Headers><Header>v</Header></Headers></Set>'), 'InvalidName'],
    [am('<AssignTo type="message"/>'), 'InvalidAssignToType']
  ])('deployment error %#: %s', (xml, code) => {
    expect(deployErrors({ AM: xml })).toEqual([code])
  })
})
