/**
 * The composition root: builds the console once (store, clock, engine, listeners, services, events)
 * for every transport. Electron's main process and headless mode both start here.
 */
import { randomBytes } from 'node:crypto'
import { ConsoleError, type ConsoleServices, type TokenInfo } from '../shared/contract'
import type { TraceRecord } from '../shared/trace'
import { accessMatrix, createEngine, explainTrace, inspectJwt, toTraceSummary, type SandboxLimits } from '../engine'
import { cryptoRandom } from '../engine/ports'
import { listTokens } from '../engine/tokens'
import { openStore, type InstanceKind, type WorkspaceStore } from './store'
import { createWorkspaceServices } from './services/workspace'
import { VirtualClock } from './services/clock'
import { EventHub } from './events'
import { createGateway, type Gateway } from './http/gateway'
import { createHttpClient } from './http/http-client'
import { sendWorkbenchRequest } from './services/workbench'
import { CliError } from './cli'

export interface ConsoleOptions {
  dataDir: string
  workspaceFile?: string
  sampleFile: string
  /** Gateway port overrides by environment name. */
  envPorts?: Record<string, number>
  /** Trace buffer size (default 5000). */
  traceLimit?: number
  /** Bound on the bytes retained traces keep alive (default 64 MiB); see docs/fidelity.md. */
  traceMaxBytes?: number
  /** What runs this console (recorded in the data folder's lock; default headless). */
  instance?: InstanceKind
  /** Limits of the JavaScript policy sandbox (heap per script in MB, workers; defaults DEFAULT_SANDBOX_LIMITS). */
  sandbox?: Partial<SandboxLimits>
  /** How long one JavaRegex match may take, in ms (default DEFAULT_REGEX_TIME_LIMIT_MS). */
  regexTimeLimitMs?: number
}

export interface GatelabConsole {
  services: ConsoleServices
  events: EventHub
  gateway: Gateway
  clock: VirtualClock
  store: WorkspaceStore
  close(): Promise<void>
}

/** Opens the workspace, deploys it, starts the gateway listeners and builds the console services. */
export async function createConsole(options: ConsoleOptions): Promise<GatelabConsole> {
  const clock = new VirtualClock()
  const events = new EventHub()
  const store = await openStore({
    dataDir: options.dataDir,
    workspaceFile: options.workspaceFile,
    sampleFile: options.sampleFile,
    now: () => clock.now(),
    instance: options.instance
  })
  // An --env-port for an environment the workspace does not have is a typo: refuse it before anything listens.
  const environmentNames = store.read().environments.map((env) => env.name)
  const unknownEnvironment = Object.keys(options.envPorts ?? {}).find((name) => !environmentNames.includes(name))
  if (unknownEnvironment !== undefined) {
    await store.close()
    const known = environmentNames.length > 0 ? `its environments are ${environmentNames.join(', ')}` : 'it has no environments'
    throw new CliError(`--env-port ${unknownEnvironment}: the workspace has no environment "${unknownEnvironment}"; ${known}.`)
  }
  const http = createHttpClient()
  const engine = createEngine({
    clock,
    random: cryptoRandom,
    tokens: store.tokens,
    http,
    traceLimit: options.traceLimit,
    traceMaxBytes: options.traceMaxBytes,
    // Without limits of its own the engine shares the process's sandbox with the defaults.
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.regexTimeLimitMs !== undefined ? { regexTimeLimitMs: options.regexTimeLimitMs } : {})
  })
  engine.deploy(store.read())
  const gateway = createGateway({
    engine,
    environments: store.read().environments,
    portOverrides: options.envPorts ?? {},
    // A busy port is retried in the background: each attempt's outcome reaches the console.
    onListenerChange: () => events.emit('gateway.changed', gateway.status()),
    // No gateway response goes out before the token changes made for it are on disk.
    whenDurable: () => store.tokens.whenDurable()
  })
  await gateway.start()

  const unsubscribers = [
    store.onChange((change) => {
      const workspace = store.read()
      engine.deploy(workspace)
      void gateway.reconcile(workspace.environments).then(() => events.emit('gateway.changed', gateway.status()))
      events.emit('workspace.changed', change)
    }),
    store.onProblem((problem) => events.emit('store.problem', problem)),
    engine.traces.subscribe((record: TraceRecord) => events.emit('trace.added', toTraceSummary(record)))
  ]

  const clockChanged = <T>(state: T): T => {
    events.emit('clock.changed', clock.state())
    return state
  }

  const services: ConsoleServices = durableServices(store, {
    ...createWorkspaceServices({
      store,
      now: () => clock.now(),
      deployments: (proxy?: string) => engine.deployments(proxy),
      sampleFile: options.sampleFile,
      randomBytes: (n: number) => new Uint8Array(randomBytes(n))
    }),
    'gateway.status': () => gateway.status(),
    'tokens.list': (): TokenInfo[] => listTokens(store.tokens, clock.now()),
    'tokens.inspectJwt': ({ token }) => inspectJwt(store.read(), token),
    'traces.list': ({ limit }) => engine.traces.list(limit),
    'traces.get': ({ id }) => {
      const record = engine.traces.get(id)
      if (!record) throw new ConsoleError('not-found', `Trace ${id} is not in the buffer (it may have been cleared or pushed out)`)
      return record
    },
    'traces.clear': () => engine.traces.clear(),
    'traces.export': ({ ids }) => engine.traces.export(ids),
    'traces.import': ({ traces }) => engine.traces.import(traces),
    'traces.explain': ({ id, accessToken }) => {
      const record = engine.traces.get(id)
      if (!record) throw new ConsoleError('not-found', `Trace ${id} is not in the buffer (it may have been cleared or pushed out)`)
      // The trace masks the token; the engine still has the one the client sent, to look it up by hash.
      const token = accessToken ?? engine.traces.presentedAccessToken(id)
      return explainTrace(store.read(), record, { tokenByHash: (hash) => store.tokens.get('access_token', hash), accessToken: token, now: clock.now() })
    },
    'access.matrix': () => accessMatrix(store.read(), clock.now()),
    'workbench.send': (request) => sendWorkbenchRequest({ gateway, http, traces: engine.traces, workspace: () => store.read() }, request),
    'clock.get': () => clock.state(),
    'clock.set': ({ iso }) => clockChanged(clock.set(Date.parse(iso))),
    'clock.advance': ({ ms }) => clockChanged(clock.advance(ms)),
    'clock.freeze': ({ frozen }) => clockChanged(clock.freeze(frozen)),
    'clock.reset': () => clockChanged(clock.reset())
  })

  return {
    services,
    events,
    gateway,
    clock,
    store,
    async close() {
      for (const unsubscribe of unsubscribers) unsubscribe()
      await gateway.stop()
      await store.close()
    }
  }
}

/**
 * Every console method that changed the workspace answers only once the change is on disk; a write that
 * failed is answered with the store's error (naming the file and the OS error), never with ok. IPC and
 * HTTP both call these wrapped services, so the rule holds for every transport.
 */
function durableServices(store: WorkspaceStore, services: ConsoleServices): ConsoleServices {
  const wrapped: Record<string, (input: unknown) => Promise<unknown>> = {}
  for (const [name, handler] of Object.entries(services) as Array<[string, (input: unknown) => unknown]>) {
    wrapped[name] = async (input) => {
      const before = store.revision
      const result = await handler(input)
      if (store.revision !== before) await store.whenDurable()
      return result
    }
  }
  return wrapped as unknown as ConsoleServices
}
