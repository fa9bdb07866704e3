// Diagnostic aid (not part of `npm run bench`): what each retained trace costs the heap. Runs the bench
// gateway in two child processes over the same echo requests, with a trace buffer of 1 and of N, takes a
// heap snapshot after each and prints the difference per trace by object kind: bytes and object count,
// which is what the garbage collector pays for on every request while the buffer is full.
// Usage: node bench/trace-census.mjs [requests=3000]
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import v8 from 'node:v8'
import { fileURLToPath } from 'node:url'

const requests = Number(process.argv[2] ?? 3000)
const limit = process.argv[3]

if (limit === undefined) {
  const script = fileURLToPath(import.meta.url)
  const census = (n) => {
    const out = `${os.tmpdir()}/gatelab-trace-census-${process.pid}-${n}.json`
    execFileSync(process.execPath, ['--expose-gc', script, String(requests), String(n), out], { stdio: 'inherit' })
    const kinds = JSON.parse(readFileSync(out, 'utf8'))
    rmSync(out)
    return kinds
  }
  const small = new Map(census(1))
  const full = new Map(census(requests))
  const rows = []
  let objects = 0
  let bytes = 0
  for (const [kind, [count, size]] of full) {
    const [count0, size0] = small.get(kind) ?? [0, 0]
    objects += count - count0
    bytes += size - size0
    rows.push([kind, (count - count0) / requests, (size - size0) / requests])
  }
  for (const [kind, count, size] of rows.filter((r) => r[1] >= 0.5 || r[2] >= 8).sort((a, b) => b[2] - a[2])) {
    console.log(`${size.toFixed(0).padStart(6)} B ${count.toFixed(2).padStart(6)} objects  ${kind}`)
  }
  console.log(`per retained echo trace: ${(bytes / requests).toFixed(0)} bytes, ${(objects / requests).toFixed(1)} objects`)
} else {
  const { loadHarness } = await import('./harness-build.mjs')
  const harness = await loadHarness()
  const gateway = await harness.startBenchGateway({ traceLimit: Number(limit) })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const one = () =>
    new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: gateway.port, path: gateway.requests.echo.path, agent }, (res) => res.resume().on('end', resolve)).on('error', reject)
    })
  for (let i = 0; i < requests; i++) await one()
  globalThis.gc()
  globalThis.gc()
  const file = v8.writeHeapSnapshot(`${os.tmpdir()}/gatelab-trace-census-${process.pid}.heapsnapshot`)
  const snapshot = JSON.parse(readFileSync(file, 'utf8'))
  rmSync(file)
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta
  const kinds = new Map()
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i]]
    const kind = type.endsWith('string') ? '(string)' : `${type}:${snapshot.strings[snapshot.nodes[i + 1]].slice(0, 40)}`
    const entry = kinds.get(kind) ?? [0, 0]
    entry[0]++
    entry[1] += snapshot.nodes[i + 3]
    kinds.set(kind, entry)
  }
  // A file, not stdout: process.exit() would cut a piped write short.
  writeFileSync(process.argv[4], JSON.stringify([...kinds]))
  await gateway.stop()
  agent.destroy()
  process.exit(0)
}
