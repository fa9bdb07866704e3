// npm run bench: requests per second of a gateway proxy (echo target, no policies, tracing on)
// beside a bare node:http server answering the same bytes, each server in its own process and
// autocannon in this one. Prints the ratio and writes bench/results/gateway-echo.json.
import { fork } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
// Measurements alternate bare/gateway this many times, so that load from other programs hits both alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
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

function cpuOf(server) {
  return new Promise((resolve) => {
    const onMessage = (msg) => {
      if (msg && msg.cpu) {
        server.child.off('message', onMessage)
        resolve(msg.cpu.user + msg.cpu.system)
      }
    }
    server.child.on('message', onMessage)
    server.child.send('cpu')
  })
}

async function measured(mode, server) {
  const before = await cpuOf(server)
  const result = await measure(server.port, SECONDS)
  const after = await cpuOf(server)
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${mode}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  result.cpuMicrosPerRequest = (after - before) / result.requests.total
  return result
}

const loadBefore = os.loadavg()[0]
const gatewayServer = await startServer('gateway')
const sample = await fetchSample(gatewayServer.port)
const traceLimit = gatewayServer.traceLimit
if (sample.status !== 200) throw new Error(`gateway answered ${sample.status} to ${PATH}: ${sample.body}`)
const bareServer = await startServer('bare', { BENCH_SAMPLE: JSON.stringify({ ...sample, body: sample.body.toString('base64') }) })

console.log(`bench: ${ROUNDS} x ${SECONDS}s per server, ${CONNECTIONS} connections, GET ${PATH} (${sample.body.length} byte body), tracing on`)
const runs = { bare: [], gateway: [] }
try {
  if (WARMUP_SECONDS > 0) {
    await measure(bareServer.port, WARMUP_SECONDS)
    await measure(gatewayServer.port, WARMUP_SECONDS)
  }
  for (let round = 0; round < ROUNDS; round++) {
    runs.bare.push(await measured('bare', bareServer))
    runs.gateway.push(await measured('gateway', gatewayServer))
  }
} finally {
  await stopServer(bareServer)
  await stopServer(gatewayServer)
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
const summary = (rs) => ({
  requestsPerSecond: Math.round(mean(rs.map((r) => r.requests.average))),
  perRound: rs.map((r) => r.requests.average),
  cpuMicrosPerRequest: Math.round(mean(rs.map((r) => r.cpuMicrosPerRequest)) * 10) / 10,
  latencyMsP50: mean(rs.map((r) => r.latency.p50)),
  latencyMsP99: mean(rs.map((r) => r.latency.p99)),
  requests: rs.reduce((a, r) => a + r.requests.total, 0)
})
const bare = summary(runs.bare)
const gateway = summary(runs.gateway)
const ratio = gateway.requestsPerSecond / bare.requestsPerSecond
const results = {
  name: 'gateway-echo',
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  /** 1-minute load average before and after: above the CPU count, other programs competed for the CPUs. */
  loadAverage: { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0] * 100) / 100 },
  durationSeconds: SECONDS,
  rounds: ROUNDS,
  connections: CONNECTIONS,
  path: PATH,
  tracing: { enabled: true, bufferLimit: traceLimit },
  bare,
  gateway,
  ratio: Math.round(ratio * 1000) / 1000,
  /** The same comparison by server CPU time per request (bare / gateway): steadier on a shared machine. */
  cpuRatio: 0,
  targetRatio: TARGET_RATIO,
  meetsTarget: ratio >= TARGET_RATIO
}
results.cpuRatio = Math.round((bare.cpuMicrosPerRequest / gateway.cpuMicrosPerRequest) * 1000) / 1000
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/gateway-echo.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
console.log(`bare node:http  ${results.bare.requestsPerSecond} req/s, ${results.bare.cpuMicrosPerRequest} us CPU/request (p99 ${results.bare.latencyMsP99} ms)`)
console.log(`gateway (echo)  ${results.gateway.requestsPerSecond} req/s, ${results.gateway.cpuMicrosPerRequest} us CPU/request (p99 ${results.gateway.latencyMsP99} ms)`)
console.log(`CPU ratio ${results.cpuRatio}; load average ${results.loadAverage.before} -> ${results.loadAverage.after} on ${results.cpus} CPUs`)
console.log(`ratio ${results.ratio} (target >= ${TARGET_RATIO}: ${results.meetsTarget ? 'met' : 'NOT met'}) -> bench/results/gateway-echo.json`)
