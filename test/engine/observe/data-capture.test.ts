import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from '../policies/standard-helpers'

const dc = (captures: string, extra = '') => `<DataCapture name="DC-1">${captures}${extra}</DataCapture>`
const capture = (collector: string, collect: string) => `<Capture><DataCollector>${collector}</DataCollector>${collect}</Capture>`
const noteOf = (r: { trace: { steps: Array<{ policy?: string; description?: string }> } }) => r.trace.steps.find((s) => s.policy === 'DC-1')!.description
const run = (policy: string, method: string, url: string, headers: Record<string, string> = {}, body = '') =>
  runWith({ policies: { 'DC-1': policy }, request: ['DC-1'] }, method, url, headers, body)

describe('DataCapture', () => {
  test('captures from a variable, the path, a query parameter, a header, and falls back to the default', async () => {
    const policy = dc(
      capture('dc_verb', '<Collect ref="request.verb"/>') +
        capture('dc_item', '<Collect><URIPath><Pattern>/items/{id}</Pattern></URIPath></Collect>') +
        capture('dc_page', '<Collect><QueryParam name="page"><Pattern>{p}</Pattern></QueryParam></Collect>') +
        capture('dc_bearer', '<Collect default="anonymous"><Header name="Authorization"><Pattern ignoreCase="true">bearer {t}</Pattern></Header></Collect>') +
        capture('dc_missing', '<Collect ref="nothing.here" default="0"/>') +
        capture('dc_none', '<Collect ref="nothing.here"/>')
    )
    const r = await run(policy, 'GET', '/p/items/42?page=3', { Authorization: 'Bearer abc' })
    expect(r.status).toBe(200)
    expect(noteOf(r)).toBe(
      'Data captured (kept in the trace, no analytics store): dc_verb = "GET"; dc_item = "42"; dc_page = "3"; dc_bearer = "abc"; dc_missing = "0" (default); dc_none not captured (no value, no default)'
    )
  })

  test('captures from form, JSON and XML payloads', async () => {
    const form = await run(dc(capture('dc_f', '<Collect><FormParam name="f"><Pattern>x{v}</Pattern></FormParam></Collect>')), 'POST', '/p', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'f=xyz')
    expect(noteOf(form)).toBe('Data captured (kept in the trace, no analytics store): dc_f = "yz"')
    const json = await run(dc(capture('dc_lat', '<Collect><JSONPayload><JSONPath>$.loc.lat</JSONPath></JSONPayload></Collect>')), 'POST', '/p', { 'Content-Type': 'application/json' }, '{"loc":{"lat":51.5}}')
    expect(noteOf(json)).toBe('Data captured (kept in the trace, no analytics store): dc_lat = "51.5"')
    const xml = await run(dc(capture('dc_city', '<Collect><XMLPayload><XPath>/a/city</XPath></XMLPayload></Collect>')), 'POST', '/p', { 'Content-Type': 'text/xml' }, '<a><city>Oslo</city></a>')
    expect(noteOf(xml)).toBe('Data captured (kept in the trace, no analytics store): dc_city = "Oslo"')
  })

  test('runtime faults: payload that is not JSON, Source that is not available', async () => {
    const bad = await run(dc(capture('dc_x', '<Collect><JSONPayload><JSONPath>$.a</JSONPath></JSONPayload></Collect>')), 'POST', '/p', { 'Content-Type': 'application/json' }, '{nope')
    expect(bad.status).toBe(500)
    expect(bad.json.fault.detail.errorcode).toBe('steps.datacapture.ExecutionFailed')
    expect(bad.trace.fault!.variables).toMatchObject({ 'fault.name': 'ExecutionFailed', 'datacapture.DC-1.failed': 'true' })
    const missing = await run(dc(capture('dc_x', '<Collect><Header name="a"><Pattern>{v}</Pattern></Header></Collect>'), '<Source>other</Source>'), 'GET', '/p')
    expect([missing.status, missing.json.fault.faultstring]).toEqual([500, 'other message is not available for DataCapture StepDefinition DC-1'])
  })

  test.each([
    [dc(capture('collector', '<Collect ref="a"/>')), 'InvalidDataCollector'],
    [dc('<Capture><DataCollector>dc_a</DataCollector></Capture>'), 'MissingCollect'],
    [dc(capture('dc_a', '<Collect/>')), 'InvalidCollect'],
    [dc(''), 'MissingCapture'],
    [dc(capture('dc_a', '<Collect><Header name="h"><Pattern>{a}-{b}</Pattern></Header></Collect>')), 'InvalidPattern'],
    [dc(capture('dc_a', '<Collect><XMLPayload><XPath>/p:a</XPath></XMLPayload></Collect>')), 'XPathCompilationFailed']
  ])('deployment error %#: %s -> %s', (xml, code) => {
    expect(deployErrors({ 'DC-1': xml })).toEqual([code])
  })
})
