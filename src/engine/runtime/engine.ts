/**
 * The gateway engine: deploys a workspace's proxies (compile once, keep the previous revision running
 * when a new one fails) and handles requests per environment by longest base path.
 */
import type { DeploymentWarning, ProxyDeployment } from '../../shared/deployment'
import type { ApiProxy, Environment, Workspace } from '../../shared/model'
import type { MessageSnapshot, TraceRecord } from '../../shared/trace'
import { compileProxy, type CompiledProxy, type CompiledProxyEndpoint } from '../bundle/compile'
import { faultEnvelope } from '../faults/fault'
import { applicationNotFound } from '../faults/runtime'
import { policyHandlers } from '../policies'
import type { DeploymentError, EngineServices, PolicyHandler } from '../policies/types'
import type { CacheStore, Clock, CounterStore, HttpClient, RandomSource } from '../ports'
import { MemoryCounterStore } from '../policies/traffic/counter-store'
import { MemoryCacheStore } from '../policies/extension/cache-store'
import type { TokenStore } from '../tokens/store'
import { ScriptSandbox, setRegexTimeLimit, sharedScriptSandbox, type SandboxLimits } from '../sandbox'
import { DEFAULT_TRACE_LIMIT, DEFAULT_TRACE_MAX_BYTES, TraceBuffer } from '../trace/buffer'
import { SecretMasker } from '../trace/mask'
import { collectExchangeSecrets } from '../trace/secrets'
import { ExchangeTraceSlots, pathOf } from './exchange-trace'
import { runExchange, type ExchangeResult, type ExchangeRoute, type GatewayRequest, type GatewayResponse } from './exchange'
import { MessageIds, messageIdText } from './message-id'
import { RequestMessage } from './message'

/** What deploying one proxy did. */
export interface ProxyDeploymentResult {
  proxy: string
  /** `deployed`: a new revision runs; `unchanged`: the running revision was kept as is; `failed`: errors, the previous revision (if any) keeps running; `undeployed`: the proxy left the workspace. */
  status: 'deployed' | 'unchanged' | 'failed' | 'undeployed'
  /** Revision running after this deployment, or null when none runs. */
  runningRevision: number | null
  /** Environments the running revision serves. */
  environments: string[]
  errors: DeploymentError[]
  /** What the bundle cannot run (unsupported policies and targets); warnings never fail a deployment. */
  warnings: DeploymentWarning[]
}

/** The outcome of deploying a workspace. */
export interface DeploymentReport {
  ok: boolean
  proxies: ProxyDeploymentResult[]
  /** Every error of every proxy, in order. */
  errors: DeploymentError[]
  /** Every warning of every proxy, in order. */
  warnings: DeploymentWarning[]
}

/** A running deployment, for the console. */
export interface DeploymentInfo {
  proxy: string
  revision: number
  environments: string[]
  basePaths: string[]
  deployedAt: number
}

/** The services the engine is built from. */
export interface EngineDeps {
  clock: Clock
  random: RandomSource
  tokens: TokenStore
  http: HttpClient
  /** Quota and SpikeArrest counters; in memory on `clock` when absent. */
  counters?: CounterStore
  /** The cache policies' entries; in memory on `clock` when absent. */
  caches?: CacheStore
  /** Trace ring buffer size, default 5000. */
  traceLimit?: number
  /** Bound on the bytes retained traces keep alive (bodies, messages, steps, variables), default 64 MiB. */
  traceMaxBytes?: number
  /** Policy types by XML root name; defaults to every registered handler. */
  handlers?: ReadonlyMap<string, PolicyHandler>
  /**
   * Limits of the sandbox that runs JavaScript policies (heap per script in MB, workers, ...); without
   * it the engine shares the process's sandbox with the defaults (DEFAULT_SANDBOX_LIMITS).
   */
  sandbox?: Partial<SandboxLimits>
  /** How long one JavaRegex match may take (process-wide, default DEFAULT_REGEX_TIME_LIMIT_MS). */
  regexTimeLimitMs?: number
}

/** The gateway engine. */
export interface Engine {
  /** Compiles and deploys every proxy of the workspace; failing proxies keep their previous revision. */
  deploy(workspace: Workspace): DeploymentReport
  /**
   * Handles one request that arrived for `environment`: the result itself when the exchange never had
   * to wait (no asynchronous policy or target), else a promise of it.
   */
  handle(environment: string, request: GatewayRequest): ExchangeResult | Promise<ExchangeResult>
  /** Every trace the engine produced, newest first, bounded. */
  readonly traces: TraceBuffer
  /** What runs where: one entry per proxy and environment, with the errors of the latest failed deployment. */
  deployments(proxy?: string): ProxyDeployment[]
  /** The running revisions, one entry per proxy. */
  runningRevisions(): DeploymentInfo[]
  /** Deployment errors the proxy would get with this workspace, without deploying anything. */
  validateProxy(workspace: Workspace, proxyName: string): DeploymentError[]
  /** The workspace of the last deployment. */
  workspace(): Workspace
}

interface Deployed {
  compiled: CompiledProxy
  warnings: DeploymentWarning[]
  revision: number
  fingerprint: string
  environments: string[]
  deployedAt: number
}

interface Route {
  basePath: string
  /** What every exchange through this route shares. */
  exchange: ExchangeRoute
}

const EMPTY_WORKSPACE: Workspace = {
  schemaVersion: 2,
  organization: { name: 'org', displayName: '', tokenCacheSeconds: 0 },
  environments: [],
  proxies: [],
  apiProducts: [],
  developers: [],
  apps: []
}

/** Creates a gateway engine with nothing deployed. */
export function createEngine(deps: EngineDeps): Engine {
  return new GatewayEngine(deps)
}

class GatewayEngine implements Engine {
  readonly traces: TraceBuffer
  private current: Workspace = EMPTY_WORKSPACE
  private readonly running = new Map<string, Deployed>()
  private readonly lastRevision = new Map<string, number>()
  private readonly failures = new Map<string, { source: ApiProxy; errors: DeploymentError[]; warnings: DeploymentWarning[] }>()
  private routes = new Map<string, Route[]>()
  private environments = new Map<string, { environment: Environment; masker: SecretMasker; values: ReadonlyMap<string, string> }>()
  private readonly ids: MessageIds
  private readonly services: EngineServices
  private readonly handlers: ReadonlyMap<string, PolicyHandler>

  constructor(private readonly deps: EngineDeps) {
    this.traces = new TraceBuffer(deps.traceLimit ?? DEFAULT_TRACE_LIMIT, new ExchangeTraceSlots(), deps.traceMaxBytes ?? DEFAULT_TRACE_MAX_BYTES)
    this.handlers = deps.handlers ?? policyHandlers
    this.ids = new MessageIds(deps.random)
    if (deps.regexTimeLimitMs !== undefined) setRegexTimeLimit(deps.regexTimeLimitMs)
    this.services = {
      clock: deps.clock,
      random: deps.random,
      tokens: deps.tokens,
      http: deps.http,
      scripts: deps.sandbox ? new ScriptSandbox(deps.sandbox) : sharedScriptSandbox(),
      counters: deps.counters ?? new MemoryCounterStore(deps.clock),
      caches: deps.caches ?? new MemoryCacheStore(deps.clock),
      workspace: () => this.current
    }
  }

  workspace(): Workspace {
    return this.current
  }

  deploy(workspace: Workspace): DeploymentReport {
    const results: ProxyDeploymentResult[] = []
    const envNames = new Set(workspace.environments.map((e) => e.name))
    const seen = new Set<string>()
    // Base paths already taken per environment by proxies earlier in the workspace.
    const taken = new Map<string, Map<string, string>>()
    this.failures.clear()
    for (const source of workspace.proxies) {
      seen.add(source.name)
      const errors = this.validate(source, workspace, envNames, taken)
      const previous = this.running.get(source.name)
      const fingerprint = fingerprintOf(source)
      if (errors.compileErrors.length > 0 || errors.other.length > 0) {
        const all = [...errors.compileErrors, ...errors.other]
        this.failures.set(source.name, { source, errors: all, warnings: errors.warnings })
        if (previous) this.claimBasePaths(previous, taken)
        results.push({
          proxy: source.name,
          status: 'failed',
          runningRevision: previous?.revision ?? null,
          environments: previous?.environments ?? [],
          errors: all,
          warnings: errors.warnings
        })
        continue
      }
      const compiled = errors.compiled!
      const environments = [...source.environments]
      if (previous && previous.fingerprint === fingerprint) {
        previous.environments = environments
        previous.compiled = { ...compiled, source }
        previous.warnings = errors.warnings
        this.claimBasePaths(previous, taken)
        results.push({ proxy: source.name, status: 'unchanged', runningRevision: previous.revision, environments, errors: [], warnings: errors.warnings })
        continue
      }
      const revision = (this.lastRevision.get(source.name) ?? 0) + 1
      this.lastRevision.set(source.name, revision)
      const deployed: Deployed = { compiled, warnings: errors.warnings, revision, fingerprint, environments, deployedAt: this.deps.clock.now() }
      this.running.set(source.name, deployed)
      this.claimBasePaths(deployed, taken)
      results.push({ proxy: source.name, status: 'deployed', runningRevision: revision, environments, errors: [], warnings: errors.warnings })
    }
    for (const name of [...this.running.keys()]) {
      if (seen.has(name)) continue
      this.running.delete(name)
      results.push({ proxy: name, status: 'undeployed', runningRevision: null, environments: [], errors: [], warnings: [] })
    }
    this.current = workspace
    this.environments = new Map(
      workspace.environments.map((environment) => [
        environment.name,
        {
          environment,
          masker: new SecretMasker(environment.variables.filter((v) => v.name.startsWith('private.')).map((v) => v.value)),
          values: new Map(environment.variables.map((v) => [v.name, v.value]))
        }
      ])
    )
    this.rebuildRoutes()
    const errors = results.flatMap((r) => r.errors)
    return { ok: errors.length === 0, proxies: results, errors, warnings: results.flatMap((r) => r.warnings) }
  }

  validateProxy(workspace: Workspace, proxyName: string): DeploymentError[] {
    const source = workspace.proxies.find((p) => p.name === proxyName)
    if (!source) {
      return [{ code: 'UnknownProxy', message: `No proxy named ${proxyName} in the workspace`, proxy: proxyName, file: `${proxyName}.xml` }]
    }
    const taken = new Map<string, Map<string, string>>()
    for (const other of workspace.proxies) {
      if (other.name === proxyName) break
      const compiled = compileProxy(other, this.handlers).proxy
      if (compiled) this.claimBasePaths({ compiled, environments: other.environments } as Deployed, taken)
    }
    const result = this.validate(source, workspace, new Set(workspace.environments.map((e) => e.name)), taken)
    return [...result.compileErrors, ...result.other]
  }

  private validate(
    source: ApiProxy,
    workspace: Workspace,
    envNames: Set<string>,
    taken: Map<string, Map<string, string>>
  ): { compiled: CompiledProxy | null; compileErrors: DeploymentError[]; other: DeploymentError[]; warnings: DeploymentWarning[] } {
    const { proxy: compiled, errors, warnings } = compileProxy(source, this.handlers)
    const other: DeploymentError[] = []
    for (const env of source.environments) {
      if (!envNames.has(env)) {
        other.push({
          code: 'UnknownEnvironment',
          message: `Proxy ${source.name} is deployed to environment ${env}, which does not exist`,
          proxy: source.name,
          file: `${source.name}.xml`
        })
      }
    }
    if (compiled) {
      for (const env of source.environments) {
        const paths = taken.get(env)
        for (const endpoint of compiled.proxyEndpoints) {
          const owner = paths?.get(endpoint.basePath)
          if (owner && owner !== source.name) {
            other.push({
              code: 'ConflictingBasePath',
              message: `Base path ${endpoint.basePath} is already used by proxy ${owner} in environment ${env}`,
              proxy: source.name,
              file: endpoint.file
            })
          }
        }
      }
    }
    return { compiled, compileErrors: errors, other, warnings }
  }

  private claimBasePaths(deployed: Pick<Deployed, 'compiled' | 'environments'>, taken: Map<string, Map<string, string>>): void {
    for (const env of deployed.environments) {
      let paths = taken.get(env)
      if (!paths) taken.set(env, (paths = new Map()))
      for (const endpoint of deployed.compiled.proxyEndpoints) paths.set(endpoint.basePath, deployed.compiled.name)
    }
  }

  private rebuildRoutes(): void {
    const routes = new Map<string, Route[]>()
    for (const deployed of this.running.values()) {
      for (const env of deployed.environments) {
        const runtime = this.environments.get(env)
        if (!runtime) continue
        let list = routes.get(env)
        if (!list) routes.set(env, (list = []))
        for (const endpoint of deployed.compiled.proxyEndpoints) {
          list.push({
            basePath: endpoint.basePath,
            exchange: {
              proxy: deployed.compiled,
              revision: deployed.revision,
              endpoint,
              environment: runtime.environment,
              organization: this.current.organization.name,
              services: this.services,
              masker: runtime.masker,
              environmentValues: runtime.values,
              proxyInfo: { name: deployed.compiled.name, basePath: endpoint.basePath, revision: String(deployed.revision) }
            }
          })
        }
      }
    }
    for (const list of routes.values()) list.sort((a, b) => b.basePath.length - a.basePath.length)
    this.routes = routes
  }

  deployments(proxy?: string): ProxyDeployment[] {
    const out: ProxyDeployment[] = []
    for (const source of this.current.proxies) {
      if (proxy !== undefined && source.name !== proxy) continue
      const running = this.running.get(source.name)
      const failure = this.failures.get(source.name)
      const environments = failure ? source.environments : (running?.environments ?? [])
      for (const environment of environments) {
        const servesHere = running?.environments.includes(environment) ?? false
        out.push({
          proxy: source.name,
          environment,
          state: failure ? 'failed' : 'deployed',
          revision: servesHere ? running!.revision : null,
          basePath: running?.compiled.proxyEndpoints[0]?.basePath ?? source.basePath,
          errors: failure?.errors ?? [],
          warnings: failure?.warnings ?? running?.warnings ?? []
        })
      }
    }
    return out
  }

  runningRevisions(): DeploymentInfo[] {
    return [...this.running.values()].map((d) => ({
      proxy: d.compiled.name,
      revision: d.revision,
      environments: [...d.environments],
      basePaths: d.compiled.proxyEndpoints.map((e) => e.basePath),
      deployedAt: d.deployedAt
    }))
  }

  handle(environmentName: string, request: GatewayRequest): ExchangeResult | Promise<ExchangeResult> {
    try {
      const idOffset = this.ids.reserve()
      const idPool = this.ids.pool
      const path = pathOf(request.url)
      const env = this.environments.get(environmentName)
      const route = env ? findRoute(this.routes.get(environmentName), path) : undefined
      if (!env || !route) return this.kept(this.notFound(environmentName, request, messageIdText(idPool, idOffset), path, env?.masker ?? new SecretMasker()))
      const result = runExchange(route.exchange, request, idPool, idOffset)
      // Not an async function: an exchange that never waited costs no promise at all.
      return result instanceof Promise ? result.then((r) => this.kept(r)) : this.kept(result)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** Keeps the exchange's trace and hands the result on. */
  private kept(result: ExchangeResult): ExchangeResult {
    this.traces.add(result.trace)
    return result
  }

  private notFound(
    environment: string,
    request: GatewayRequest,
    messageId: string,
    path: string,
    masker: SecretMasker
  ): { response: GatewayResponse; trace: TraceRecord } {
    const spec = applicationNotFound(environment, path)
    const body = faultEnvelope(spec.faultstring, spec.errorcode)
    const response: GatewayResponse = {
      status: spec.status,
      reasonPhrase: 'Not Found',
      headers: [['Content-Type', 'application/json']],
      body: new TextEncoder().encode(body)
    }
    const message = new RequestMessage({ verb: request.method, uri: request.url, headers: request.headers, body: request.body })
    const now = this.deps.clock.now()
    const trace: TraceRecord = {
      id: messageId,
      messageId,
      startedAt: now,
      durationMs: 0,
      environment,
      proxy: null,
      method: message.verb,
      path,
      status: spec.status,
      faultName: spec.name,
      app: null,
      clientId: null,
      request: maskedRequest(masker.including(collectExchangeSecrets([request], null)), message),
      response: { status: spec.status, reasonPhrase: 'Not Found', headers: response.headers, body },
      steps: [
        {
          index: 0,
          kind: 'info',
          phase: 'proxy-request',
          description: `No proxy deployed to ${environment} has a base path matching ${path}`,
          executed: true,
          startedAt: now,
          durationMs: 0,
          reads: [],
          writes: [],
          error: { name: spec.name, errorcode: spec.errorcode, faultstring: spec.faultstring, status: spec.status }
        }
      ],
      fault: { name: spec.name, errorcode: spec.errorcode, faultstring: spec.faultstring, status: spec.status, variables: { 'fault.name': spec.name } },
      variables: { 'environment.name': environment, 'request.verb': message.verb, 'request.path': path }
    }
    return { response, trace }
  }
}

function findRoute(routes: Route[] | undefined, path: string): Route | undefined {
  if (!routes) return undefined
  for (const route of routes) {
    const base = route.basePath
    if (base === '/' || path === base || path.startsWith(`${base}/`)) return route
  }
  return undefined
}

function fingerprintOf(proxy: ApiProxy): string {
  return JSON.stringify([proxy.basePath, proxy.proxyEndpoints, proxy.targetEndpoints, proxy.policies, proxy.resources])
}

/** A request as a trace shows it: every secret it carried masked, in the URL too. */
function maskedRequest(masker: SecretMasker, message: RequestMessage): MessageSnapshot {
  return { method: message.verb, url: masker.text(message.uri), headers: masker.headers(message.headerList()), body: masker.body(message.content) }
}
