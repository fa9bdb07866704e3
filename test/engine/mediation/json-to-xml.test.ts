import { describe, expect, test } from 'vitest'
import { JSON_TO_XML_DEFAULTS, jsonToXml, jsonToXmlPolicy, type JsonToXmlOptions } from '../../../src/engine/policies/mediation/json-to-xml'
import { parseXml } from '../../../src/engine/bundle/xml'
import { runWith } from '../policies/standard-helpers'

const DECL = '<?xml version="1.0" encoding="UTF-8"?>'

function options(inner: string): JsonToXmlOptions {
  const parsed = parseXml(`<JSONToXML name="J"><Options>${inner}</Options></JSONToXML>`)
  if (!parsed.ok) throw new Error(parsed.error.message)
  return jsonToXmlPolicy.compile(parsed.root, { proxy: {} as never, policyName: 'J', file: 'policies/J.xml', error: () => undefined }).options
}

const convert = (json: unknown, inner = ''): string => jsonToXml(JSON.stringify(json), inner ? options(inner) : JSON_TO_XML_DEFAULTS).slice(DECL.length)

describe('JSONToXML conversion options', () => {
  test('objects, arrays, scalars and the default root names', () => {
    expect(convert({ a: { b: 'c', n: 1, t: true } })).toBe('<a><b>c</b><n>1</n><t>true</t></a>')
    expect(convert({ abc: '123', efg: '234' })).toBe('<Root><abc>123</abc><efg>234</efg></Root>')
    expect(convert({ names: ['x', 'y'] })).toBe('<Root><names>x</names><names>y</names></Root>')
    expect(convert([1, [2, 3]])).toBe('<Array><Item>1</Item><Item><Item>2</Item><Item>3</Item></Item></Array>')
    expect(convert({ a: null })).toBe('<a/>')
  })

  test('ObjectRootElementName, ArrayRootElementName, ArrayItemElementName and NullValue', () => {
    const o = '<ObjectRootElementName>Doc</ObjectRootElementName><ArrayRootElementName>List</ArrayRootElementName><ArrayItemElementName>Entry</ArrayItemElementName><NullValue>NULL</NullValue>'
    expect(convert({ a: null, b: 1 }, o)).toBe('<Doc><a>NULL</a><b>1</b></Doc>')
    expect(convert(['x'], o)).toBe('<List><Entry>x</Entry></List>')
  })

  test('AttributeBlockName, AttributePrefix and TextNodeName', () => {
    const o = '<AttributeBlockName>#attrs</AttributeBlockName><AttributePrefix>@</AttributePrefix><TextNodeName>#text</TextNodeName>'
    expect(convert({ person: { '#attrs': { id: '7' }, '@lang': 'en', '#text': 'Ann & Bob' } }, o)).toBe('<person id="7" lang="en">Ann &amp; Bob</person>')
    expect(convert({ person: { '@id': '"1"', name: 'Ann', '#text': 'x' } }, o)).toBe('<person id="&quot;1&quot;">x<name>Ann</name></person>')
  })

  test('NamespaceBlockName, DefaultNamespaceNodeName and NamespaceSeparator', () => {
    const o = '<NamespaceBlockName>#namespaces</NamespaceBlockName><DefaultNamespaceNodeName>$default</DefaultNamespaceNodeName><NamespaceSeparator>:</NamespaceSeparator>'
    const json = { population: { '#namespaces': { $default: 'http://www.w3.com/people', exp: 'http://www.w3.com/experience' }, person: 'John', 'exp:years': 3 } }
    expect(convert(json, o)).toBe('<population xmlns="http://www.w3.com/people" xmlns:exp="http://www.w3.com/experience"><person>John</person><exp:years>3</exp:years></population>')
    expect(convert({ a: { exp$b: 1 } }, '<NamespaceSeparator>$</NamespaceSeparator>')).toBe('<a><exp:b>1</exp:b></a>')
  })

  test('InvalidCharsReplacement makes keys into XML names; text is escaped', () => {
    expect(convert({ a: { 'first name': '<x>', '1st': 'y' } })).toBe('<a><first_name>&lt;x&gt;</first_name><_1st>y</_1st></a>')
    expect(convert({ a: { 'b c': 1 } }, '<InvalidCharsReplacement>-</InvalidCharsReplacement>')).toBe('<a><b-c>1</b-c></a>')
  })

  test('Indent writes one element a line', () => {
    expect(jsonToXml('{"a":{"b":"c","d":["e","f"]}}', options('<Indent>true</Indent>'))).toBe(`${DECL}\n<a>\n    <b>c</b>\n    <d>e</d>\n    <d>f</d>\n</a>\n`)
  })
})

describe('JSONToXML policy', () => {
  const policy = (inner: string, attrs = '') => `<JSONToXML name="J"${attrs}>${inner}</JSONToXML>`
  const fault = (name: string, faultstring: string) => ({ fault: { faultstring, detail: { errorcode: `steps.jsontoxml.${name}` } } })

  async function convertResponse(json: string, p: string, contentType = 'application/json') {
    const set = `<AssignMessage name="SetJson"><Set><Payload contentType="${contentType}"><![CDATA[${json}]]></Payload></Set></AssignMessage>`
    return runWith({ policies: { SetJson: set, J: p }, response: ['SetJson', 'J'], nullRoute: true }, 'GET', '/p')
  }

  test('converts the response and sets an XML Content-Type', async () => {
    const r = await convertResponse('{"order":{"id":7,"qty":3}}', policy('<Source>response</Source><OutputVariable>response</OutputVariable>'))
    expect([r.status, r.header('Content-Type'), r.text]).toEqual([200, 'text/xml;charset=UTF-8', `${DECL}<order><id>7</id><qty>3</qty></order>`])
  })

  test('a message that is not JSON is left unchanged', async () => {
    const r = await convertResponse('<a/>', policy(''), 'text/xml')
    expect([r.status, r.text]).toEqual([200, '<a/>'])
  })

  test.each([
    ['malformed JSON', '{"a":', 'ExecutionFailed', 'JSONToXML[J]: Execution failed due to reason: '],
    ['a JSON scalar', '42', 'ExecutionFailed', 'JSONToXML[J]: Execution failed due to reason: Expecting { or [ at line 1'],
    ['an empty payload', '', 'ExecutionFailed', 'JSONToXML[J]: Execution failed due to reason: the payload is empty'],
    ['nesting deeper than 200 levels', '{"a":'.repeat(250) + '1' + '}'.repeat(250), 'OutOfMemory', 'JSONToXML[J]: Execution failed. reason: the payload nests deeper than 200 levels']
  ])('%s fails with its fault', async (_what, json, name, faultstring) => {
    const r = await convertResponse(json, policy(''))
    expect(r.status).toBe(500)
    expect(r.json.fault.detail.errorcode).toBe(`steps.jsontoxml.${name}`)
    expect(r.json.fault.faultstring.startsWith(faultstring)).toBe(true)
    expect(r.trace.fault!.variables['jsontoxml.J.failed']).toBe('true')
  })

  test('SourceUnavailable, InvalidSourceType, OutputVariableIsNotAvailable and InCompatibleTypes', async () => {
    const unavailable = await runWith({ policies: { J: policy('<Source>nothing.here</Source>') }, request: ['J'] }, 'GET', '/p')
    expect([unavailable.status, unavailable.json]).toEqual([500, fault('SourceUnavailable', 'JSONToXML[J]: Source nothing.here is not available')])
    const invalid = await runWith({ policies: { J: policy('<Source>client.port</Source><OutputVariable>o</OutputVariable>') }, request: ['J'] }, 'GET', '/p')
    expect([invalid.status, invalid.json]).toEqual([500, fault('InvalidSourceType', 'JSONToXML[J]: Invalid source type number. It must be either message or string')])
    const set = `<AssignMessage name="Set"><AssignVariable><Name>jsonText</Name><Value>{"a":1}</Value></AssignVariable></AssignMessage>`
    const none = await runWith({ policies: { Set: set, J: policy('<Source>jsonText</Source>') }, request: ['Set', 'J'] }, 'GET', '/p')
    expect([none.status, none.json]).toEqual([500, fault('OutputVariableIsNotAvailable', 'JSONToXML[J]: Output variable is not available.')])
    const message = await runWith({ policies: { Set: set, J: policy('<Source>jsonText</Source><OutputVariable>request</OutputVariable>') }, request: ['Set', 'J'] }, 'GET', '/p')
    expect([message.status, message.json]).toEqual([500, fault('InCompatibleTypes', 'JSONToXML[J]: String can not be assigned to message')])
  })

  test('a string variable converts into another variable', async () => {
    const set = `<AssignMessage name="Set"><AssignVariable><Name>jsonText</Name><Value>{"a":{"b":1}}</Value></AssignVariable></AssignMessage>`
    const show = `<AssignMessage name="Show"><Set><Payload contentType="text/plain">{xmlText}</Payload></Set></AssignMessage>`
    const r = await runWith({ policies: { Set: set, J: policy('<Source>jsonText</Source><OutputVariable>xmlText</OutputVariable>'), Show: show }, response: ['Set', 'J', 'Show'], nullRoute: true }, 'GET', '/p')
    expect(r.text).toBe(`${DECL}<a><b>1</b></a>`)
  })
})
