/**
 * A gateway in a process of its own for the trace memory test: the echo proxy on a free port, tracing
 * on with the byte limit given as the first argument. It answers the parent's messages with its memory
 * use after a full garbage collection (it runs with --expose-gc), and clears the traces when asked.
 */
import { createGateway } from '../../../src/main/http/gateway'
import { deployOk, makeEngine, proxy, workspace } from '../../engine/runtime/helpers'

const traceMaxBytes = Number(process.argv[2])
const engine = makeEngine(undefined, undefined, traceMaxBytes)
const ws = workspace([proxy({ name: 'echo', basePath: '/echo' })])
deployOk(engine, ws)
const gateway = createGateway({ engine, environments: ws.environments, portOverrides: { test: 0, prod: 0 } })

type Ask = { ask: 'measure' } | { ask: 'clear' }

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with --expose-gc')
  // Twice: buffers freed by the first collection's finalisers go in the second.
  gc()
  gc()
}

process.on('message', (message: Ask) => {
  if (message.ask === 'clear') engine.traces.clear()
  collect()
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage()
  process.send!({ rss, heapTotal, heapUsed, external, arrayBuffers, traces: engine.traces.size, traceBytes: engine.traces.bytes })
})

void gateway.start().then(() => process.send!({ port: gateway.status().find((s) => s.environment === 'test')!.port }))
