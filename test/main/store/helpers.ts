/** Shared helpers for the store and service tests: a temp data folder and the bundled sample path. */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const SAMPLE_FILE = fileURLToPath(new URL('../../../resources/samples/sample-org.json', import.meta.url))
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
export const NOW = Date.UTC(2026, 10, 24, 6, 0, 0)

/** A fresh temp folder; `cleanup` removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gatelab-store-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** The names in `dir`, sorted. */
export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort()
}
