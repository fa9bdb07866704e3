// Child process for one measurement: `gateway` runs the real gateway (TypeScript loaded through
// Vite's module runner, no build step); `bare` answers every request with fixed bytes via node:http.
import http from 'node:http'
import { fileURLToPath } from 'node:url'

const mode = process.argv[2]

if (mode === 'gateway') {
  const { runnerImport } = await import('vite')
  const root = fileURLToPath(new URL('..', import.meta.url))
  const { module } = await runnerImport(fileURLToPath(new URL('./harness.ts', import.meta.url)), {
    root,
    configFile: false,
    logLevel: 'error'
  })
  const { port, traceLimit } = await module.startBenchGateway()
  process.send({ port, traceLimit })
} else if (mode === 'bare') {
  const sample = JSON.parse(process.env.BENCH_SAMPLE ?? '{}')
  const body = Buffer.from(sample.body, 'base64')
  const headers = [...sample.headers.flat(), 'Content-Length', String(body.length)]
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(sample.status, sample.reason, headers)
      res.end(body)
    })
  })
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
} else {
  console.error('usage: node bench/server.mjs gateway|bare')
  process.exit(2)
}
