/**
 * One lowdb-backed JSON file: reading with corrupt-file quarantine, and coalesced atomic writes.
 * lowdb's JSONFile writes through steno, which writes a temp file (`.<name>.tmp`) and renames it over the
 * target, and keeps only the latest pending data while a write is in flight: a crash leaves either the
 * old or the new file, never a torn one. We add one more level of coalescing (all changes made in the
 * same turn of the event loop become one write) and failure reporting.
 */
import { copyFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Low } from 'lowdb'
import { JSONFile } from 'lowdb/node'

export type ReadOutcome = { state: 'missing' } | { state: 'read'; data: unknown } | { state: 'unparseable'; error: string }

/** Epoch ms as a file-name-safe UTC stamp: `2026-11-24T06-00-00Z`. */
export function fileStamp(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')
}

const exists = async (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false
      throw e
    }
  )

/** A free path `<file><suffix>`, `<file><suffix>-1`, ... so a second quarantine in the same second keeps the first. */
async function freePath(base: string): Promise<string> {
  if (!(await exists(base))) return base
  for (let n = 1; ; n++) if (!(await exists(`${base}-${n}`))) return `${base}-${n}`
}

export class JsonFileStore {
  readonly #db: Low<unknown>
  readonly #pending = new Set<Promise<void>>()
  #scheduled: (() => unknown) | null = null
  #timer: NodeJS.Immediate | null = null

  constructor(
    readonly file: string,
    private readonly onWriteError: (error: Error) => void
  ) {
    this.#db = new Low<unknown>(new JSONFile<unknown>(file), null)
  }

  /** Reads the file; a file that is not JSON is reported, not thrown, so the caller can quarantine it. */
  async read(): Promise<ReadOutcome> {
    if (!(await exists(this.file))) return { state: 'missing' }
    try {
      this.#db.data = null
      await this.#db.read()
    } catch (error) {
      if (error instanceof SyntaxError) return { state: 'unparseable', error: error.message }
      throw error
    }
    // lowdb leaves the default (null) for an empty-but-valid JSON value such as `null` or `0`.
    return { state: 'read', data: this.#db.data }
  }

  /** Moves the file aside as `<file>.corrupt-<time>` and returns where it went. */
  async quarantine(at: number): Promise<string> {
    const target = await freePath(`${this.file}.corrupt-${fileStamp(at)}`)
    await rename(this.file, target)
    return target
  }

  /** Keeps a copy of the file as `<file><suffix>` (e.g. before a migration rewrites it). */
  async backup(suffix: string): Promise<string> {
    const target = await freePath(`${this.file}${suffix}`)
    await copyFile(this.file, target)
    return target
  }

  /** Removes a temp file a killed writer may have left behind (steno's `.<name>.tmp`). */
  async removeStaleTemp(): Promise<void> {
    await rm(join(dirname(this.file), `.${basename(this.file)}.tmp`), { force: true })
  }

  /** Asks for `snapshot()` to be written; calls made in the same turn of the event loop share one write. */
  schedule(snapshot: () => unknown): void {
    this.#scheduled = snapshot
    this.#timer ??= setImmediate(() => this.#writeNow())
  }

  #writeNow(): void {
    this.#timer = null
    const snapshot = this.#scheduled
    this.#scheduled = null
    if (!snapshot) return
    this.#db.data = snapshot()
    const write = this.#db.write().catch((error: unknown) => this.onWriteError(error instanceof Error ? error : new Error(String(error))))
    this.#pending.add(write)
    void write.finally(() => this.#pending.delete(write))
  }

  /** Resolves once everything scheduled so far is on disk (or has failed and been reported). */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearImmediate(this.#timer)
      this.#writeNow()
    }
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
  }
}
