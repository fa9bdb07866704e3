/** An engine on a clock the test moves, with a fake HttpClient and one proxy `/p` running the given policies in its request PreFlow. */
import { createEngine, type Engine } from '../../../src/engine'
import type { OutboundRequest, OutboundResponse } from '../../../src/engine/ports'
import { call, deployOk, fakeHttp, memoryTokens, proxy, proxyEndpoint, step, T0, workspace, type CallResult, type TestHeaders } from '../runtime/helpers'

export interface Rig {
  engine: Engine
  sent: OutboundRequest[]
  advance(ms: number): void
  get(headers?: TestHeaders, path?: string): Promise<CallResult>
}

export function rig(
  policies: Record<string, string>,
  options: { steps?: string[]; answer?: (req: OutboundRequest) => Promise<OutboundResponse> | OutboundResponse; response?: string; env?: string; target?: string } = {}
): Rig {
  let now = T0
  const http = fakeHttp(options.answer)
  const engine = createEngine({ clock: { now: () => now }, random: { bytes: (n) => new Uint8Array(n).fill(7) }, tokens: memoryTokens(), http })
  const steps = options.steps ?? Object.keys(policies)
  const xml = proxyEndpoint(`<PreFlow><Request>${steps.map((s) => step(s)).join('')}</Request><Response>${options.response ?? ''}</Response></PreFlow>`)
  deployOk(engine, workspace([proxy({ name: 'p', basePath: '/p', policies, proxyEndpoints: { default: xml }, ...(options.target ? { targetEndpoints: { default: options.target } } : {}) })]))
  return {
    engine,
    sent: http.sent,
    advance: (ms) => void (now += ms),
    get: (headers = {}, path = '/p') => call(engine, options.env ?? 'test', 'GET', path, headers)
  }
}

/** What the policy step wrote, by variable name (the last write wins). */
export function written(result: CallResult, policy: string): Record<string, string | null> {
  const stepOf = result.trace.steps.find((s) => s.policy === policy)
  if (!stepOf) throw new Error(`no trace step for ${policy}`)
  return Object.fromEntries(stepOf.writes.map((w) => [w.name, w.value]))
}

/** Deployment error codes for one policy. */
export function deployErrors(policy: string): string[] {
  const engine = createEngine({ clock: { now: () => T0 }, random: { bytes: (n) => new Uint8Array(n) }, tokens: memoryTokens(), http: fakeHttp() })
  const report = engine.deploy(workspace([proxy({ name: 'p', basePath: '/p', policies: { [/name="([^"]+)"/.exec(policy)?.[1] ?? 'X']: policy } })]))
  return report.errors.map((e) => e.code)
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
