import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { CHROMIUM_PATH, ROOT, SERVE_SCRIPT } from './harness'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A private copy of the build (out/, resources/) the tests run, so a rebuild during the run cannot swap assets under them. */
    gatelabBuildDir: string
  }
}

/** Fails early, with the fix, when the build or the browser is missing; snapshots the build for the run. */
export default function setup(project: TestProject): () => void {
  if (!existsSync(SERVE_SCRIPT)) throw new Error(`${SERVE_SCRIPT} is missing: run \`npm run build\` first (npm run test:e2e does).`)
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install chromium).`)
  const dir = mkdtempSync(join(tmpdir(), 'gatelab-e2e-build-'))
  copyCompleteBuild(join(ROOT, 'out'), join(dir, 'out'))
  cpSync(join(ROOT, 'resources'), join(dir, 'resources'), { recursive: true })
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  project.provide('gatelabBuildDir', dir)
  return () => rmSync(dir, { recursive: true, force: true })
}

/** Every asset the page and its chunks name exists in the copy (a build running meanwhile can leave it half-written). */
function buildIsComplete(out: string): boolean {
  const assets = join(out, 'renderer/assets')
  if (!existsSync(join(out, 'renderer/index.html')) || !existsSync(assets)) return false
  const present = new Set(readdirSync(assets))
  const texts = [readFileSync(join(out, 'renderer/index.html'), 'utf8'), ...[...present].filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8'))]
  return texts.every((text) => [...text.matchAll(/assets\/([\w.-]+\.(?:js|css))/g)].every((m) => present.has(m[1]!)))
}

function copyCompleteBuild(from: string, to: string): void {
  for (let attempt = 1; ; attempt++) {
    rmSync(to, { recursive: true, force: true })
    cpSync(from, to, { recursive: true })
    if (buildIsComplete(to)) return
    if (attempt === 5) throw new Error(`${from} looks half-written (a build is running?); run the e2e tests again when it has finished.`)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000)
  }
}
