/**
 * Runs the headless console as a real child process (`node serve.js --data <dir> ...`), as users do, so a
 * test can SIGKILL it right after an answer and start it again on the same data folder. serve.ts is
 * bundled once per test file into a temp folder laid out like out/ (resources linked beside it).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Bundles src/main/serve.ts; returns the script and a cleanup. */
export async function buildServe(): Promise<{ script: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gatelab-serve-build-'))
  await mkdir(join(dir, 'out'), { recursive: true })
  await symlink(join(ROOT, 'resources'), join(dir, 'resources'))
  await build({
    configFile: false,
    logLevel: 'silent',
    root: ROOT,
    ssr: { noExternal: true },
    build: {
      ssr: join(ROOT, 'src/main/serve.ts'),
      outDir: join(dir, 'out/main'),
      emptyOutDir: false,
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'serve.js' } }
    }
  })
  return { script: join(dir, 'out/main/serve.js'), cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export interface ServeProcess {
  child: ChildProcess
  /** Console origin, e.g. http://127.0.0.1:41234 */
  origin: string
  secret: string
  gateways: Record<string, string>
  output: string[]
  /** Calls a console method over HTTP. */
  call(method: string, input?: unknown): Promise<{ status: number; body: { ok: boolean; data?: unknown; error?: { code: string; message: string } } }>
  kill(): Promise<void>
  stop(): Promise<void>
}

/** Starts serve.js on `dataDir` and waits for the console and gateway lines. */
export async function startServe(script: string, dataDir: string, environments = ['test', 'prod']): Promise<ServeProcess> {
  const secret = randomBytes(18).toString('base64url')
  const args = [script, '--data', dataDir, '--port', '0', ...environments.flatMap((e) => ['--env-port', `${e}=0`]), '--secret', secret]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  const gateways: Record<string, string> = {}
  let origin = ''
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  child.stderr!.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)))
  await new Promise<void>((ready, fail) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      output.push(line)
      const consoleLine = /^Console: (\S+)$/.exec(line)
      if (consoleLine) origin = new URL(consoleLine[1]!).origin
      const gatewayLine = /^Gateway (\S+): (http:\/\/\S+)$/.exec(line)
      if (gatewayLine) gateways[gatewayLine[1]!] = gatewayLine[2]!
      if (origin && environments.every((e) => gateways[e])) ready()
    })
    void exited.then((code) => fail(new Error(`serve.js exited (${code}) before it was ready:\n${output.join('\n')}`)))
  })
  const waitExit = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) await exited
  }
  return {
    child,
    origin,
    secret,
    gateways,
    output,
    async call(method, input = {}) {
      const res = await fetch(`${origin}/api/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(input)
      })
      return { status: res.status, body: (await res.json()) as { ok: boolean; data?: unknown; error?: { code: string; message: string } } }
    },
    async kill() {
      child.kill('SIGKILL')
      await waitExit()
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await waitExit()
    }
  }
}

/** Runs serve.js expecting it to exit by itself; returns its exit code and output. */
export function runServeToExit(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
