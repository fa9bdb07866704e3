import { describe, expect, test } from 'vitest'
import { xmlToJson, type XmlToJsonOptions } from '../../../src/engine/policies/mediation/xml-to-json'
import { xmlToJsonPolicy } from '../../../src/engine/policies/mediation/xml-to-json'
import { parseXml } from '../../../src/engine/bundle/xml'
import { deployErrors, runWith } from '../policies/standard-helpers'

/** Options compiled from an `<Options>` body, the way a deployment does. */
function options(inner: string, format = ''): XmlToJsonOptions {
  const parsed = parseXml(`<XMLToJSON name="X">${format ? `<Format>${format}</Format>` : ''}${inner ? `<Options>${inner}</Options>` : ''}</XMLToJSON>`)
  if (!parsed.ok) throw new Error(parsed.error.message)
  const errors: string[] = []
  const config = xmlToJsonPolicy.compile(parsed.root, { proxy: {} as never, policyName: 'X', file: 'policies/X.xml', error: (code) => void errors.push(code) })
  expect(errors).toEqual([])
  return config.options
}

const convert = (xml: string, inner: string, format = ''): unknown => JSON.parse(xmlToJson(xml, options(inner, format)))

/** A response-flow run: the payload is set as the response with `contentType`, then converted. */
async function convertResponse(xml: string, policy: string, contentType = 'text/xml') {
  const setXml = `<AssignMessage name="SetXml"><Set><Payload contentType="${contentType}"><![CDATA[${xml}]]></Payload></Set></AssignMessage>`
  return runWith({ policies: { SetXml: setXml, X: policy }, response: ['SetXml', 'X'], nullRoute: true }, 'GET', '/p')
}

describe('XMLToJSON conversion options', () => {
  test('defaults: repeated elements become arrays, text stays a string, empty elements are {}', () => {
    expect(convert('<a><b>1</b><b>2</b><c>true</c><d/></a>', '<RecognizeNumber>false</RecognizeNumber>')).toEqual({ a: { b: ['1', '2'], c: 'true', d: {} } })
  })

  test('RecognizeNumber, RecognizeBoolean, RecognizeNull and NullValue', () => {
    const o = '<RecognizeNumber>true</RecognizeNumber><RecognizeBoolean>true</RecognizeBoolean><RecognizeNull>true</RecognizeNull><NullValue>NULL</NullValue>'
    expect(convert('<a><n>100</n><f>-2.5</f><z>007</z><t>true</t><e/><x>NULL</x><s>value</s></a>', o)).toEqual({
      a: { n: 100, f: -2.5, z: '007', t: true, e: null, x: null, s: 'value' }
    })
  })

  test('attributes: plain, with AttributePrefix, with AttributeBlockName, with both', () => {
    const xml = '<a attrib1="value1" attrib2="value2"/>'
    expect(convert(xml, '<RecognizeNull>false</RecognizeNull>')).toEqual({ a: { attrib1: 'value1', attrib2: 'value2' } })
    expect(convert(xml, '<AttributePrefix>BAR_</AttributePrefix>')).toEqual({ a: { BAR_attrib1: 'value1', BAR_attrib2: 'value2' } })
    expect(convert(xml, '<AttributeBlockName>FOO_BLOCK</AttributeBlockName>')).toEqual({ a: { FOO_BLOCK: { attrib1: 'value1', attrib2: 'value2' } } })
    expect(convert(xml, '<AttributeBlockName>FOO_BLOCK</AttributeBlockName><AttributePrefix>BAR_</AttributePrefix>')).toEqual({
      a: { FOO_BLOCK: { BAR_attrib1: 'value1', BAR_attrib2: 'value2' } }
    })
  })

  test('text: TextAlwaysAsProperty, TextNodeName, mixed content', () => {
    expect(convert('<a>value1</a>', '<TextAlwaysAsProperty>true</TextAlwaysAsProperty><TextNodeName>TEXT</TextNodeName>')).toEqual({ a: { TEXT: 'value1' } })
    expect(convert('<a>value1<b>value2</b></a>', '<TextNodeName>TEXT</TextNodeName>')).toEqual({ a: { TEXT: 'value1', b: 'value2' } })
    expect(convert('<a>value1<b>value2</b></a>', '<TextAlwaysAsProperty>false</TextAlwaysAsProperty>')).toEqual({ a: { $: 'value1', b: 'value2' } })
    expect(convert('<a><![CDATA[x < y]]></a>', '<TextAlwaysAsProperty>false</TextAlwaysAsProperty>')).toEqual({ a: 'x < y' })
  })

  test('namespaces: block, default node name and separator; without them prefixes and declarations go', () => {
    const xml = '<a xmlns="http://ns.com" xmlns:ns1="http://ns1.com"><ns1:b>value</ns1:b></a>'
    expect(convert(xml, '<NamespaceBlockName>#namespaces</NamespaceBlockName><DefaultNamespaceNodeName>&amp;</DefaultNamespaceNodeName><NamespaceSeparator>***</NamespaceSeparator>')).toEqual({
      a: { '#namespaces': { '&': 'http://ns.com', ns1: 'http://ns1.com' }, 'ns1***b': 'value' }
    })
    expect(convert(xml, '<RecognizeNull>false</RecognizeNull>')).toEqual({ a: { b: 'value' } })
  })

  test('OutputPrefix, OutputSuffix and StripLevels', () => {
    expect(xmlToJson('<a>value</a>', options('<OutputPrefix>PREFIX_</OutputPrefix><OutputSuffix>_SUFFIX</OutputSuffix>'))).toBe('PREFIX_{"a":"value"}_SUFFIX')
    const xml = '<Response><Result><Items><Item>1</Item><Item>2</Item></Items></Result></Response>'
    expect(convert(xml, '<StripLevels>3</StripLevels>')).toEqual({ Item: ['1', '2'] })
    expect(convert(xml, '<StripLevels>4</StripLevels>')).toEqual(['1', '2'])
    expect(convert('<r><a>1</a><b>2</b></r>', '<StripLevels>5</StripLevels>')).toEqual({ a: '1', b: '2' })
  })

  test('TreatAsArray: a single element becomes an array; unwrap puts the array in place of its parent', () => {
    const xml = '<teachers><teacher><name>Ann</name><studentnames><name>Mark</name></studentnames></teacher></teachers>'
    expect(convert(xml, '<TreatAsArray><Path>teachers/teacher</Path><Path>teachers/teacher/studentnames/name</Path></TreatAsArray>')).toEqual({
      teachers: { teacher: [{ name: 'Ann', studentnames: { name: ['Mark'] } }] }
    })
    expect(convert(xml, '<TreatAsArray><Path unwrap="true">teachers/teacher/studentnames/name</Path></TreatAsArray>')).toEqual({
      teachers: { teacher: { name: 'Ann', studentnames: ['Mark'] } }
    })
  })

  test.each([
    ['yahoo', { a: { b: 5, c: { id: 'x', content: 'text' } } }],
    ['xml.com', { a: { b: '5', c: { '@id': 'x', '#text': 'text' }, d: null } }],
    ['google', { a: { b: { $t: '5' }, c: { id: 'x', $t: 'text' }, 'p$e': { $t: 'v' } } }],
    ['badgerFish', { a: { '@xmlns': { p: 'urn:p' }, b: { $: '5' }, c: { '@id': 'x', $: 'text' }, 'p:e': { $: 'v' } } }]
  ])('Format %s', (format, expected) => {
    const xml = format === 'google' || format === 'badgerFish' ? '<a xmlns:p="urn:p"><b>5</b><c id="x">text</c><p:e>v</p:e></a>' : '<a><b>5</b><c id="x">text</c>' + (format === 'xml.com' ? '<d/>' : '') + '</a>'
    expect(convert(xml, '', format)).toEqual(expected)
  })
})

describe('XMLToJSON policy', () => {
  const policy = (inner: string) => `<XMLToJSON name="X"><Format>yahoo</Format>${inner}</XMLToJSON>`

  test('converts the response and switches its Content-Type to application/json', async () => {
    const r = await convertResponse('<order id="7"><qty>3</qty></order>', policy('<Source>response</Source><OutputVariable>response</OutputVariable>'), 'application/xml; charset=UTF-8')
    expect(r.status).toBe(200)
    expect(r.header('Content-Type')).toBe('application/json')
    expect(r.json).toEqual({ order: { id: 7, qty: 3 } })
    expect(r.trace.steps.find((s) => s.policy === 'X')!.description).toContain('application/json')
  })

  test('a message that is not XML is left unchanged', async () => {
    const r = await convertResponse('{"already":"json"}', policy(''), 'application/json')
    expect([r.status, r.text, r.header('Content-Type')]).toEqual([200, '{"already":"json"}', 'application/json'])
  })

  test('a string variable converts into another variable', async () => {
    const set = `<AssignMessage name="Set"><AssignVariable><Name>xmlText</Name><Value>&lt;a&gt;1&lt;/a&gt;</Value></AssignVariable></AssignMessage>`
    const show = `<AssignMessage name="Show"><Set><Payload contentType="text/plain">{converted}</Payload></Set></AssignMessage>`
    const r = await runWith({ policies: { Set: set, X: policy('<Source>xmlText</Source><OutputVariable>converted</OutputVariable>'), Show: show }, response: ['Set', 'X', 'Show'], nullRoute: true }, 'GET', '/p')
    expect(r.text).toBe('{"a":1}')
  })

  const fault = (name: string, faultstring: string) => ({ fault: { faultstring, detail: { errorcode: `steps.xmltojson.${name}` } } })

  test.each([
    ['malformed XML', '<a><b></a>', 'ExecutionFailed', 'XMLToJSON[X]: Execution failed. reason: '],
    ['an entity declared in a DOCTYPE (never expanded)', '<!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><a>&y;</a>', 'ExecutionFailed', 'XMLToJSON[X]: Execution failed. reason: '],
    ['nesting deeper than 200 levels', '<a>'.repeat(201) + '</a>'.repeat(201), 'OutOfMemory', 'XMLToJSON[X]: Execution failed. reason: the payload nests elements deeper than 200 levels']
  ])('%s fails with its fault', async (_what, xml, name, faultstring) => {
    const r = await convertResponse(xml, policy(''))
    expect(r.status).toBe(500)
    expect(r.json.fault.detail.errorcode).toBe(`steps.xmltojson.${name}`)
    expect(r.json.fault.faultstring.startsWith(faultstring)).toBe(true)
    expect(r.trace.fault!.variables['xmltojson.X.failed']).toBe('true')
    expect(r.trace.fault!.variables['fault.name']).toBe(name)
  })

  test('an empty XML payload fails with ExecutionFailed', async () => {
    const r = await convertResponse('', policy(''))
    expect([r.status, r.json]).toEqual([500, fault('ExecutionFailed', 'XMLToJSON[X]: Execution failed. reason: the payload is empty')])
  })

  test('a Source that does not resolve fails with SourceUnavailable', async () => {
    const r = await runWith({ policies: { X: policy('<Source>nothing.here</Source>') }, request: ['X'] }, 'GET', '/p')
    expect([r.status, r.json]).toEqual([500, fault('SourceUnavailable', 'XMLToJSON[X]: Source nothing.here is not available')])
  })

  test('a Source that is neither message nor string fails with InvalidSourceType', async () => {
    // proxy.client.port-like values: use a number-valued built-in variable.
    const r = await runWith({ policies: { X: policy('<Source>client.port</Source><OutputVariable>o</OutputVariable>') }, request: ['X'] }, 'GET', '/p')
    expect([r.status, r.json]).toEqual([500, fault('InvalidSourceType', 'XMLToJSON[X]: Invalid source type number. It must be either message or string')])
  })

  test('a string Source without OutputVariable fails with OutputVariableIsNotAvailable; into a message with InCompatibleTypes', async () => {
    const set = `<AssignMessage name="Set"><AssignVariable><Name>xmlText</Name><Value>&lt;a/&gt;</Value></AssignVariable></AssignMessage>`
    const none = await runWith({ policies: { Set: set, X: policy('<Source>xmlText</Source>') }, request: ['Set', 'X'] }, 'GET', '/p')
    expect([none.status, none.json]).toEqual([500, fault('OutputVariableIsNotAvailable', 'XMLToJSON[X]: Output variable is not available.')])
    const message = await runWith({ policies: { Set: set, X: policy('<Source>xmlText</Source><OutputVariable>request</OutputVariable>') }, request: ['Set', 'X'] }, 'GET', '/p')
    expect([message.status, message.json]).toEqual([500, fault('InCompatibleTypes', 'XMLToJSON[X]: String can not be assigned to message')])
  })

  test('continueOnError: the flow goes on with xmltojson.<policy>.failed set', async () => {
    const show = `<AssignMessage name="Show"><Set><Payload contentType="text/plain">failed={xmltojson.X.failed}</Payload></Set></AssignMessage>`
    const x = '<XMLToJSON name="X" continueOnError="true"><Format>yahoo</Format></XMLToJSON>'
    const setXml = `<AssignMessage name="SetXml"><Set><Payload contentType="text/xml">&lt;a&gt;</Payload></Set></AssignMessage>`
    const r = await runWith({ policies: { SetXml: setXml, X: x, Show: show }, response: ['SetXml', 'X', 'Show'], nullRoute: true }, 'GET', '/p')
    expect([r.status, r.text]).toEqual([200, 'failed=true'])
  })

  test.each([
    ['<XMLToJSON name="E"><Source>response</Source></XMLToJSON>', ['EitherOptionOrFormat']],
    ['<XMLToJSON name="E"><Format>msn</Format></XMLToJSON>', ['UnknownFormat']],
    ['<XMLToJSON name="E"><Options><StripLevels>two</StripLevels></Options></XMLToJSON>', ['InvalidStripLevels']]
  ])('deployment error %#', (xml, codes) => {
    expect(deployErrors({ E: xml })).toEqual(codes)
  })
})
