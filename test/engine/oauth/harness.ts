/** A small fake PolicyContext and workspace for OAuthV2 unit tests. */
import { parseXml } from '../../../src/engine/bundle/xml'
import { sharedScriptSandbox } from '../../../src/engine/sandbox'
import { faultEnvelope, PolicyFault } from '../../../src/engine/faults/fault'
import { oauthV2Handler, type OAuthV2Config } from '../../../src/engine/policies/oauthv2'
import type { CompileContext, FlowVariables, MutableMessage, PolicyContext } from '../../../src/engine/policies/types'
import { cryptoRandom, type Clock } from '../../../src/engine/ports'
import { createMemoryTokenStore, type MemoryTokenStore } from '../../../src/engine/tokens'
import type { Workspace } from '../../../src/shared/model'

export const T0 = Date.UTC(2026, 0, 1)

export class FakeClock implements Clock {
  constructor(public time = T0) {}
  now(): number {
    return this.time
  }
  advance(ms: number): void {
    this.time += ms
  }
}

export function workspace(tokenCacheSeconds = 0): Workspace {
  const cred = (consumerKey: string, consumerSecret: string, products: Array<[string, 'approved' | 'pending' | 'revoked']>, extra: object = {}) => ({
    consumerKey,
    consumerSecret,
    status: 'approved' as const,
    issuedAt: 0,
    expiresAt: -1,
    apiProducts: products.map(([apiproduct, status]) => ({ apiproduct, status })),
    scopes: [],
    attributes: [],
    ...extra
  })
  const app = (appId: string, name: string, developerId: string, callbackUrl: string, credentials: ReturnType<typeof cred>[], status: 'approved' | 'revoked' = 'approved') => ({
    appId,
    name,
    developerId,
    callbackUrl,
    status,
    attributes: [{ name: 'tier', value: 'gold' }],
    scopes: [],
    createdAt: 0,
    credentials
  })
  const product = (name: string, extra: object = {}) => ({
    name,
    displayName: name,
    description: '',
    approvalType: 'auto' as const,
    environments: ['test'],
    proxies: ['weather'],
    apiResources: [] as string[],
    scopes: [] as string[],
    attributes: [] as Array<{ name: string; value: string }>,
    quota: '',
    quotaInterval: '',
    quotaTimeUnit: '',
    ...extra
  })
  return {
    schemaVersion: 2,
    organization: { name: 'acme', displayName: 'Acme', tokenCacheSeconds },
    environments: [{ name: 'test', description: '', port: 9001, hostAliases: [], restrictHosts: true, variables: [] }],
    proxies: [],
    apiProducts: [
      product('Product_One', { scopes: ['read', 'write'], attributes: [{ name: 'plan', value: 'basic' }] }),
      product('Product_Two', { scopes: ['admin'] }),
      product('Product_Prod', { environments: ['prod'] }),
      product('Product_Paths', { environments: [], proxies: [], apiResources: ['/forecast'] })
    ],
    developers: [
      { developerId: 'dev-1', email: 'ada@example.com', firstName: 'Ada', lastName: 'L', userName: 'ada', status: 'active', attributes: [] },
      { developerId: 'dev-2', email: 'bob@example.com', firstName: 'Bob', lastName: 'B', userName: 'bob', status: 'inactive', attributes: [] }
    ],
    apps: [
      app('app-1', 'App_One', 'dev-1', 'https://app.example/cb', [cred('key-1', 'secret-1', [['Product_One', 'approved'], ['Product_Two', 'pending']])]),
      app('app-2', 'App_NoCallback', 'dev-1', '', [cred('key-2', 'secret+2:x', [['Product_One', 'approved']])]),
      app('app-3', 'App_Revoked', 'dev-1', '', [cred('key-3', 'secret-3', [['Product_One', 'approved']])], 'revoked'),
      app('app-4', 'App_Inactive_Dev', 'dev-2', '', [cred('key-4', 'secret-4', [['Product_One', 'approved']])]),
      app('app-5', 'App_Key_Revoked', 'dev-1', '', [cred('key-5', 'secret-5', [['Product_One', 'approved']], { status: 'revoked' })]),
      app('app-6', 'App_Prod_Only', 'dev-1', '', [cred('key-6', 'secret-6', [['Product_Prod', 'approved']])]),
      app('app-7', 'App_Paths', 'dev-1', '', [cred('key-7', 'secret-7', [['Product_Paths', 'approved']])]),
      app('app-8', 'App_Pending', 'dev-1', '', [cred('key-8', 'secret-8', [['Product_One', 'pending']])])
    ]
  } as Workspace
}

export interface CompileResult {
  config: OAuthV2Config
  errors: Array<{ code: string; message: string; path: string | undefined }>
}

/** Compiles policy XML, collecting deployment errors. */
export function compile(xml: string): CompileResult {
  const parsed = parseXml(xml)
  if (!parsed.ok) throw new Error(parsed.error.message)
  const errors: CompileResult['errors'] = []
  const ctx: CompileContext = {
    proxy: { name: 'weather', description: '', basePath: '/weather', environments: ['test'], proxyEndpoints: {}, targetEndpoints: {}, policies: {}, resources: {} },
    policyName: parsed.root.attributes.name ?? 'OAuth',
    file: 'policies/OAuth.xml',
    error: (code, message, el) => errors.push({ code, message, path: el?.path })
  }
  const config = oauthV2Handler.compile(parsed.root, ctx)
  return { config, errors }
}

class Message implements MutableMessage {
  headers: Array<[string, string]> = []
  content = ''
  status = 200
  reasonPhrase = 'OK'
  getHeader(name: string): string | undefined {
    return this.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]
  }
  getHeaderValues(name: string): string[] {
    return this.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v)
  }
  setHeader(name: string, value: string): void {
    this.removeHeader(name)
    this.headers.push([name, value])
  }
  addHeader(name: string, value: string): void {
    this.headers.push([name, value])
  }
  removeHeader(name: string): void {
    this.headers = this.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase())
  }
  headerList(): Array<[string, string]> {
    return [...this.headers]
  }
}

export interface Env {
  clock: FakeClock
  store: MemoryTokenStore
  ws: Workspace
}

export function env(tokenCacheSeconds = 0): Env {
  return { clock: new FakeClock(), store: createMemoryTokenStore(), ws: workspace(tokenCacheSeconds) }
}

export interface RequestInit {
  form?: Record<string, string>
  query?: Record<string, string>
  headers?: Record<string, string>
  vars?: Record<string, string>
  flow?: 'request' | 'response'
  pathsuffix?: string
  verb?: string
}

export interface Outcome {
  fault: PolicyFault | undefined
  /** What the client would receive: the runtime's rendering of the fault, or the policy's response. */
  status: number
  headers: Array<[string, string]>
  body: string
  vars: Map<string, unknown>
  notes: string[]
  /** The response message as the policy left it (GenerateErrorResponse writes into it before faulting). */
  written: { status: number; body: string }
}

/** Runs a compiled policy against a fake request. */
export async function run(e: Env, config: OAuthV2Config, init: RequestInit = {}, policyName = 'OAuth'): Promise<Outcome> {
  const vars = new Map<string, unknown>()
  const request = new Message()
  const response = new Message()
  for (const [k, v] of Object.entries(init.headers ?? {})) {
    request.addHeader(k, v)
    vars.set(`request.header.${k}`, v)
  }
  for (const [k, v] of Object.entries(init.form ?? {})) vars.set(`request.formparam.${k}`, v)
  for (const [k, v] of Object.entries(init.query ?? {})) vars.set(`request.queryparam.${k}`, v)
  vars.set('apiproxy.name', 'weather')
  vars.set('environment.name', 'test')
  vars.set('proxy.pathsuffix', init.pathsuffix ?? '/forecast')
  vars.set('request.verb', init.verb ?? 'GET')
  for (const [k, v] of Object.entries(init.vars ?? {})) vars.set(k, v)
  const variables: FlowVariables = {
    get: (n) => vars.get(n),
    getString: (n) => (vars.has(n) ? String(vars.get(n)) : undefined),
    set: (n, v) => void vars.set(n, v),
    remove: (n) => void vars.delete(n),
    snapshot: () => Object.fromEntries([...vars].map(([k, v]) => [k, String(v)]))
  }
  const notes: string[] = []
  const ctx: PolicyContext = {
    policyName,
    variables,
    request,
    response,
    flow: init.flow ?? 'request',
    environment: e.ws.environments[0]!,
    proxy: { name: 'weather', basePath: '/weather', revision: '1' },
    services: {
      clock: e.clock,
      random: cryptoRandom,
      tokens: e.store,
      http: { send: () => Promise.reject(new Error('no network in tests')) },
      scripts: sharedScriptSandbox(),
      counters: { get: () => undefined, set: () => undefined },
      caches: { get: () => undefined, set: () => undefined, delete: () => false, deletePrefix: () => 0 },
      workspace: () => e.ws
    },
    note: (t) => void notes.push(t)
  }
  try {
    await oauthV2Handler.execute(config, ctx)
    return { fault: undefined, status: response.status, headers: response.headerList(), body: response.content, vars, notes, written: { status: response.status, body: response.content } }
  } catch (error) {
    if (!(error instanceof PolicyFault)) throw error
    const r = error.options.response
    const written = { status: response.status, body: response.content }
    if (r) return { fault: error, status: r.status, headers: r.headers, body: r.body, vars, notes, written }
    return {
      fault: error,
      status: error.spec.status,
      headers: [['Content-Type', 'application/json'], ...(error.options.headers ?? [])],
      body: faultEnvelope(error.spec.faultstring, error.spec.errorcode),
      vars,
      notes,
      written
    }
  }
}

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
export const header = (o: Outcome, name: string): string | undefined => o.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]

export const policy = (operation: string, inner = '', name = 'OAuth'): string => `<OAuthV2 name="${name}"><Operation>${operation}</Operation>${inner}</OAuthV2>`
export const ALL_GRANTS = '<SupportedGrantTypes><GrantType>client_credentials</GrantType><GrantType>password</GrantType><GrantType>authorization_code</GrantType><GrantType>implicit</GrantType></SupportedGrantTypes>'
