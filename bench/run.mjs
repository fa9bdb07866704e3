// npm run bench: requests per second of a gateway proxy (echo target, no policies, tracing on)
// beside a bare node:http server answering the same bytes, each server in its own process and
// autocannon in this one. Prints the ratio and writes bench/results/gateway-echo.json.
import { fork } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const TARGET_RATIO = 0.7
const PATH = '/bench/echo?x=1'
const serverScript = fileURLToPath(new URL('./server.mjs', import.meta.url))

function startServer(mode, env = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(serverScript, [mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('message', (info) => resolve({ child, ...info }))
    child.once('exit', (code) => reject(new Error(`${mode} server exited with code ${code} before it was ready`)))
  })
}

function stopServer({ child }) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

function fetchSample(port) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: PATH, agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const headers = []
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]
          if (!['content-length', 'date', 'connection', 'keep-alive'].includes(name.toLowerCase())) headers.push([name, res.rawHeaders[i + 1]])
        }
        resolve({ status: res.statusCode, reason: res.statusMessage, headers, body: Buffer.concat(chunks) })
      })
    }).on('error', reject)
  })
}

function measure(port, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}${PATH}`, connections: CONNECTIONS, duration }, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

async function run(mode, env) {
  const server = await startServer(mode, env)
  try {
    if (WARMUP_SECONDS > 0) await measure(server.port, WARMUP_SECONDS)
    const result = await measure(server.port, SECONDS)
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${mode}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
    return { server, result }
  } finally {
    await stopServer(server)
  }
}

const gatewayServer = await startServer('gateway')
const sample = await fetchSample(gatewayServer.port)
const traceLimit = gatewayServer.traceLimit
await stopServer(gatewayServer)
if (sample.status !== 200) throw new Error(`gateway answered ${sample.status} to ${PATH}: ${sample.body}`)

console.log(`bench: ${SECONDS}s per measurement, ${CONNECTIONS} connections, GET ${PATH} (${sample.body.length} byte body)`)
const bare = await run('bare', { BENCH_SAMPLE: JSON.stringify({ ...sample, body: sample.body.toString('base64') }) })
const gateway = await run('gateway')

const summary = (r) => ({
  requestsPerSecond: r.requests.average,
  latencyMsP50: r.latency.p50,
  latencyMsP99: r.latency.p99,
  requests: r.requests.total,
  throughputBytesPerSecond: r.throughput.average
})
const ratio = gateway.result.requests.average / bare.result.requests.average
const results = {
  name: 'gateway-echo',
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  durationSeconds: SECONDS,
  connections: CONNECTIONS,
  path: PATH,
  tracing: { enabled: true, bufferLimit: traceLimit },
  bare: summary(bare.result),
  gateway: summary(gateway.result),
  ratio: Math.round(ratio * 1000) / 1000,
  targetRatio: TARGET_RATIO,
  meetsTarget: ratio >= TARGET_RATIO
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/gateway-echo.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
console.log(`bare node:http  ${results.bare.requestsPerSecond.toFixed(0)} req/s (p99 ${results.bare.latencyMsP99} ms)`)
console.log(`gateway (echo)  ${results.gateway.requestsPerSecond.toFixed(0)} req/s (p99 ${results.gateway.latencyMsP99} ms)`)
console.log(`ratio ${results.ratio} (target >= ${TARGET_RATIO}: ${results.meetsTarget ? 'met' : 'NOT met'}) -> bench/results/gateway-echo.json`)
