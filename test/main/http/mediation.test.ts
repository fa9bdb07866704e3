/**
 * XMLToJSON, JSONToXML and ExtractVariables `<XMLPayload>` as a client sees them, through the real listener of a
 * running console and a real backend: an XML backend answered as JSON, a JSON request delivered as XML, values read
 * from an XML request by XPath, and an XML bomb refused with a fault instead of a hang.
 */
import http from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatelabConsole } from '../../../src/main/console'
import type { ApiProxy, Workspace } from '../../../src/shared/model'
import { listenLocal, consoleWith, testGatewayUrl } from './local-console'

function proxy(name: string, policies: Record<string, string>, flow: { request?: string[]; response?: string[] }, target?: string): ApiProxy {
  const steps = (names: string[] = []) => names.map((p) => `<Step><Name>${p}</Name></Step>`).join('')
  const route = target ? '<RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>' : '<RouteRule name="noroute"/>'
  return {
    name,
    description: '',
    basePath: `/${name}`,
    environments: ['test'],
    proxyEndpoints: {
      default: `<ProxyEndpoint name="default"><PreFlow name="PreFlow"><Request>${steps(flow.request)}</Request><Response>${steps(flow.response)}</Response></PreFlow><HTTPProxyConnection><BasePath>/${name}</BasePath></HTTPProxyConnection>${route}</ProxyEndpoint>`
    },
    targetEndpoints: target ? { default: `<TargetEndpoint name="default"><HTTPTargetConnection><URL>${target}</URL></HTTPTargetConnection></TargetEndpoint>` } : {},
    policies,
    resources: {}
  }
}

function mediationWorkspace(port: number): Workspace {
  const backend = `http://127.0.0.1:${port}`
  return {
    schemaVersion: 2,
    organization: { name: 'mediation', displayName: '', tokenCacheSeconds: 0 },
    environments: [{ name: 'test', description: '', port: 9301, hostAliases: [], restrictHosts: false, variables: [] }],
    proxies: [
      proxy('orders', { X: '<XMLToJSON name="X"><Format>yahoo</Format><Source>response</Source><OutputVariable>response</OutputVariable></XMLToJSON>' }, { response: ['X'] }, `${backend}/order`),
      proxy('legacy', { J: '<JSONToXML name="J"><Options><ObjectRootElementName>Request</ObjectRootElementName></Options></JSONToXML>' }, { request: ['J'] }, `${backend}/echo`),
      proxy(
        'extract',
        {
          EV: `<ExtractVariables name="EV"><VariablePrefix>order</VariablePrefix><XMLPayload><Namespaces><Namespace prefix="o">urn:order</Namespace></Namespaces>
            <Variable name="id"><XPath>/o:order/@id</XPath></Variable><Variable name="qty" type="integer"><XPath>sum(//o:qty)</XPath></Variable></XMLPayload></ExtractVariables>`,
          Show: '<AssignMessage name="Show"><AssignTo createNew="false" type="response"/><Set><Payload contentType="text/plain">order {order.id} has {order.qty} items</Payload></Set></AssignMessage>'
        },
        { request: ['EV'], response: ['Show'] }
      )
    ],
    apiProducts: [],
    developers: [],
    apps: []
  }
}

let gatelab: GatelabConsole
let backend: http.Server
const received: Array<{ contentType: string | undefined; body: string }> = []

beforeAll(async () => {
  backend = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      received.push({ contentType: req.headers['content-type'], body })
      if (req.url === '/order') res.writeHead(200, { 'Content-Type': 'application/xml' }).end('<order id="7"><qty>3</qty><gift>true</gift></order>')
      else res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok')
    })
  })
  const port = await listenLocal(backend)
  gatelab = await consoleWith('mediation', mediationWorkspace(port))
})

afterAll(async () => {
  await gatelab.close()
  backend.closeAllConnections()
  backend.close()
})

const base = (): string => testGatewayUrl(gatelab)

describe('mediation policies over HTTP', () => {
  it('XMLToJSON answers an XML backend as JSON', async () => {
    const res = await fetch(`${base()}/orders`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({ order: { id: 7, qty: 3, gift: 'true' } })
  })

  it('JSONToXML delivers a JSON request to the backend as XML', async () => {
    const res = await fetch(`${base()}/legacy`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"id":7,"lines":["a","b"]}' })
    expect(res.status).toBe(200)
    expect(received.at(-1)).toEqual({
      contentType: 'text/xml;charset=UTF-8',
      body: '<?xml version="1.0" encoding="UTF-8"?><Request><id>7</id><lines>a</lines><lines>b</lines></Request>'
    })
  })

  it('ExtractVariables reads an XML request by XPath', async () => {
    const body = '<order xmlns="urn:order" id="A-1"><line><qty>2</qty></line><line><qty>5</qty></line></order>'
    const res = await fetch(`${base()}/extract`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body })
    expect([res.status, await res.text()]).toEqual([200, 'order A-1 has 7 items'])
  })

  it('an XML bomb is refused with ExecutionFailed, not expanded', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><order>&lol9;</order>`
    const res = await fetch(`${base()}/extract`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: bomb })
    expect(res.status).toBe(500)
    const fault = (await res.json()) as { fault: { faultstring: string; detail: { errorcode: string } } }
    expect(fault.fault.detail.errorcode).toBe('steps.extractvariables.ExecutionFailed')
    expect(fault.fault.faultstring).toContain('Failed to execute the ExtractVariables: EV. Reason: the payload is not XML')
  })
})
