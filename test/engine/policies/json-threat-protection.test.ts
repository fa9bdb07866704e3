import { describe, expect, test } from 'vitest'
import { scanJson } from '../../../src/engine/policies/protection/json-scan'
import { deployErrors, runWith } from './standard-helpers'
import { explainTrace } from '../../../src/engine/explain'
import { workspace } from '../runtime/helpers'

const jtp = (limits: string, source = '') => `<JSONThreatProtection name="JTP-1">${limits}${source}</JSONThreatProtection>`
const json = { 'Content-Type': 'application/json' }
const envelope = (faultstring: string, code = 'ExecutionFailed') =>
  JSON.stringify({ fault: { faultstring, detail: { errorcode: `steps.jsonthreatprotection.${code}` } } })
const post = (policy: string, body: string, headers: Record<string, string> = json) =>
  runWith({ policies: { 'JTP-1': policy }, request: ['JTP-1'] }, 'POST', '/p', headers, body)

describe('JSONThreatProtection', () => {
  test.each([
    ['<ArrayElementCount>2</ArrayElementCount>', '[1,2,3]', 'Exceeded array element count at line 1'],
    ['<ContainerDepth>2</ContainerDepth>', '{"a":{"b":{"c":1}}}', 'Exceeded container depth at line 1'],
    ['<ObjectEntryCount>2</ObjectEntryCount>', '{"a":1,\n"b":2,\n"c":3}', 'Exceeded object entry count at line 3'],
    ['<ObjectEntryNameLength>5</ObjectEntryNameLength>', '{\n"short":1,\n"toolongname":2}', 'Exceeded object entry name length at line 3'],
    ['<StringValueLength>4</StringValueLength>', '{"a":"abcd","b":\n\n"abcde"}', 'Exceeded string value length at line 3']
  ])('%s -> 500 ExecutionFailed "%s"', async (limits, body, reason) => {
    const r = await post(jtp(limits), body)
    expect([r.status, r.text]).toEqual([500, envelope(`JSONThreatProtection[JTP-1]: Execution failed. reason: JSONThreatProtection[JTP-1]: ${reason}`)])
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'ExecutionFailed', 'jsonattack.JTP-1.failed': 'true' })
  })

  test('a payload within every limit goes on to the target unchanged', async () => {
    const body = '{"items":[1,2],"name":"abc","nested":{"x":true,"y":null,"z":-1.5e3}}'
    const r = await post(jtp('<ArrayElementCount>2</ArrayElementCount><ContainerDepth>2</ContainerDepth><ObjectEntryCount>3</ObjectEntryCount><ObjectEntryNameLength>6</ObjectEntryNameLength><StringValueLength>3</StringValueLength>'), body)
    expect(r.status).toBe(200)
    expect(r.json.body).toBe(body)
  })

  test('invalid JSON is an ExecutionFailed fault naming the line', async () => {
    const r = await post(jtp('<ContainerDepth>5</ContainerDepth>'), '{"a":1,\n"b":2\n"c":3}')
    expect([r.status, r.text]).toEqual([500, envelope(`JSONThreatProtection[JTP-1]: Execution failed. reason: Expecting a ',' or '}' at line 3`)])
  })

  test('a message that is not JSON is not inspected', async () => {
    const r = await post(jtp('<ArrayElementCount>1</ArrayElementCount>'), '[1,2,3]', { 'Content-Type': 'text/plain' })
    expect(r.status).toBe(200)
  })

  test('Source naming an unresolved variable -> SourceUnavailable', async () => {
    const r = await post(jtp('<ContainerDepth>5</ContainerDepth>', '<Source>myMessage</Source>'), '{}')
    expect([r.status, r.text]).toEqual([500, envelope('JSONThreatProtection[JTP-1]:: Source myMessage is not available', 'SourceUnavailable')])
  })

  test('Source naming a string variable -> NonMessageVariable', async () => {
    const r = await post(jtp('<ContainerDepth>5</ContainerDepth>', '<Source>request.verb</Source>'), '{}')
    expect([r.status, r.text]).toEqual([500, envelope('Variable request.verb does not resolve to a Message', 'NonMessageVariable')])
  })

  test('continueOnError lets the request through with jsonattack.failed set', async () => {
    const show = `<AssignMessage name="Show"><Set><Headers><Header name="X-Failed">{jsonattack.JTP-1.failed}</Header></Headers></Set></AssignMessage>`
    const policy = jtp('<ArrayElementCount>1</ArrayElementCount>').replace('name="JTP-1"', 'name="JTP-1" continueOnError="true"')
    const r = await runWith({ policies: { 'JTP-1': policy, Show: show }, request: ['JTP-1', 'Show'] }, 'POST', '/p', json, '[1,2]')
    expect([r.status, r.json.headers['x-failed']]).toEqual([200, 'true'])
  })

  test('deep nesting is scanned without recursion and stops at the limit', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000)
    expect(scanJson(deep, { arrayElementCount: null, containerDepth: null, objectEntryCount: null, objectEntryNameLength: null, stringValueLength: null })).toEqual({ ok: true })
    expect(scanJson(deep, { arrayElementCount: null, containerDepth: 100, objectEntryCount: null, objectEntryNameLength: null, stringValueLength: null })).toEqual({
      ok: false,
      kind: 'limit',
      violation: 'Exceeded container depth',
      line: 1
    })
  })

  test('escapes count as one character', () => {
    const limits = { arrayElementCount: null, containerDepth: null, objectEntryCount: null, objectEntryNameLength: null, stringValueLength: 2 }
    expect(scanJson('["\\u00e9\\n"]', limits)).toEqual({ ok: true })
    expect(scanJson('["\\u00e9\\nx"]', limits)).toMatchObject({ ok: false, violation: 'Exceeded string value length' })
  })

  test('a limit that is not a number is a deployment error', () => {
    expect(deployErrors({ B: '<JSONThreatProtection name="B"><ContainerDepth>deep</ContainerDepth></JSONThreatProtection>' })).toEqual(['InvalidLimit'])
  })
})

describe('JSONThreatProtection explanation', () => {
  test('the explanation names the policy, the limit broken and what to do', async () => {
    const r = await post(jtp('<ArrayElementCount>2</ArrayElementCount>'), '[1,2,3]')
    const d = explainTrace(workspace([]), r.trace)!
    expect(d.code).toBe('payload-rejected')
    expect(d.cause).toBe(
      'JSONThreatProtection JTP-1 refused the JSON payload before anything else read it (JSONThreatProtection[JTP-1]: Execution failed. reason: JSONThreatProtection[JTP-1]: Exceeded array element count at line 1): send a payload within its limits, or raise the limit in the policy if such payloads are legitimate'
    )
    expect(d.gatewayView).toContain('Policy: JSONThreatProtection JTP-1')
  })
})
