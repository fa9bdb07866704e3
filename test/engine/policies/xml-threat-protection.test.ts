import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from './standard-helpers'
import { explainTrace } from '../../../src/engine/explain'
import { workspace } from '../runtime/helpers'

const xtp = (inner: string) => `<XMLThreatProtection name="XTP-1">${inner}</XMLThreatProtection>`
const xml = { 'Content-Type': 'application/xml' }
const envelope = (faultstring: string, code = 'ExecutionFailed') =>
  JSON.stringify({ fault: { faultstring, detail: { errorcode: `steps.xmlthreatprotection.${code}` } } })
const post = (policy: string, body: string, headers: Record<string, string> = xml) =>
  runWith({ policies: { 'XTP-1': policy }, request: ['XTP-1'] }, 'POST', '/p', headers, body)
const reason = (text: string) => `XMLThreatProtection[XTP-1]: Execution failed. reason: XMLThreatProtection[XTP-1]: ${text}`

describe('XMLThreatProtection', () => {
  test.each([
    ['<NameLimits><Element>5</Element></NameLimits>', '<a>\n<company/></a>', 'Element name length exceeded (company), max allowed : 5 at line 2(possibly around char'],
    ['<NameLimits><Attribute>3</Attribute></NameLimits>', '<a long="1"/>', 'Attribute name length exceeded (long), max allowed : 3 at line 1'],
    ['<NameLimits><NamespacePrefix>2</NamespacePrefix></NameLimits>', '<abc:a xmlns:abc="u"/>', 'Namespace prefix length exceeded (abc), max allowed : 2 at line 1'],
    ['<NameLimits><ProcessingInstructionTarget>3</ProcessingInstructionTarget></NameLimits>', '<a><?style x?></a>', 'Processing Instruction target length exceeded (style), max allowed : 3 at line 1'],
    ['<StructureLimits><NodeDepth>2</NodeDepth></StructureLimits>', '<a><b>\n<c/></b></a>', 'Node depth exceeded (3), max allowed : 2 at line 2'],
    ['<StructureLimits><AttributeCountPerElement>2</AttributeCountPerElement></StructureLimits>', '<a x="1" y="2" z="3"/>', 'Attribute count exceeded (3), max allowed : 2 at line 1'],
    ['<StructureLimits><NamespaceCountPerElement>1</NamespaceCountPerElement></StructureLimits>', '<a xmlns:p="u1" xmlns:q="u2"/>', 'Namespace count exceeded (2), max allowed : 1 at line 1'],
    ['<StructureLimits><ChildCount>2</ChildCount></StructureLimits>', '<a><b/><c/><d/></a>', 'Children count exceeded (3), max allowed : 2 at line 1'],
    ['<ValueLimits><Text>3</Text></ValueLimits>', '<a>abcd</a>', 'Text length exceeded (abcd), max allowed : 3 at line 1'],
    ['<ValueLimits><Attribute>2</Attribute></ValueLimits>', '<a x="abc"/>', 'Attribute value length exceeded (abc), max allowed : 2 at line 1'],
    ['<ValueLimits><NamespaceURI>3</NamespaceURI></ValueLimits>', '<a xmlns="urn:x"/>', 'Namespace uri length exceeded (urn:x), max allowed : 3 at line 1'],
    ['<ValueLimits><Comment>3</Comment></ValueLimits>', '<a><!-- long --></a>', 'Comment length exceeded ( long ), max allowed : 3 at line 1'],
    ['<ValueLimits><ProcessingInstructionData>2</ProcessingInstructionData></ValueLimits>', '<a><?pi data?></a>', 'Processing Instruction data length exceeded (data), max allowed : 2 at line 1']
  ])('%s -> 500 ExecutionFailed', async (limits, body, text) => {
    const r = await post(xtp(limits), body)
    expect(r.status).toBe(500)
    const body500 = JSON.parse(r.text) as { fault: { faultstring: string; detail: { errorcode: string } } }
    expect(body500.fault.detail.errorcode).toBe('steps.xmlthreatprotection.ExecutionFailed')
    expect(body500.fault.faultstring.startsWith(reason(text))).toBe(true)
    expect(body500.fault.faultstring).toMatch(/\(possibly around char \d+\)$/)
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'ExecutionFailed', 'xmlattack.XTP-1.failed': 'true' })
  })

  test('ChildCount counts only the included node types', async () => {
    const policy = xtp('<StructureLimits><ChildCount includeComment="false" includeText="false">1</ChildCount></StructureLimits>')
    expect((await post(policy, '<a><!--c-->text<b/></a>')).status).toBe(200)
  })

  test('a payload within every limit goes on to the target unchanged', async () => {
    const body = '<?xml version="1.0"?>\n<order xmlns:p="urn:p" id="7">\n  <p:item>book</p:item>\n</order>'
    const r = await post(
      xtp('<NameLimits><Element>10</Element></NameLimits><StructureLimits><NodeDepth>2</NodeDepth><ChildCount>1</ChildCount></StructureLimits><ValueLimits><Text>4</Text></ValueLimits>'),
      body
    )
    expect(r.status).toBe(200)
    expect(r.json.body).toBe(body)
  })

  test('malformed XML -> InvalidXMLPayload', async () => {
    const r = await post(xtp('<StructureLimits><NodeDepth>5</NodeDepth></StructureLimits>'), '<a><b></a>')
    expect(r.status).toBe(500)
    const f = JSON.parse(r.text) as { fault: { faultstring: string; detail: { errorcode: string } } }
    expect(f.fault.detail.errorcode).toBe('steps.xmlthreatprotection.InvalidXMLPayload')
    expect(f.fault.faultstring).toMatch(/^XMLThreatProtection\[XTP-1\]: Execution failed\. reason: .+ at line 1\(possibly around char \d+\)$/)
  })

  test('an entity bomb is refused without expanding anything', async () => {
    const lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>'
    const r = await post(xtp('<ValueLimits><Text>1000</Text></ValueLimits>'), lol)
    expect(r.status).toBe(500)
    expect(r.text).toContain('steps.xmlthreatprotection.InvalidXMLPayload')
  })

  test('deep nesting is checked without recursion', async () => {
    const deep = '<a>'.repeat(50_000) + '</a>'.repeat(50_000)
    const r = await post(xtp('<StructureLimits><NodeDepth>100</NodeDepth></StructureLimits>'), deep)
    expect(r.text).toContain('Node depth exceeded (101), max allowed : 100')
  })

  test('a message that is not XML is not inspected', async () => {
    expect((await post(xtp('<NameLimits><Element>1</Element></NameLimits>'), '<abc/>', { 'Content-Type': 'application/json' })).status).toBe(200)
  })

  test('Source faults: SourceUnavailable and NonMessageVariable', async () => {
    const a = await post(xtp('<Source>nothing.here</Source>'), '<a/>')
    expect([a.status, a.text]).toEqual([500, envelope('XMLThreatProtection[XTP-1]:: Source nothing.here is not available', 'SourceUnavailable')])
    const b = await post(xtp('<Source>request.verb</Source>'), '<a/>')
    expect([b.status, b.text]).toEqual([500, envelope('Variable request.verb does not resolve to a Message', 'NonMessageVariable')])
  })

  test('a limit that is not a number is a deployment error', () => {
    expect(deployErrors({ B: xtp('<StructureLimits><NodeDepth>x</NodeDepth></StructureLimits>').replace('XTP-1', 'B') })).toEqual(['InvalidLimit'])
  })
})

test('XMLThreatProtection: an empty XML body has nothing to check', async () => {
  expect((await post(xtp('<StructureLimits><NodeDepth>1</NodeDepth></StructureLimits>'), '')).status).toBe(200)
})

test('XMLThreatProtection: malformed XML is explained as such', async () => {
  const r = await post(xtp('<StructureLimits><NodeDepth>5</NodeDepth></StructureLimits>'), '<a><b></a>')
  const d = explainTrace(workspace([]), r.trace)!
  expect(d.code).toBe('payload-rejected')
  expect(d.cause).toMatch(/^The payload is declared as XML but is not well-formed, so XTP-1 refused it \(/)
})
