import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from '../policies/standard-helpers'

const ORDER = `<?xml version="1.0"?>
<o:order xmlns:o="urn:shop:order" xmlns:c="urn:shop:customer" id="A-17" paid="true">
  <c:customer><c:name>Ann</c:name><c:tier>gold</c:tier></c:customer>
  <o:item sku="x1"><o:qty>2</o:qty><o:price>9.50</o:price></o:item>
  <o:item sku="y2"><o:qty>1</o:qty><o:price>120</o:price></o:item>
  <o:note>not a number</o:note>
</o:order>`

const NS = '<Namespaces><Namespace prefix="o">urn:shop:order</Namespace><Namespace prefix="cust">urn:shop:customer</Namespace></Namespaces>'

const ev = (variables: string, attrs = '', extra = '') =>
  `<ExtractVariables name="EV"><Source>request</Source><VariablePrefix>x</VariablePrefix>${extra}<XMLPayload${attrs}>${NS}${variables}</XMLPayload></ExtractVariables>`
const variable = (name: string, path: string, type?: string) => `<Variable name="${name}"${type ? ` type="${type}"` : ''}><XPath>${path}</XPath></Variable>`

/** Runs EV on a POSTed XML body and returns the values it wrote, by variable name, as the trace shows them. */
async function extract(policy: string, body = ORDER) {
  const r = await runWith({ policies: { EV: policy }, request: ['EV'], nullRoute: true }, 'POST', '/p', { 'Content-Type': 'application/xml' }, body)
  const step = r.trace.steps.find((s) => s.policy === 'EV')!
  return { r, writes: Object.fromEntries(step.writes.map((w) => [w.name, w.value])) }
}

describe('ExtractVariables XMLPayload', () => {
  test('XPath with declared namespaces, in each type', async () => {
    const { r, writes } = await extract(
      ev(
        variable('name', '/o:order/cust:customer/cust:name') +
          variable('id', '/o:order/@id') +
          variable('paid', '/o:order/@paid', 'boolean') +
          variable('qty', '/o:order/o:item[2]/o:qty', 'integer') +
          variable('items', 'count(//o:item)', 'long') +
          variable('price', '/o:order/o:item[1]/o:price', 'float') +
          variable('total', 'sum(//o:price)', 'double') +
          variable('skus', '//o:item/@sku', 'nodeset') +
          variable('customer', '/o:order/cust:customer', 'nodeset') +
          variable('firstSku', '//o:item/@sku') +
          variable('missing', '/o:order/o:nothing')
      )
    )
    expect(r.status).toBe(200)
    expect(writes).toEqual({
      'x.name': 'Ann',
      'x.id': 'A-17',
      'x.paid': 'true',
      'x.qty': '1',
      'x.items': '2',
      'x.price': '9.5',
      'x.total': '129.5',
      'x.skus': 'x1y2',
      'x.customer': '<c:customer xmlns:c="urn:shop:customer"><c:name>Ann</c:name><c:tier>gold</c:tier></c:customer>',
      'x.firstSku': 'x1'
    })
  })

  test('stopPayloadProcessing="true" stops after the first variable that gets a value', async () => {
    const vars = variable('missing', '/o:order/o:nothing') + variable('name', '//cust:name') + variable('tier', '//cust:tier')
    expect((await extract(ev(vars, ' stopPayloadProcessing="true"'))).writes).toEqual({ 'x.name': 'Ann' })
    expect((await extract(ev(vars, ' stopPayloadProcessing="false"'))).writes).toEqual({ 'x.name': 'Ann', 'x.tier': 'gold' })
  })

  test('a value that cannot take the type fails with UnableToCast', async () => {
    const { r } = await extract(ev(variable('note', '/o:order/o:note', 'integer')))
    expect([r.status, r.text]).toEqual([500, '{"fault":{"faultstring":"Unable to cast value not a number to integer.","detail":{"errorcode":"steps.extractvariables.UnableToCast"}}}'])
    expect(r.trace.fault!.variables['extractvariables.EV.failed']).toBe('true')
  })

  test.each([
    ['an empty payload', '', 'the payload is empty'],
    ['a payload that is not XML', '{"a":1}', 'the payload is not XML'],
    ['a DOCTYPE entity (never expanded)', '<!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>', 'the payload is not XML'],
    ['nesting deeper than 200 levels', '<a>'.repeat(300) + '</a>'.repeat(300), 'the payload nests elements deeper than 200 levels']
  ])('%s fails with ExecutionFailed', async (_what, body, reason) => {
    const { r } = await extract(ev(variable('name', '//cust:name')), body)
    expect(r.status).toBe(500)
    expect(r.json.fault.detail.errorcode).toBe('steps.extractvariables.ExecutionFailed')
    expect(r.json.fault.faultstring).toContain(`Failed to execute the ExtractVariables: EV. Reason: ${reason}`)
  })

  test.each([
    [ev(variable('v', '/p:a')), ['XPathCompilationFailed', 'NothingToExtract']],
    [ev(variable('v', '/o:order[')), ['XPathCompilationFailed', 'NothingToExtract']],
    [ev(variable('v', '/a', 'date')), ['InvalidVariableType', 'NothingToExtract']],
    [ev('<Variable name="v"/>'), ['XPathRequired', 'NothingToExtract']],
    ['<ExtractVariables name="EV"><XMLPayload><Namespaces><Namespace>urn:x</Namespace></Namespaces><Variable name="v"><XPath>/a</XPath></Variable></XMLPayload></ExtractVariables>', ['NamespacePrefixRequired']]
  ])('deployment error %#', (xml, codes) => {
    expect(deployErrors({ EV: xml })).toEqual(codes)
  })
})
