/**
 * Token state on disk: a snapshot (`tokens.jsonl`) plus an append-only journal (`tokens.<n>.journal`).
 *
 * Every change (issue, revoke, rotation, code use, purge) is one JSON line appended to the journal. The
 * lines of one turn of the event loop go out in one write followed by one fdatasync (group commit), and
 * `whenDurable()` lets the gateway hold a response until the changes made before it are on disk. The
 * store stays synchronous for the engine: an authorization code is checked and consumed with no await.
 *
 * When the journal outgrows the snapshot, a compaction switches appends to journal n+1, writes every live
 * record to a new snapshot in small chunks (the event loop keeps serving between them), renames it into
 * place with the folder fsync'd, and deletes journal n. Records changed while the snapshot is written are
 * in both the snapshot and journal n+1; replaying a put or a delete twice gives the same state, so
 * loading is simply: snapshot, then every journal from the snapshot's generation on, in order. A torn
 * last line (a write cut by a crash, whose response never went out) is dropped and cut off the file.
 */
import { createReadStream } from 'node:fs'
import { open, readFile, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoreProblem } from '../../shared/contract'
import type { TokenRecord } from '../../shared/tokens'
import { grantExpiry, PURGE_DELAY_MS, type MemoryTokenStore } from '../../engine/tokens'
import { FILE_MODE, fsyncDir, tempPathOf, tightenFile, writeFileDurable } from './durable-file'
import { fileStamp } from './json-file'
import { tokensFileSchema } from './tokens'

export const SNAPSHOT_NAME = 'tokens.jsonl'
/** tokens.json of Gatelab before the journal: migrated on first start, then removed. */
export const LEGACY_TOKENS_NAME = 'tokens.json'
export const SNAPSHOT_VERSION = 2
const JOURNAL_NAME = /^tokens\.(\d+)\.journal$/
export const journalName = (generation: number): string => `tokens.${generation}.journal`

/** A journal this much larger than the snapshot (and at least this large) is compacted. */
const DEFAULT_COMPACT_BYTES = 8 * 1024 * 1024
/** Expired grants are purged this often (and at every start and compaction). */
const DEFAULT_PURGE_MS = 10 * 60 * 1000
/** Records serialised per slice of a compaction; small enough that a slice takes a few milliseconds. */
const COMPACT_CHUNK = 500

type Kind = TokenRecord['kind']
const KINDS: readonly Kind[] = ['access_token', 'refresh_token', 'authorization_code']
const HASH = /^[0-9a-f]{64}$/

export interface TokenJournalOptions {
  dir: string
  now: () => number
  report: (problem: Omit<StoreProblem, 'at'>) => void
  compactAfterBytes?: number
  purgeEveryMs?: number
}

export interface JournaledTokenStore extends MemoryTokenStore {
  /** The snapshot file (the journals sit beside it). */
  readonly file: string
  /** Settles once every change made so far is on disk; undefined when nothing is pending (the hot path). */
  whenDurable(): Promise<void> | undefined
  /** Number of live records. */
  readonly size: number
  /** Current journal generation (for tests and diagnostics). */
  readonly generation: number
  /** Rewrites the snapshot now (it also runs by itself when the journal grows). */
  compact(): Promise<void>
  /** Deletes grants that expired more than 3 days ago (DESIGN.md section 5); returns how many records went. */
  purge(): number
  close(): Promise<void>
}

/** The shape check of a stored record; the same fields tokens.json's schema requires, without zod's cost per line. */
function isTokenRecord(value: unknown): value is TokenRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const r = value as Record<string, unknown>
  return (
    KINDS.includes(r.kind as Kind) &&
    typeof r.hash === 'string' &&
    HASH.test(r.hash) &&
    Number.isInteger(r.issuedAt) &&
    Number.isInteger(r.expiresAt) &&
    (r.status === 'approved' || r.status === 'revoked') &&
    typeof r.clientId === 'string'
  )
}

/**
 * Calls `onLine` for every newline-terminated line of `file`; `onLine` says whether the line was good. Returns the byte offset just after the last good line and how many bad lines came before it.
 */
async function readLines(file: string, onLine: (text: string) => boolean): Promise<{ goodEnd: number; badInside: number; tornTail: boolean }> {
  let goodEnd = 0
  let offset = 0
  let badInside = 0
  let badPending = 0
  let rest: Buffer = Buffer.alloc(0)
  const take = (line: Buffer, end: number): void => {
    const text = line.toString('utf8').trim()
    if (text === '') {
      if (badPending === 0) goodEnd = end
      return
    }
    if (onLine(text)) {
      badInside += badPending
      badPending = 0
      goodEnd = end
    } else badPending++
  }
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk])
    let start = 0
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      take(data.subarray(start, nl), offset + nl + 1)
      start = nl + 1
    }
    offset += start
    rest = data.subarray(start)
  }
  // A last line without its newline was cut by a crash before its fdatasync ended (so before its response):
  // dropped even when it parses, or the next append would be glued to it.
  const size = offset + rest.length
  return { goodEnd, badInside, tornTail: goodEnd < size }
}

const parseLine = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Opens the token store in `dir`: snapshot + journal replay, migrating a tokens.json of earlier versions. */
export async function openTokenJournal(options: TokenJournalOptions): Promise<JournaledTokenStore> {
  const { dir, now, report } = options
  const snapshotFile = join(dir, SNAPSHOT_NAME)
  const compactAfter = options.compactAfterBytes ?? DEFAULT_COMPACT_BYTES
  const maps: Record<Kind, Map<string, TokenRecord>> = { access_token: new Map(), refresh_token: new Map(), authorization_code: new Map() }

  // Values repeated across millions of records (client, app, developer, products, scope) share one string.
  const interned = new Map<string, string>()
  const intern = (value: string): string => {
    const known = interned.get(value)
    if (known !== undefined) return known
    interned.set(value, value)
    return value
  }
  const compactCopy = (record: TokenRecord): TokenRecord => {
    const copy = { ...record }
    copy.clientId = intern(copy.clientId)
    if (copy.appId !== undefined) copy.appId = intern(copy.appId)
    if (copy.appName !== undefined) copy.appName = intern(copy.appName)
    if (copy.developerId !== undefined) copy.developerId = intern(copy.developerId)
    if (copy.developerEmail !== undefined) copy.developerEmail = intern(copy.developerEmail)
    if (copy.scope !== undefined) copy.scope = intern(copy.scope)
    if (copy.organization !== undefined) copy.organization = intern(copy.organization)
    if (copy.environment !== undefined) copy.environment = intern(copy.environment)
    if (copy.products !== undefined) copy.products = copy.products.map(intern)
    // An access token and its refresh token name each other: one string per hash, not two.
    if (copy.pairedHash !== undefined && copy.kind !== 'authorization_code') {
      const paired = maps[copy.kind === 'access_token' ? 'refresh_token' : 'access_token'].get(copy.pairedHash)
      if (paired) {
        copy.pairedHash = paired.hash
        if (paired.pairedHash === copy.hash) copy.hash = paired.pairedHash
      }
    }
    return copy
  }
  const applyLine = (value: unknown): boolean => {
    if (isTokenRecord(value)) {
      const copy = compactCopy(value)
      maps[copy.kind].set(copy.hash, copy)
      return true
    }
    if (Array.isArray(value) && value.length === 3 && value[0] === 'delete' && KINDS.includes(value[1] as Kind) && typeof value[2] === 'string') {
      maps[value[1] as Kind].delete(value[2])
      return true
    }
    return false
  }
  const quarantineCopy = async (file: string): Promise<string> => {
    let target = `${file}.corrupt-${fileStamp(now())}`
    for (let n = 1; await stat(target).then(() => true, () => false); n++) target = `${file}.corrupt-${fileStamp(now())}-${n}`
    await rename(file, target)
    await tightenFile(target)
    return target
  }

  // ---- what is on disk
  await rm(tempPathOf(snapshotFile), { force: true })
  const names = await readdir(dir)
  const journals = names
    .map((name) => JOURNAL_NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
  let snapshotGeneration = 0
  let snapshotBytes = 0

  if (names.includes(SNAPSHOT_NAME)) {
    let header: unknown
    let bad = 0
    const { badInside, tornTail } = await readLines(snapshotFile, (text) => {
      const value = parseLine(text)
      if (header === undefined) {
        header = value ?? null
        return true
      }
      if (applyLine(value)) return true
      bad++
      return false
    })
    const h = header as { gatelab?: unknown; version?: unknown; journal?: unknown } | null | undefined
    if (!h || h.gatelab !== 'tokens' || h.version !== SNAPSHOT_VERSION || !Number.isInteger(h.journal)) {
      for (const kind of KINDS) maps[kind].clear()
      const movedTo = await quarantineCopy(snapshotFile)
      report({ file: snapshotFile, kind: 'corrupt', movedTo, message: `${snapshotFile} is not a Gatelab token snapshot; it was moved to ${movedTo} and Gatelab started from the token journal alone` })
    } else {
      snapshotGeneration = h.journal as number
      snapshotBytes = (await stat(snapshotFile)).size
      // The snapshot is renamed into place whole: a bad line in it means the disk changed under us.
      if (badInside > 0 || tornTail) {
        report({ file: snapshotFile, kind: 'corrupt', message: `${snapshotFile}: ${bad} unreadable line(s) were skipped; the next compaction rewrites the file` })
      }
    }
  } else if (names.includes(LEGACY_TOKENS_NAME)) {
    await migrateLegacy()
  }

  async function migrateLegacy(): Promise<void> {
    const legacy = join(dir, LEGACY_TOKENS_NAME)
    const text = await readFile(legacy, 'utf-8')
    const value = parseLine(text)
    const parsed = value === undefined ? undefined : tokensFileSchema.safeParse(value)
    if (!parsed?.success) {
      const first = parsed?.error.issues[0]
      const reason =
        value === undefined ? 'is not valid JSON' : `does not hold valid token records (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown'})`
      const movedTo = await quarantineCopy(legacy)
      report({ file: legacy, kind: value === undefined ? 'corrupt' : 'invalid-schema', movedTo, message: `${legacy} ${reason}; it was moved to ${movedTo} and Gatelab started with no tokens` })
      return
    }
    for (const record of parsed.data.tokens) applyLine(record)
    // The snapshot takes over before tokens.json goes: a crash in between leaves both, and the snapshot wins.
    await writeSnapshotFile(journals.length > 0 ? journals[journals.length - 1]! : 0, recordsOf())
    await rm(legacy, { force: true })
    await fsyncDir(dir)
  }

  function* recordsOf(): Generator<TokenRecord> {
    for (const kind of KINDS) yield* maps[kind].values()
  }

  async function writeSnapshotFile(generation: number, records: Iterable<TokenRecord>): Promise<void> {
    const lines = [JSON.stringify({ gatelab: 'tokens', version: SNAPSHOT_VERSION, journal: generation })]
    for (const record of records) lines.push(JSON.stringify(record))
    const text = lines.join('\n') + '\n'
    await writeFileDurable(snapshotFile, text)
    snapshotGeneration = generation
    snapshotBytes = Buffer.byteLength(text)
  }

  // ---- journals: older than the snapshot are already in it; the rest are replayed in order
  for (const generation of journals.filter((g) => g < snapshotGeneration)) await rm(join(dir, journalName(generation)), { force: true })
  const replay = journals.filter((g) => g >= snapshotGeneration)
  let generation = replay.length > 0 ? replay[replay.length - 1]! : snapshotGeneration
  let activeGoodEnd = 0
  for (const g of replay) {
    const file = join(dir, journalName(g))
    const { goodEnd, badInside } = await readLines(file, (text) => applyLine(parseLine(text)))
    if (badInside > 0) report({ file, kind: 'corrupt', message: `${file}: ${badInside} unreadable line(s) inside the journal were skipped` })
    if (g === generation) activeGoodEnd = goodEnd
  }
  // Generations older than the active one are deleted once a snapshot covers them (the next compaction).
  const staleGenerations = replay.filter((g) => g !== generation)

  const openJournal = async (g: number, truncateTo?: number): Promise<FileHandle> => {
    const file = join(dir, journalName(g))
    const handle = await open(file, 'a', FILE_MODE)
    // A torn last line must not be glued to the next append.
    if (truncateTo !== undefined && (await handle.stat()).size > truncateTo) {
      await handle.truncate(truncateTo)
      await handle.datasync()
    }
    await fsyncDir(dir)
    return handle
  }
  // A first start (or one after a damaged snapshot) writes one, so the folder always has the same layout.
  if (!(await stat(snapshotFile).then(() => true, () => false))) await writeSnapshotFile(generation, recordsOf())
  await tightenFile(snapshotFile)
  let journal = await openJournal(generation, activeGoodEnd)
  let journalBytes = (await journal.stat()).size
  await tightenFile(join(dir, journalName(generation)))

  // ---- appends, group-committed
  interface Batch {
    promise: Promise<void>
    resolve: () => void
    reject: (e: Error) => void
  }
  const newBatch = (): Batch => {
    let resolve!: () => void
    let reject!: (e: Error) => void
    const promise = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    promise.catch(() => undefined)
    return { promise, resolve, reject }
  }
  let lines: string[] = []
  let next: Batch | null = null
  let current: Batch | null = null
  let writing: Promise<void> | null = null
  let timer: NodeJS.Immediate | null = null
  let paused = false
  let compacting: Promise<void> | null = null
  let closed = false

  const schedule = (): void => {
    if (!writing && !paused && !timer) timer = setImmediate(startBatch)
  }
  const append = (line: string): void => {
    lines.push(line)
    next ??= newBatch()
    schedule()
  }
  function startBatch(): void {
    timer = null
    if (writing || paused || lines.length === 0) return
    const batch = next ?? newBatch()
    next = null
    const taken = lines
    lines = []
    current = batch
    const data = Buffer.from(taken.join(''), 'utf8')
    const handle = journal
    const file = join(dir, journalName(generation))
    writing = (async () => {
      try {
        await handle.writeFile(data)
        await handle.datasync()
        journalBytes += data.length
        batch.resolve()
      } catch (error) {
        // Keep the changes and retry them with the next batch; cut off whatever part of this one got in.
        await handle.truncate(journalBytes).catch(() => undefined)
        lines = taken.concat(lines)
        const failure = new Error(`Could not save ${file}: ${(error as Error).message}`)
        report({ file, kind: 'write-failed', message: `${failure.message}; token changes are kept in memory and written with the next change` })
        batch.reject(failure)
      }
    })()
    void writing.finally(() => {
      writing = null
      current = null
      if (next) schedule()
      if (!compacting && !closed && journalBytes >= Math.max(compactAfter, snapshotBytes)) void compactInBackground()
    })
  }
  const drain = async (): Promise<void> => {
    while (writing) await writing
  }

  // ---- compaction
  const compactInBackground = (): Promise<void> =>
    compact().catch((error: unknown) => {
      report({ file: snapshotFile, kind: 'write-failed', message: `Could not compact the token journal into ${snapshotFile}: ${(error as Error).message}` })
    })
  async function compact(): Promise<void> {
    if (compacting) return compacting
    compacting = (async () => {
      await purgeInSlices()
      // Switch appends to the next journal between two batches.
      paused = true
      try {
        await drain()
        const nextGeneration = generation + 1
        const handle = await openJournal(nextGeneration)
        const previous = journal
        staleGenerations.push(generation)
        journal = handle
        generation = nextGeneration
        journalBytes = 0
        await previous.close()
      } finally {
        paused = false
        if (lines.length > 0) schedule()
      }
      const written = generation
      const temp = tempPathOf(snapshotFile)
      const out = await open(temp, 'w', FILE_MODE)
      let bytes = 0
      try {
        const write = async (text: string): Promise<void> => {
          const buffer = Buffer.from(text, 'utf8')
          await out.writeFile(buffer)
          bytes += buffer.length
        }
        await write(JSON.stringify({ gatelab: 'tokens', version: SNAPSHOT_VERSION, journal: written }) + '\n')
        // Live iterators: records changed meanwhile may be written in their new state, which journal `written` repeats.
        for (const kind of KINDS) {
          const values = maps[kind].values()
          for (;;) {
            let chunk = ''
            let n = 0
            for (let step = values.next(); ; step = values.next()) {
              if (step.done) break
              chunk += JSON.stringify(step.value) + '\n'
              if (++n === COMPACT_CHUNK) break
            }
            if (chunk !== '') await write(chunk)
            if (n < COMPACT_CHUNK) break
            await new Promise((resolve) => setImmediate(resolve))
          }
        }
        await out.sync()
      } finally {
        await out.close()
      }
      await rename(temp, snapshotFile)
      await fsyncDir(dir)
      snapshotGeneration = written
      snapshotBytes = bytes
      // Every older journal is in the snapshot now.
      for (const g of staleGenerations.splice(0)) await rm(join(dir, journalName(g)), { force: true })
    })()
    try {
      await compacting
    } finally {
      compacting = null
    }
  }

  // ---- purge
  const expired = (record: TokenRecord, at: number): boolean => grantExpiry(record, store) + PURGE_DELAY_MS <= at
  function purge(): number {
    const at = now()
    const doomed: Array<[Kind, string]> = []
    for (const kind of KINDS) for (const record of maps[kind].values()) if (expired(record, at)) doomed.push([kind, record.hash])
    for (const [kind, hash] of doomed) store.delete(kind, hash)
    return doomed.length
  }
  /** The same, in slices, so a large store never holds the event loop for long (the timer and compaction use it). */
  async function purgeInSlices(): Promise<void> {
    const at = now()
    for (const kind of KINDS) {
      const values = maps[kind].values()
      for (let done = false; !done; ) {
        const doomed: string[] = []
        for (let n = 0; n < COMPACT_CHUNK * 4; n++) {
          const step = values.next()
          if (step.done) {
            done = true
            break
          }
          if (expired(step.value, at)) doomed.push(step.value.hash)
        }
        for (const hash of doomed) store.delete(kind, hash)
        if (!done) await new Promise((resolve) => setImmediate(resolve))
      }
    }
  }

  const store: JournaledTokenStore = {
    file: snapshotFile,
    get(kind, hash) {
      const record = maps[kind].get(hash)
      return record ? { ...record } : undefined
    },
    put(record) {
      const copy = compactCopy(record)
      maps[copy.kind].set(copy.hash, copy)
      append(JSON.stringify(copy) + '\n')
    },
    delete(kind, hash) {
      if (maps[kind].delete(hash)) append(JSON.stringify(['delete', kind, hash]) + '\n')
    },
    *all() {
      for (const record of recordsOf()) yield { ...record }
    },
    records() {
      return [...recordsOf()].map((r) => ({ ...r }))
    },
    whenDurable() {
      return next?.promise ?? current?.promise
    },
    get size() {
      return maps.access_token.size + maps.refresh_token.size + maps.authorization_code.size
    },
    get generation() {
      return generation
    },
    compact,
    purge,
    async close() {
      closed = true
      clearInterval(purgeTimer)
      await compacting?.catch(() => undefined)
      await drain()
      if (lines.length > 0) {
        startBatch()
        await drain()
      }
      await journal.close()
    }
  }

  purge()
  const purgeEvery = options.purgeEveryMs ?? DEFAULT_PURGE_MS
  const purgeTimer = setInterval(() => void purgeInSlices(), purgeEvery > 0 ? purgeEvery : 2 ** 31 - 1)
  purgeTimer.unref()
  if (journalBytes >= Math.max(compactAfter, snapshotBytes)) void compactInBackground()
  return store
}
