// npm run bench: each comparison is a ratio against a baseline measured in the same run, servers in
// their own processes and autocannon in this one, rounds alternating so that load from other programs
// hits both sides alike. Results go to bench/results/<name>.json.
//   gateway-echo       proxy with the echo target and no policies (tracing on) vs bare node:http
//   oauth-verify       proxy whose PreFlow has OAuthV2 VerifyAccessToken (valid token) vs bare node:http
//   oauth-token        client_credentials token issue (POST /bench-oauth/token, Basic auth) vs bare node:http
//   oauth-token-store  token issue with 100k live tokens in the store vs an empty store
//   jwt-verify         in-process: a request through VerifyJWTAccessToken vs jose's jwtVerify, same key and token
// Server CPU time per request is recorded beside throughput: on a shared machine it is the steadier number.
import { fork } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { buildHarness } from './harness-build.mjs'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const LIVE_TOKENS = Number(process.env.BENCH_LIVE_TOKENS ?? 100_000)
const TARGETS = { 'gateway-echo': 0.7, 'oauth-token-store': 0.8 }
/** `node bench/run.mjs [name ...]` runs only the named comparisons (all by default). */
const ONLY = process.argv.slice(2)
const wanted = (name) => ONLY.length === 0 || ONLY.includes(name)
const serverScript = fileURLToPath(new URL('./server.mjs', import.meta.url))
const startedAt = Date.now()

function startServer(mode, env = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(serverScript, [mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('message', (info) => resolve({ child, ...info }))
    child.once('exit', (code) => reject(new Error(`${mode} server exited with code ${code} before it was ready`)))
  })
}

function stopServer({ child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** One answer of the gateway, without the per-connection headers: what the bare server replays. */
function fetchSample(port, request) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: request.method, path: request.path, headers: request.headers, agent: false }, (res) => {
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
    })
    req.on('error', reject)
    req.end(request.body ?? '')
  })
}

function load(port, request, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}${request.path}`, method: request.method, headers: request.headers, body: request.body, connections: CONNECTIONS, duration },
      (err, result) => (err ? reject(err) : resolve(result))
    )
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

async function measured(label, server, request) {
  const before = await cpuOf(server)
  const result = await load(server.port, request, SECONDS)
  const after = await cpuOf(server)
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  result.cpuMicrosPerRequest = (after - before) / result.requests.total
  return result
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits
const summary = (rs) => ({
  requestsPerSecond: Math.round(mean(rs.map((r) => r.requests.average))),
  perRound: rs.map((r) => r.requests.average),
  cpuMicrosPerRequest: round(mean(rs.map((r) => r.cpuMicrosPerRequest)), 1),
  latencyMsP50: mean(rs.map((r) => r.latency.p50)),
  latencyMsP99: mean(rs.map((r) => r.latency.p99)),
  requests: rs.reduce((a, r) => a + r.requests.total, 0)
})

/** Alternating rounds of `subject` and `baseline` (each { label, server, request }); the ratio is subject / baseline. */
async function compare(subject, baseline) {
  if (WARMUP_SECONDS > 0) {
    await load(baseline.server.port, baseline.request, WARMUP_SECONDS)
    await load(subject.server.port, subject.request, WARMUP_SECONDS)
  }
  const runs = { baseline: [], subject: [] }
  for (let r = 0; r < ROUNDS; r++) {
    runs.baseline.push(await measured(baseline.label, baseline.server, baseline.request))
    runs.subject.push(await measured(subject.label, subject.server, subject.request))
  }
  const b = summary(runs.baseline)
  const s = summary(runs.subject)
  return { baseline: b, subject: s, ratio: round(s.requestsPerSecond / b.requestsPerSecond), cpuRatio: round(b.cpuMicrosPerRequest / s.cpuMicrosPerRequest) }
}

/** The subject against a bare node:http server that answers the subject's own bytes. */
async function againstBare(gateway, request) {
  const sample = await fetchSample(gateway.port, request)
  if (sample.status !== 200) throw new Error(`gateway answered ${sample.status} to ${request.method} ${request.path}: ${sample.body}`)
  const bare = await startServer('bare', { BENCH_SAMPLE: JSON.stringify({ ...sample, body: sample.body.toString('base64') }) })
  try {
    const result = await compare({ label: 'gateway', server: gateway, request }, { label: 'bare', server: bare, request })
    return { ...result, bodyBytes: sample.body.length }
  } finally {
    await stopServer(bare)
  }
}

const machine = () => ({ node: process.version, cpus: os.cpus().length, loadAverage: round(os.loadavg()[0], 2) })

function record(name, description, fields, lines) {
  const target = TARGETS[name]
  const out = {
    name,
    description,
    date: new Date().toISOString(),
    ...machine(),
    durationSeconds: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    ...fields,
    ...(target !== undefined ? { targetRatio: target, meetsTarget: fields.ratio >= target } : {})
  }
  writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(out, null, 2)}\n`)
  console.log(`\n${name}: ${description}`)
  for (const line of lines) console.log(`  ${line}`)
  const verdict = target === undefined ? '' : ` (target >= ${target}: ${out.meetsTarget ? 'met' : 'NOT met'})`
  console.log(`  ratio ${out.ratio}${verdict}, CPU ratio ${out.cpuRatio ?? '-'}; load average ${out.loadAverage} on ${out.cpus} CPUs -> bench/results/${name}.json`)
}

const line = (label, s) => `${label.padEnd(28)} ${String(s.requestsPerSecond).padStart(6)} req/s, ${s.cpuMicrosPerRequest} us CPU/request (p99 ${s.latencyMsP99} ms)`

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
// Built once here; every server process loads the same bundle.
process.env.BENCH_HARNESS = await buildHarness()
console.log(`bench: ${ROUNDS} x ${SECONDS}s per side, ${CONNECTIONS} connections, tracing on; load average ${round(os.loadavg()[0], 2)} on ${os.cpus().length} CPUs`)

const gateway = wanted('gateway-echo') || wanted('oauth-verify') || wanted('oauth-token') ? await startServer('gateway') : null
try {
  const echo = gateway && wanted('gateway-echo') ? await againstBare(gateway, gateway.requests.echo) : null
  if (echo) record('gateway-echo', 'proxy with the echo target and no policies vs bare node:http answering the same bytes', {
    path: gateway.requests.echo.path,
    tracing: { enabled: true, bufferLimit: gateway.traceLimit },
    bodyBytes: echo.bodyBytes,
    bare: echo.baseline,
    gateway: echo.subject,
    ratio: echo.ratio,
    cpuRatio: echo.cpuRatio
  }, [line('bare node:http', echo.baseline), line('gateway (echo)', echo.subject)])

  const verify = gateway && wanted('oauth-verify') ? await againstBare(gateway, gateway.requests.verify) : null
  if (verify) record('oauth-verify', 'proxy whose PreFlow has OAuthV2 VerifyAccessToken (valid opaque token), echo target, vs bare node:http', {
    path: gateway.requests.verify.path,
    bodyBytes: verify.bodyBytes,
    bare: verify.baseline,
    gateway: verify.subject,
    ratio: verify.ratio,
    cpuRatio: verify.cpuRatio
  }, [line('bare node:http', verify.baseline), line('gateway (VerifyAccessToken)', verify.subject)])

  const token = gateway && wanted('oauth-token') ? await againstBare(gateway, gateway.requests.token) : null
  if (token) record('oauth-token', 'client_credentials token issue (POST /bench-oauth/token, Basic auth) vs bare node:http answering the same bytes', {
    path: gateway.requests.token.path,
    bodyBytes: token.bodyBytes,
    bare: token.baseline,
    gateway: token.subject,
    ratio: token.ratio,
    cpuRatio: token.cpuRatio
  }, [line('bare node:http', token.baseline), line('gateway (token issue)', token.subject)])
} finally {
  if (gateway) await stopServer(gateway)
}

if (wanted('oauth-token-store')) {
  const [empty, full] = await Promise.all([startServer('gateway'), startServer('gateway', { BENCH_LIVE_TOKENS: String(LIVE_TOKENS) })])
  try {
    const store = await compare(
      { label: 'full store', server: full, request: full.requests.token },
      { label: 'empty store', server: empty, request: empty.requests.token }
    )
    record('oauth-token-store', `token issue with ${LIVE_TOKENS} live tokens in the store vs an empty store (both stores also keep what the run issues)`, {
      path: full.requests.token.path,
      liveTokens: LIVE_TOKENS,
      emptyStore: store.baseline,
      fullStore: store.subject,
      ratio: store.ratio,
      cpuRatio: store.cpuRatio
    }, [line('empty store', store.baseline), line(`${LIVE_TOKENS} live tokens`, store.subject)])
  } finally {
    await stopServer(empty)
    await stopServer(full)
  }
}

if (wanted('jwt-verify')) {
  const jwtSeconds = Math.max(1, Math.round(SECONDS * 2 / 3))
  const runner = await startServer('jwt', { BENCH_SECONDS: String(jwtSeconds), BENCH_ROUNDS: String(ROUNDS) })
  await stopServer(runner)
  const side = (runs) => ({
    opsPerSecond: Math.round(mean(runs.map((r) => r.opsPerSecond))),
    perRound: runs.map((r) => Math.round(r.opsPerSecond)),
    cpuMicrosPerOp: round(mean(runs.map((r) => r.cpuMicrosPerOp)), 1),
    ops: runs.reduce((a, r) => a + r.ops, 0)
  })
  const engine = side(runner.jwt.engine)
  const jose = side(runner.jwt.jose)
  record('jwt-verify', 'in-process: a request through createEngine().handle to a proxy whose PreFlow has VerifyJWTAccessToken (HS256) vs jose jwtVerify with the same key and token', {
    durationSeconds: jwtSeconds,
    tokenBytes: runner.jwt.tokenBytes,
    jose,
    engine,
    ratio: round(engine.opsPerSecond / jose.opsPerSecond),
    cpuRatio: round(jose.cpuMicrosPerOp / engine.cpuMicrosPerOp)
  }, [
    `${'jose jwtVerify'.padEnd(28)} ${String(jose.opsPerSecond).padStart(6)} ops/s, ${jose.cpuMicrosPerOp} us CPU/op`,
    `${'engine (VerifyJWTAccessToken)'.padEnd(28)} ${String(engine.opsPerSecond).padStart(6)} ops/s, ${engine.cpuMicrosPerOp} us CPU/op`
  ])
}

console.log(`\nbench finished in ${Math.round((Date.now() - startedAt) / 1000)} s`)
