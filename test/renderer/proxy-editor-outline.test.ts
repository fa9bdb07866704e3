import { describe, expect, it } from 'vitest'
import { XMLParser } from 'fast-xml-parser'
import { addStepToPreFlow, endpointOutline, policyTypeOf, type ElementLike } from '../../src/renderer/src/components/proxy-editor/outline'

/** A DOM stand-in (the outline reads only tagName, children, getAttribute, textContent) built with fast-xml-parser. */
function parse(xml: string): ElementLike {
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', trimValues: false, parseTagValue: false })
  type Node = Record<string, unknown> & { ':@'?: Record<string, string> }
  const build = (node: Node): ElementLike => {
    const tagName = Object.keys(node).find((k) => k !== ':@')!
    const raw = (node[tagName] as Node[]) ?? []
    const children = raw.filter((c) => !('#text' in c)).map(build)
    const text = (n: Node): string => {
      const name = Object.keys(n).find((k) => k !== ':@')!
      return name === '#text' ? String(n['#text']) : ((n[name] as Node[]) ?? []).map(text).join('')
    }
    return { tagName, children, getAttribute: (a) => node[':@']?.[a] ?? null, textContent: text(node) }
  }
  const nodes = (parser.parse(xml) as Node[]).filter((n) => !('?xml' in n))
  return build(nodes[0]!)
}

const proxyXml = `<ProxyEndpoint name="default">
  <Description>Orders</Description>
  <FaultRules>
    <FaultRule name="invalid_key">
      <Step>
        <Name>AM-Invalid-Key</Name>
      </Step>
      <Condition>fault.name = "InvalidApiKey"</Condition>
    </FaultRule>
  </FaultRules>
  <DefaultFaultRule name="all">
    <AlwaysEnforce>true</AlwaysEnforce>
    <Step>
      <Name>AM-Fault</Name>
    </Step>
  </DefaultFaultRule>
  <PreFlow name="PreFlow">
    <Request>
      <Step>
        <Name>Verify</Name>
      </Step>
      <Step>
        <Name>Ghost</Name>
        <Condition>request.verb = "POST"</Condition>
      </Step>
    </Request>
    <Response/>
  </PreFlow>
  <Flows>
    <Flow name="read">
      <Request/>
      <Response>
        <Step><Name>AM-Fault</Name></Step>
      </Response>
      <Condition>request.verb = "GET"</Condition>
    </Flow>
    <Flow name="catch-all">
      <Description>Anything else</Description>
      <Request/>
    </Flow>
  </Flows>
  <PostFlow name="PostFlow"/>
  <HTTPProxyConnection>
    <BasePath>/orders</BasePath>
  </HTTPProxyConnection>
  <RouteRule name="none">
    <Condition>request.verb = "OPTIONS"</Condition>
  </RouteRule>
  <RouteRule name="default">
    <TargetEndpoint>backend</TargetEndpoint>
  </RouteRule>
</ProxyEndpoint>`

const policies = new Map([
  ['Verify', 'OAuthV2'],
  ['AM-Invalid-Key', 'AssignMessage'],
  ['AM-Fault', 'AssignMessage']
])

describe('endpoint outline', () => {
  it('lists flows in execution order, then fault rules, with conditions, steps and paths', () => {
    const outline = endpointOutline(parse(proxyXml), 'proxies/default.xml', policies)
    expect(outline).toMatchObject({ kind: 'ProxyEndpoint', name: 'default', file: 'proxies/default.xml', basePath: '/orders', targetUrl: null })
    expect(outline.flows.map((f) => [f.kind, f.name, f.condition, f.path])).toEqual([
      ['PreFlow', 'PreFlow', null, '/ProxyEndpoint/PreFlow'],
      ['Flow', 'read', 'request.verb = "GET"', '/ProxyEndpoint/Flows/Flow'],
      ['Flow', 'catch-all', null, '/ProxyEndpoint/Flows/Flow[2]'],
      ['PostFlow', 'PostFlow', null, '/ProxyEndpoint/PostFlow'],
      ['FaultRule', 'invalid_key', 'fault.name = "InvalidApiKey"', '/ProxyEndpoint/FaultRules/FaultRule'],
      ['DefaultFaultRule', 'all', null, '/ProxyEndpoint/DefaultFaultRule']
    ])
    const [pre, read, catchAll, , faultRule, defaultRule] = outline.flows
    expect(pre!.request).toEqual([
      { policy: 'Verify', condition: null, path: '/ProxyEndpoint/PreFlow/Request/Step', missing: false, policyType: 'OAuthV2' },
      { policy: 'Ghost', condition: 'request.verb = "POST"', path: '/ProxyEndpoint/PreFlow/Request/Step[2]', missing: true, policyType: null }
    ])
    expect(read!.request).toEqual([])
    expect(read!.response.map((s) => s.policy)).toEqual(['AM-Fault'])
    expect(catchAll!.description).toBe('Anything else')
    expect(faultRule!.request.map((s) => s.path)).toEqual(['/ProxyEndpoint/FaultRules/FaultRule/Step'])
    expect(defaultRule!.alwaysEnforce).toBe(true)
    expect(outline.routeRules).toEqual([
      { name: 'none', condition: 'request.verb = "OPTIONS"', target: null, url: null, path: '/ProxyEndpoint/RouteRule' },
      { name: 'default', condition: null, target: 'backend', url: null, path: '/ProxyEndpoint/RouteRule[2]' }
    ])
  })

  it('reads a TargetEndpoint with its flows and URL', () => {
    const outline = endpointOutline(
      parse(`<TargetEndpoint name="backend"><PreFlow name="PreFlow"><Request><Step><Name>AM-Fault</Name></Step></Request></PreFlow><HTTPTargetConnection><URL>https://example.com/v1</URL></HTTPTargetConnection></TargetEndpoint>`),
      'targets/backend.xml',
      policies
    )
    expect(outline).toMatchObject({ kind: 'TargetEndpoint', name: 'backend', basePath: null, targetUrl: 'https://example.com/v1', routeRules: [] })
    expect(outline.flows.map((f) => `${f.kind}:${f.request.map((s) => s.policy).join(',')}`)).toEqual(['PreFlow:AM-Fault'])
  })

  it.each([
    ['<OAuthV2 name="x"><Operation>VerifyAccessToken</Operation></OAuthV2>', 'OAuthV2'],
    ['<?xml version="1.0"?>\n<!-- <Nope/> -->\n<VerifyAPIKey name="k"/>', 'VerifyAPIKey'],
    ['not xml', null]
  ])('names the policy type of %s', (xml, type) => {
    expect(policyTypeOf(xml)).toBe(type)
  })
})

describe('adding a Step to the PreFlow', () => {
  const step = (indent: string) => `${indent}<Step>\n${indent}  <Name>New</Name>\n${indent}</Step>`

  it('fills an empty self-closing <Request/> and keeps the rest as it was', () => {
    const xml = `<ProxyEndpoint name="default">\n  <PreFlow name="PreFlow">\n    <Request/>\n    <Response/>\n  </PreFlow>\n</ProxyEndpoint>`
    expect(addStepToPreFlow(xml, 'New')).toBe(`<ProxyEndpoint name="default">\n  <PreFlow name="PreFlow">\n    <Request>\n${step('      ')}\n    </Request>\n    <Response/>\n  </PreFlow>\n</ProxyEndpoint>`)
  })

  it('appends after the existing steps, so the new policy runs last', () => {
    const xml = `<ProxyEndpoint name="default">\n  <PreFlow name="PreFlow">\n    <Request>\n      <Step>\n        <Name>Verify</Name>\n      </Step>\n    </Request>\n  </PreFlow>\n</ProxyEndpoint>`
    const out = addStepToPreFlow(xml, 'New')
    expect(out).toBe(`<ProxyEndpoint name="default">\n  <PreFlow name="PreFlow">\n    <Request>\n      <Step>\n        <Name>Verify</Name>\n      </Step>\n${step('      ')}\n    </Request>\n  </PreFlow>\n</ProxyEndpoint>`)
    const outline = endpointOutline(parse(out), 'proxies/default.xml', new Map([['Verify', 'OAuthV2'], ['New', 'AssignMessage']]))
    expect(outline.flows[0]!.request.map((s) => s.policy)).toEqual(['Verify', 'New'])
  })

  it('adds to the Response phase when asked', () => {
    const xml = `<TargetEndpoint name="t">\n  <PreFlow name="PreFlow">\n    <Request/>\n    <Response/>\n  </PreFlow>\n</TargetEndpoint>`
    const outline = endpointOutline(parse(addStepToPreFlow(xml, 'New', 'Response')), 'targets/t.xml', new Map())
    expect(outline.flows[0]!.response.map((s) => s.policy)).toEqual(['New'])
    expect(outline.flows[0]!.request).toEqual([])
  })

  it.each([
    ['no PreFlow', `<ProxyEndpoint name="default">\n  <HTTPProxyConnection><BasePath>/x</BasePath></HTTPProxyConnection>\n</ProxyEndpoint>`],
    ['a self-closing PreFlow', `<ProxyEndpoint name="default">\n  <PreFlow name="PreFlow"/>\n</ProxyEndpoint>`],
    ['a PreFlow without Request', `<ProxyEndpoint name="default">\n  <PreFlow name="PreFlow">\n    <Response/>\n  </PreFlow>\n</ProxyEndpoint>`]
  ])('creates what is missing when the endpoint has %s', (_case, xml) => {
    const out = addStepToPreFlow(xml, 'New')
    const outline = endpointOutline(parse(out), 'proxies/default.xml', new Map([['New', 'OAuthV2']]))
    expect(outline.flows.find((f) => f.kind === 'PreFlow')!.request.map((s) => s.policy)).toEqual(['New'])
  })
})
