/** Builds a one-proxy workspace around a few policies and calls it. */
import { call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace, type CallResult, type TestHeaders } from '../runtime/helpers'

export interface PolicyRun {
  policies: Record<string, string>
  request?: string[]
  response?: string[]
  resources?: Record<string, string>
  nullRoute?: boolean
}

export async function runWith(run: PolicyRun, method: string, url: string, headers: TestHeaders = {}, body = ''): Promise<CallResult> {
  const engine = makeEngine()
  const xml = proxyEndpoint(
    `<PreFlow><Request>${(run.request ?? []).map((s) => step(s)).join('')}</Request><Response>${(run.response ?? []).map((s) => step(s)).join('')}</Response></PreFlow>`,
    run.nullRoute ? { route: '<RouteRule name="none"/>' } : {}
  )
  deployOk(engine, workspace([proxy({ name: 'p', basePath: '/p', policies: run.policies, proxyEndpoints: { default: xml }, resources: run.resources ?? {} })]))
  return call(engine, 'test', method, url, headers, body)
}

/** Deployment error codes for one policy XML. */
export function deployErrors(policies: Record<string, string>, resources: Record<string, string> = {}): string[] {
  const engine = makeEngine()
  const report = engine.deploy(workspace([proxy({ name: 'p', basePath: '/p', policies, resources })]))
  return report.errors.map((e) => e.code)
}
