/** A small PolicyContext for running one security policy without the runtime. */
import { parseXml } from '../../../src/engine/bundle/xml'
import { sharedScriptSandbox } from '../../../src/engine/sandbox'
import { PolicyFault, faultEnvelope } from '../../../src/engine/faults/fault'
import type { CompileContext, FlowVariables, MutableMessage, PolicyContext, PolicyHandler } from '../../../src/engine/policies/types'
import type { DeploymentError } from '../../../src/shared/deployment'
import { createMemoryTokenStore, type MemoryTokenStore } from '../../../src/engine/tokens'
import type { Workspace } from '../../../src/shared/model'

export class MapVariables implements FlowVariables {
  readonly map = new Map<string, unknown>()
  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.map.set(k, v)
  }
  get(name: string): unknown {
    return this.map.get(name)
  }
  getString(name: string): string | undefined {
    const v = this.map.get(name)
    return v === undefined || v === null ? undefined : String(v)
  }
  set(name: string, value: unknown): void {
    this.map.set(name, value)
  }
  remove(name: string): void {
    this.map.delete(name)
  }
  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.map].map(([k, v]) => [k, String(v)]))
  }
}

const noMessage = {} as MutableMessage

/** Compiles policy XML with a handler; returns the config and every deployment error. */
export function compilePolicy<C>(handler: PolicyHandler<C>, xml: string): { config: C; errors: DeploymentError[] } {
  const parsed = parseXml(xml)
  if (!parsed.ok) throw new Error(parsed.error.message)
  const errors: DeploymentError[] = []
  const name = parsed.root.attributes['name'] ?? 'Policy'
  const ctx: CompileContext = {
    proxy: { name: 'API_One', description: '', basePath: '/api-one', environments: [], proxyEndpoints: {}, targetEndpoints: {}, policies: {}, resources: {} },
    policyName: name,
    file: `policies/${name}.xml`,
    error(code, message, el) {
      errors.push({ code, message, proxy: 'API_One', file: `policies/${name}.xml`, ...(el ? { path: el.path, line: el.line, column: el.column } : {}) })
    }
  }
  return { config: handler.compile(parsed.root, ctx), errors }
}

export interface RunResult {
  variables: MapVariables
  fault: { name: string; status: number; body: string; cause?: string } | null
  notes: string[]
}

export interface RunOptions {
  ws: Workspace
  now: number
  variables?: Record<string, string>
  tokens?: MemoryTokenStore
  policyName?: string
}

/** Runs a compiled policy against the given workspace and variables; a PolicyFault becomes the default envelope. */
export async function runPolicy<C>(handler: PolicyHandler<C>, config: C, opts: RunOptions): Promise<RunResult> {
  const variables = new MapVariables(opts.variables)
  const notes: string[] = []
  const env = opts.ws.environments.find((e) => e.name === (opts.variables?.['environment.name'] ?? 'test'))!
  const ctx: PolicyContext = {
    policyName: opts.policyName ?? 'VK',
    variables,
    request: noMessage,
    response: noMessage,
    flow: 'request',
    environment: env,
    proxy: { name: opts.variables?.['apiproxy.name'] ?? 'API_One', basePath: '/api-one', revision: '1' },
    services: {
      clock: { now: () => opts.now },
      random: { bytes: (n) => new Uint8Array(n) },
      tokens: opts.tokens ?? createMemoryTokenStore(),
      http: { send: () => Promise.reject(new Error('no http in tests')) },
      scripts: sharedScriptSandbox(),
      counters: { get: () => undefined, set: () => undefined },
      caches: { get: () => undefined, set: () => undefined, delete: () => false, deletePrefix: () => 0 },
      workspace: () => opts.ws
    },
    note: (t) => notes.push(t)
  }
  try {
    await handler.execute(config, ctx)
    return { variables, fault: null, notes }
  } catch (e) {
    if (!(e instanceof PolicyFault)) throw e
    return {
      variables,
      notes,
      fault: {
        name: e.spec.name,
        status: e.spec.status,
        body: faultEnvelope(e.spec.faultstring, e.spec.errorcode),
        ...(e.options.cause ? { cause: e.options.cause } : {})
      }
    }
  }
}

/** The flow variables the runtime sets before a proxy's request flow runs. */
export function callVariables(proxy: string, environment: string, pathsuffix = '/items', verb = 'GET'): Record<string, string> {
  return { 'apiproxy.name': proxy, 'environment.name': environment, 'proxy.pathsuffix': pathsuffix, 'request.verb': verb }
}
