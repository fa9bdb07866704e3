// Profiling aid (not part of `npm run bench`): runs the bench gateway under --cpu-prof with autocannon
// load, then prints the functions with the most self time.
// Usage: node bench/profile.mjs [seconds] [echo|verify|token]   (TOP=n lines)
import { fork } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const seconds = Number(process.argv[2] ?? 8)
const scenario = process.argv[3] ?? 'echo'
const dir = `${os.tmpdir()}/gatelab-bench-profiles/`
mkdirSync(dir, { recursive: true })
const child = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), ['gateway'], {
  execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc']
})
const { port, requests } = await new Promise((resolve) => child.once('message', resolve))
const request = requests[scenario]
const load = await new Promise((resolve, reject) =>
  autocannon(
    { url: `http://127.0.0.1:${port}${request.path}`, method: request.method, headers: request.headers, body: request.body, connections: 10, duration: seconds },
    (e, r) => (e ? reject(e) : resolve(r))
  )
)
const exited = new Promise((resolve) => child.once('exit', resolve))
child.send('exit')
await exited
// Thread 0 of the child: its main thread.
const newest = readdirSync(dir).filter((f) => f.includes(`.${child.pid}.0.`)).sort().at(-1)
const profile = JSON.parse(readFileSync(dir + newest, 'utf8'))
const self = new Map()
const dt = new Map()
for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
let total = 0
for (const node of profile.nodes) {
  const t = dt.get(node.id) ?? 0
  total += t
  const f = node.callFrame
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + t)
}
const served = load.requests.total
console.log(`${newest}: ${(total / 1000).toFixed(0)} ms sampled, ${served} requests, ${(total / served).toFixed(1)} us sampled per request`)
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 45))) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}% ${(t / served).toFixed(2).padStart(6)} us  ${k}`)
