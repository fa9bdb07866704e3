/** Shared builders for runtime and policy tests: a workspace, an engine with fake ports, request helpers. */
import { apiProxySchema, workspaceSchema, type ApiProxy, type Workspace } from '../../../src/shared/model'
import type { TokenRecord } from '../../../src/shared/tokens'
import { createEngine, type Engine, type GatewayRequest } from '../../../src/engine'
import type { HttpClient, OutboundRequest, OutboundResponse } from '../../../src/engine/ports'
import type { TokenStore } from '../../../src/engine/tokens/store'
import type { TraceRecord } from '../../../src/shared/trace'

export const T0 = Date.UTC(2026, 0, 1)

export function memoryTokens(): TokenStore {
  const records = new Map<string, TokenRecord>()
  return {
    get: (kind, hash) => records.get(`${kind}:${hash}`),
    put: (r) => void records.set(`${r.kind}:${r.hash}`, r),
    delete: (kind, hash) => void records.delete(`${kind}:${hash}`),
    all: () => records.values()
  }
}

/** An HttpClient that answers from a function and remembers what it was sent. */
export function fakeHttp(answer: (req: OutboundRequest) => Promise<OutboundResponse> | OutboundResponse = () => ({
  status: 200,
  reasonPhrase: 'OK',
  headers: [['content-type', 'text/plain']],
  body: new TextEncoder().encode('backend')
})): HttpClient & { sent: OutboundRequest[] } {
  const sent: OutboundRequest[] = []
  return {
    sent,
    async send(req) {
      sent.push(req)
      return answer(req)
    }
  }
}

export const echoTarget = `<TargetEndpoint name="default"><HTTPTargetConnection><URL>echo://</URL></HTTPTargetConnection></TargetEndpoint>`

export function proxyEndpoint(inner: string, opts: { basePath?: string; route?: string } = {}): string {
  const route = opts.route ?? '<RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>'
  const base = opts.basePath ? `<HTTPProxyConnection><BasePath>${opts.basePath}</BasePath></HTTPProxyConnection>` : ''
  return `<ProxyEndpoint name="default">${inner}${base}${route}</ProxyEndpoint>`
}

export function proxy(p: Partial<ApiProxy> & { name: string; basePath: string }): ApiProxy {
  return apiProxySchema.parse({
    environments: ['test'],
    proxyEndpoints: { default: proxyEndpoint('') },
    targetEndpoints: { default: echoTarget },
    ...p
  })
}

export function workspace(proxies: ApiProxy[], extra: Partial<Workspace> = {}): Workspace {
  return workspaceSchema.parse({
    schemaVersion: 2,
    organization: { name: 'acme' },
    environments: [
      { name: 'test', port: 9001, hostAliases: ['test.local'], variables: [{ name: 'greeting', value: 'hello' }, { name: 'private.backendKey', value: 'sup3r-s3cret-value' }] },
      { name: 'prod', port: 9002, hostAliases: [] }
    ],
    proxies,
    ...extra
  })
}

export function makeEngine(http: HttpClient = fakeHttp(), traceLimit?: number, traceMaxBytes?: number): Engine {
  let n = 0
  return createEngine({
    clock: { now: () => T0 },
    random: {
      bytes: (len) => {
        n++
        return Uint8Array.from({ length: len }, (_, i) => (n + i) % 256)
      }
    },
    tokens: memoryTokens(),
    http,
    ...(traceLimit ? { traceLimit } : {}),
    ...(traceMaxBytes ? { traceMaxBytes } : {})
  })
}

/** Header maps in tests may carry undefined entries (table rows); those are left out. */
export type TestHeaders = Record<string, string | undefined>

export function request(method: string, url: string, headers: TestHeaders = {}, body = ''): GatewayRequest {
  return {
    method,
    url,
    headers: Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined),
    body: new TextEncoder().encode(body),
    clientIp: '127.0.0.1',
    clientPort: 50000
  }
}

export interface CallResult {
  status: number
  reason: string
  headers: Array<[string, string]>
  header(name: string): string | undefined
  text: string
  json: any
  trace: TraceRecord
}

export async function call(engine: Engine, env: string, method: string, url: string, headers: TestHeaders = {}, body = ''): Promise<CallResult> {
  const { response, trace } = await engine.handle(env, request(method, url, headers, body))
  const text = new TextDecoder().decode(response.body)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return {
    status: response.status,
    reason: response.reasonPhrase,
    headers: response.headers,
    header: (name) => response.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1],
    text,
    json,
    trace
  }
}

/** Deploys and fails the test when any proxy has a deployment error. */
export function deployOk(engine: Engine, ws: Workspace): void {
  const report = engine.deploy(ws)
  if (!report.ok) throw new Error(`deployment failed: ${JSON.stringify(report.errors, null, 1)}`)
}

/** An AssignMessage policy that adds a header `X-Order: <name>` to the flow's message. */
export function stamp(name: string, header = 'X-Order'): string {
  return `<AssignMessage name="${name}"><Add><Headers><Header name="${header}">${name}</Header></Headers></Add></AssignMessage>`
}

export function step(name: string, condition?: string): string {
  return `<Step><Name>${name}</Name>${condition ? `<Condition>${condition}</Condition>` : ''}</Step>`
}
