// Child process for one measurement: `gateway` runs the real gateway (bundled as the app ships it, see
// harness-build.mjs; BENCH_LIVE_TOKENS records in its token store); `bare` answers
// every request with fixed bytes via node:http; `jwt` runs the in-process JWT verification comparison.
import http from 'node:http'
import { loadHarness } from './harness-build.mjs'

const mode = process.argv[2]

// The parent asks for CPU time around each measurement: CPU per request is steadier than req/s on a busy machine.
process.on('message', (msg) => {
  if (msg === 'cpu') process.send({ cpu: process.cpuUsage() })
  // A clean exit lets --cpu-prof write its profile (bench/profile.mjs).
  if (msg === 'exit') process.exit(0)
})

if (mode === 'gateway') {
  const harness = await loadHarness()
  const { port, traceLimit, requests } = await harness.startBenchGateway({
    liveTokens: Number(process.env.BENCH_LIVE_TOKENS ?? 0),
    // A diagnostic knob: how much of the cost is keeping traces (the bench itself runs with the default 5000).
    ...(process.env.BENCH_TRACE_LIMIT ? { traceLimit: Number(process.env.BENCH_TRACE_LIMIT) } : {})
  })
  process.send({ port, traceLimit, requests })
} else if (mode === 'jwt') {
  const harness = await loadHarness()
  process.send({ jwt: await harness.jwtVerifyBench(Number(process.env.BENCH_SECONDS ?? 2), Number(process.env.BENCH_ROUNDS ?? 2)) })
} else if (mode === 'bare') {
  const sample = JSON.parse(process.env.BENCH_SAMPLE ?? '{}')
  const bytes = Buffer.from(sample.body, 'base64')
  // The same bytes, written the way an idiomatic server writes a small text body (one write with the headers).
  const body = bytes.toString('latin1')
  const headers = [...sample.headers.flat(), 'Content-Length', String(bytes.length)]
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(sample.status, sample.reason, headers)
      res.end(body, 'latin1')
    })
  })
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
} else {
  console.error('usage: node bench/server.mjs gateway|bare|jwt')
  process.exit(2)
}

