/**
 * Memory under a flood of big request bodies: a gateway process with a low trace byte limit takes
 * 100 requests of 2 MiB each (its echo target answers each body back) and its resident memory grows by
 * no more than the limit plus a stated overhead; clearing the traces gives their memory back.
 * A bound on memory, not a timing: the flood takes a few seconds.
 */
import { fork, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { afterAll, beforeAll, expect, test } from 'vitest'

const MiB = 1024 * 1024
/** The child's trace byte limit. */
const LIMIT = 8 * MiB
/**
 * What else may stay resident after a full collection, none of it growing with the number of
 * requests: V8's young generation, which grows under allocation pressure up to three 16 MiB
 * semi-spaces on 64-bit and is not given back (measured: +17 MiB of heap committed), and the C
 * allocator keeping freed request and response buffers for reuse (measured: under 10 MiB). The flood
 * moves 400 MiB of bodies through the process; without the byte limit it kept nearly all of it.
 */
const OVERHEAD = 48 * MiB + 16 * MiB
const BODY = Buffer.alloc(2 * MiB, 'x')

let dir: string
let childScript: string
let child: ChildProcess | undefined

beforeAll(async () => {
  // The gateway runs in a plain Node child process, so it is bundled to JavaScript first.
  dir = await mkdtemp(join(tmpdir(), 'gatelab-trace-flood-'))
  await build({
    configFile: false,
    logLevel: 'silent',
    root: fileURLToPath(new URL('../../../', import.meta.url)),
    ssr: { noExternal: true },
    build: {
      ssr: fileURLToPath(new URL('./trace-flood-child.ts', import.meta.url)),
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'trace-flood-child.mjs' } }
    }
  })
  childScript = join(dir, 'trace-flood-child.mjs')
}, 120_000)

afterAll(async () => {
  child?.kill()
  await rm(dir, { recursive: true, force: true })
})

interface Memory {
  rss: number
  arrayBuffers: number
  traces: number
  traceBytes: number
}

function ask(what: 'measure' | 'clear'): Promise<Memory> {
  return new Promise((resolve) => {
    child!.once('message', (m) => resolve(m as Memory))
    child!.send({ ask: what })
  })
}

function post(port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/echo/flood', method: 'POST', headers: { 'Content-Type': 'text/plain' }, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('100 requests of 2 MiB: the gateway grows by at most the trace byte limit plus the stated overhead, and clear gives it back', async () => {
  child = fork(childScript, [String(LIMIT)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    child!.once('message', (m) => resolve((m as { port: number }).port))
    child!.once('exit', (code) => reject(new Error(`gateway process exited with code ${code}`)))
  })
  // A few requests first, so that what every request needs once (compiled code, pools) is in the baseline.
  for (let i = 0; i < 5; i++) expect(await post(port, BODY)).toBe(200)
  const baseline = await ask('clear')
  for (let i = 0; i < 100; i++) expect(await post(port, BODY)).toBe(200)
  const flooded = await ask('measure')
  expect(flooded.rss - baseline.rss).toBeLessThan(LIMIT + OVERHEAD)
  expect(flooded.traceBytes).toBeLessThanOrEqual(LIMIT)
  expect(flooded.traces).toBeGreaterThan(10)
  // Buffers are counted exactly: what the traces keep of the bodies, and nothing of the flood beyond it.
  expect(flooded.arrayBuffers - baseline.arrayBuffers).toBeLessThan(LIMIT + 4 * MiB)
  const cleared = await ask('clear')
  expect(cleared.traces).toBe(0)
  expect(cleared.traceBytes).toBe(0)
  // Every buffer the traces held is gone; what stays resident is reused, not grown.
  expect(cleared.arrayBuffers - baseline.arrayBuffers).toBeLessThan(64 * 1024)
  expect(cleared.rss).toBeLessThanOrEqual(flooded.rss + 1 * MiB)
  child.kill()
}, 120_000)
