/**
 * One lowdb-backed JSON file: reading with corrupt-file quarantine, and durable group-committed writes.
 * lowdb reads and writes through our adapter, which writes a temp file, fsyncs it, renames it over the
 * target and fsyncs the folder: a crash leaves either the old or the new file, never a torn one, and a
 * write that resolved is on disk. All changes made in one turn of the event loop become one write; while
 * a write is in flight, later changes wait and go together in the next one.
 */
import { copyFile, readFile, rename, rm, stat } from 'node:fs/promises'
import { Low, type Adapter } from 'lowdb'
import { tempPathOf, tightenFile, writeFileDurable } from './durable-file'

export type ReadOutcome =
  | { state: 'missing' }
  | { state: 'directory' }
 
  | { state: 'read'; data: unknown }
  | { state: 'unparseable'; error: string }

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

/** lowdb adapter: JSON pretty-printed with two spaces (as lowdb's JSONFile), written durably. */
class DurableJsonFile implements Adapter<unknown> {
  constructor(private readonly file: string) {}

  async read(): Promise<unknown> {
    return JSON.parse(await readFile(this.file, 'utf-8')) as unknown
  }

  async write(data: unknown): Promise<void> {
    await writeFileDurable(this.file, JSON.stringify(data, null, 2))
  }
}

/** A write that failed, naming the file and the operating system's reason. */
export class WriteFailedError extends Error {
  constructor(
    readonly file: string,
    cause: Error
  ) {
    super(`Could not save ${file}: ${cause.message}`, { cause })
  }
}

interface Batch {
  promise: Promise<void>
  resolve: () => void
  reject: (error: Error) => void
}

function newBatch(): Batch {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // A failed write is reported through onWriteError; a waiter is optional, so no rejection goes unhandled.
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}

export interface JsonFileEvents {
  /** A write reached the disk with this data. */
  onWritten(data: unknown): void
  /**
   * A write failed. Runs before any waiter hears of it; every change not yet on disk (the failed write's
   * and those queued behind it) is rejected with the same error.
   */
  onWriteError(error: WriteFailedError): void
}

export class JsonFileStore {
  readonly #db: Low<unknown>
  #scheduled: (() => unknown) | null = null
  /** The batch collecting changes for the next write. */
  #next: Batch | null = null
  /** The batch being written, and its write. */
  #current: Batch | null = null
  #writing: Promise<void> | null = null
  #timer: NodeJS.Immediate | null = null

  constructor(
    readonly file: string,
    private readonly events: JsonFileEvents
  ) {
    this.#db = new Low<unknown>(new DurableJsonFile(file), null)
  }

  /** Reads the file; a file that is not JSON is reported, not thrown, so the caller can quarantine it. */
  async read(): Promise<ReadOutcome> {
    const info = await stat(this.file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null
      throw e
    })
    if (!info) return { state: 'missing' }
    if (info.isDirectory()) return { state: 'directory' }
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
    // It may hold the workspace's secrets, whatever mode an earlier version gave it.
    await tightenFile(target)
    return target
  }

  /** Keeps a copy of the file as `<file><suffix>` (e.g. before a migration rewrites it). */
  async backup(suffix: string): Promise<string> {
    const target = await freePath(`${this.file}${suffix}`)
    await copyFile(this.file, target)
    await tightenFile(target)
    return target
  }

  /** Removes a temp file a killed writer may have left behind (`.<name>.tmp`). */
  async removeStaleTemp(): Promise<void> {
    await rm(tempPathOf(this.file), { force: true })
  }

  /**
   * Asks for `snapshot()` to be written; calls made in the same turn of the event loop share one write.
   * The promise resolves once a write holding this change is on disk, and rejects with a WriteFailedError
   * if it failed (never unhandled: awaiting it is optional).
   */
  schedule(snapshot: () => unknown): Promise<void> {
    this.#scheduled = snapshot
    this.#next ??= newBatch()
    if (!this.#writing) this.#timer ??= setImmediate(() => this.#start())
    return this.#next.promise
  }

  /** The promise of the last change not yet on disk, or undefined when everything is written. */
  pending(): Promise<void> | undefined {
    return this.#next?.promise ?? this.#current?.promise
  }

  #start(): void {
    this.#timer = null
    const batch = this.#next
    const snapshot = this.#scheduled
    this.#next = null
    this.#scheduled = null
    if (!batch || !snapshot) return
    const data = snapshot()
    this.#db.data = data
    this.#current = batch
    this.#writing = this.#db.write().then(
      () => {
        this.events.onWritten(data)
        batch.resolve()
      },
      (error: unknown) => {
        const failure = new WriteFailedError(this.file, error instanceof Error ? error : new Error(String(error)))
        // Changes queued behind the failed write were made on top of it: they fail with it.
        const queued = this.#next
        this.#next = null
        this.#scheduled = null
        this.events.onWriteError(failure)
        batch.reject(failure)
        queued?.reject(failure)
      }
    )
    void this.#writing.finally(() => {
      this.#writing = null
      this.#current = null
      if (this.#next) this.#timer ??= setImmediate(() => this.#start())
    })
  }

  /** Resolves once everything scheduled so far is on disk (or has failed and been reported). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#timer && !this.#writing) {
        clearImmediate(this.#timer)
        this.#start()
      }
      if (this.#writing) await this.#writing
      else if (this.#next) await new Promise((resolve) => setImmediate(resolve))
      else return
    }
  }
}
