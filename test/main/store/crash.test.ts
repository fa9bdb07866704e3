import { fork, type ChildProcess } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { workspaceSchema } from '../../../src/shared/model'
import { openStore } from '../../../src/main/store'
import { SAMPLE_FILE, tempDir } from './helpers'

const RUNS = 30
let bundleDir: { dir: string; cleanup: () => Promise<void> }
let writerScript: string

beforeAll(async () => {
  // The writer runs in a plain Node child process, so it is bundled to JavaScript first.
  bundleDir = await tempDir()
  await build({
    configFile: false,
    logLevel: 'silent',
    root: fileURLToPath(new URL('../../../', import.meta.url)),
    ssr: { noExternal: true },
    build: {
      ssr: fileURLToPath(new URL('./crash-writer.ts', import.meta.url)),
      outDir: bundleDir.dir,
      emptyOutDir: false,
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'crash-writer.mjs' } }
    }
  })
  writerScript = join(bundleDir.dir, 'crash-writer.mjs')
}, 120_000)
afterAll(async () => bundleDir?.cleanup())

/** A small seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/** Starts the writer, lets it make `steps` changes, kills it with SIGKILL; returns the last flushed step. */
function runAndKill(dataDir: string, steps: number): Promise<{ lastFlushed: number; lastSeen: number }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(writerScript, [dataDir, SAMPLE_FILE], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let lastFlushed = 0
    let lastSeen = 0
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('message', (message: { n: number; flushed: boolean }) => {
      lastSeen = message.n
      if (message.flushed) lastFlushed = message.n
      if (message.n >= steps) child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ lastFlushed, lastSeen })
      else reject(new Error(`writer exited by itself (code ${code}): ${stderr}`))
    })
  })
}

describe('a writer killed mid-burst', () => {
  it(`leaves an intact workspace.json and token files every time (${RUNS} kills)`, async () => {
    // Each restart takes over the killed writer's lock, with a note on stderr.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const random = seeded(20261124)
    const { dir, cleanup } = await tempDir()
    try {
      // The team's file exists before the first burst, as it would after any earlier start.
      await (await openStore({ dataDir: dir, sampleFile: SAMPLE_FILE, now: () => Date.now() })).close()
      let previousName = ''
      for (let run = 0; run < RUNS; run++) {
        const steps = 1 + Math.floor(random() * 40)
        const { lastFlushed, lastSeen } = await runAndKill(dir, steps)

        // Both files are whole, parseable and schema-valid, whatever moment the kill hit.
        const workspace = workspaceSchema.parse(JSON.parse(await readFile(join(dir, 'workspace.json'), 'utf-8')))
        // The token snapshot is whole; the journal may end in a torn line, which opening drops without a problem.
        expect((await readFile(join(dir, 'tokens.jsonl'), 'utf-8')).endsWith('\n')).toBe(true)

        const store = await openStore({ dataDir: dir, sampleFile: SAMPLE_FILE, now: () => Date.now() })
        expect(store.problems()).toEqual([])
        // Each run starts from the previous run's file and counts from 1 again: what is on disk is a step
        // of this run at least as recent as the last flushed one, or, when nothing of this run was
        // flushed yet, possibly still the previous run's last state.
        const name = store.read().organization.displayName
        expect(workspace.organization.displayName).toBe(name)
        const step = Number(/^burst (\d+)$/.exec(name)?.[1])
        if (lastFlushed > 0) {
          expect(step).toBeGreaterThanOrEqual(lastFlushed)
          expect(step).toBeLessThanOrEqual(lastSeen + 1)
        } else expect(name === previousName || (step >= 1 && step <= lastSeen + 1)).toBe(true)
        previousName = name
        await store.close()
      }
      const leftovers = (await readdir(dir)).filter((name) => name.includes('corrupt') || name.endsWith('.bak'))
      expect(leftovers).toEqual([])
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('took over the lock of a Gatelab that is no longer running'))
    } finally {
      warn.mockRestore()
      await cleanup()
    }
  }, 300_000)
})
