/**
 * The bench's gateway: a small workspace (one environment, one proxy with the echo target and no
 * policies) deployed on the real engine behind the real listener on 127.0.0.1, tracing on.
 */
import { createEngine, cryptoRandom, systemClock } from '../src/engine'
import { createGateway } from '../src/main/http/gateway'
import { createHttpClient } from '../src/main/http/http-client'
import { workspaceSchema } from '../src/shared/model'
import type { TokenRecord } from '../src/shared/tokens'

export const BENCH_PATH = '/bench/echo?x=1'

/** Starts the gateway on a free port; resolves with the port and a way to stop it. */
export async function startBenchGateway(): Promise<{ port: number; traceLimit: number; stop: () => Promise<void> }> {
  const tokens = new Map<string, TokenRecord>()
  const engine = createEngine({
    clock: systemClock,
    random: cryptoRandom,
    http: createHttpClient(),
    tokens: {
      get: (kind, hash) => tokens.get(`${kind}:${hash}`),
      put: (r) => void tokens.set(`${r.kind}:${r.hash}`, r),
      delete: (kind, hash) => void tokens.delete(`${kind}:${hash}`),
      all: () => tokens.values()
    }
  })
  const workspace = workspaceSchema.parse({
    schemaVersion: 1,
    organization: { name: 'bench' },
    environments: [{ name: 'test', port: 9001 }],
    proxies: [
      {
        name: 'bench-echo',
        basePath: '/bench',
        environments: ['test'],
        proxyEndpoints: {
          default: '<ProxyEndpoint name="default"><RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule></ProxyEndpoint>'
        },
        targetEndpoints: {
          default: '<TargetEndpoint name="default"><HTTPTargetConnection><URL>echo://</URL></HTTPTargetConnection></TargetEndpoint>'
        }
      }
    ]
  })
  const report = engine.deploy(workspace)
  if (!report.ok) throw new Error(`bench workspace failed to deploy: ${JSON.stringify(report.errors)}`)
  const gateway = createGateway({ engine, environments: workspace.environments, portOverrides: { test: 0 } })
  await gateway.start()
  const status = gateway.status()[0]!
  if (status.state !== 'started') throw new Error(`gateway did not start: ${status.error ?? status.state}`)
  return { port: status.port, traceLimit: engine.traces.limit, stop: () => gateway.stop() }
}
