/** An engine on a clock the test moves, with one proxy `/p` running the given policies in its request PreFlow. */
import { createEngine, type Engine } from '../../../src/engine'
import { call, deployOk, fakeHttp, memoryTokens, proxy, proxyEndpoint, step, T0, workspace, type CallResult, type TestHeaders } from '../runtime/helpers'

export interface TrafficRig {
  engine: Engine
  /** Moves the engine clock forward by `ms`. */
  advance(ms: number): void
  /** Sets the engine clock to `t` (epoch ms). */
  at(t: number): void
  get(headers?: TestHeaders, path?: string): Promise<CallResult>
}

export function rig(policies: Record<string, string>, steps = Object.keys(policies), options: { start?: number; faultRules?: string } = {}): TrafficRig {
  let now = options.start ?? T0
  const engine = createEngine({ clock: { now: () => now }, random: { bytes: (n) => new Uint8Array(n).fill(7) }, tokens: memoryTokens(), http: fakeHttp() })
  const xml = proxyEndpoint(`${options.faultRules ?? ''}<PreFlow><Request>${steps.map((s) => step(s)).join('')}</Request></PreFlow>`)
  deployOk(engine, workspace([proxy({ name: 'p', basePath: '/p', policies, proxyEndpoints: { default: xml } })]))
  return {
    engine,
    advance: (ms) => void (now += ms),
    at: (t) => void (now = t),
    get: (headers = {}, path = '/p') => call(engine, 'test', 'GET', path, headers)
  }
}

/** Status codes of `n` calls made at the same instant. */
export async function statuses(r: TrafficRig, n: number, headers: TestHeaders = {}): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await r.get(headers)).status)
  return out
}

/** What the policy step wrote, by variable name (the last write wins). */
export function written(result: CallResult, policy: string): Record<string, string | null> {
  const stepOf = result.trace.steps.find((s) => s.policy === policy)
  if (!stepOf) throw new Error(`no trace step for ${policy}`)
  return Object.fromEntries(stepOf.writes.map((w) => [w.name, w.value]))
}

/** Deployment error codes (with element path) for one policy. */
export function deployErrors(policy: string): Array<{ code: string; path: string | undefined }> {
  const engine = createEngine({ clock: { now: () => T0 }, random: { bytes: (n) => new Uint8Array(n) }, tokens: memoryTokens(), http: fakeHttp() })
  const report = engine.deploy(workspace([proxy({ name: 'p', basePath: '/p', policies: { [/name="([^"]+)"/.exec(policy)?.[1] ?? 'X']: policy } })]))
  return report.errors.map((e) => ({ code: e.code, path: e.path }))
}
