/**
 * One Gatelab per data folder: `gatelab.lock` holds the owner's pid, start time, kind of instance and
 * console URL. It is hard-linked into place, which fails when it exists, so of two instances starting
 * together exactly one wins, and nobody ever reads a half-written lock. A lock whose pid is no longer
 * alive (a crash, a kill -9) is stale and taken over, with a note.
 */
import { randomBytes } from 'node:crypto'
import { link, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileDurable } from './durable-file'

export const LOCK_NAME = 'gatelab.lock'

export type InstanceKind = 'headless' | 'desktop' | 'test'

export interface LockInfo {
  pid: number
  /** Epoch ms (real time) the instance started. */
  startedAt: number
  kind: InstanceKind
  /** The console's address without its secret, once known. */
  consoleUrl?: string
}

/** Another live instance owns the data folder. */
export class DataFolderInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockInfo
  ) {
    const url = owner.consoleUrl ? `, console ${owner.consoleUrl}` : ''
    super(
      `The data folder ${dataDir} is already in use by another Gatelab (${owner.kind}, pid ${owner.pid}, running since ` +
        `${new Date(owner.startedAt).toISOString()}${url}). Stop that instance first, or start this one with another --data folder.`
    )
  }
}

export interface DataFolderLock {
  readonly file: string
  /** Records the console URL (pass it without the secret). */
  describe(consoleUrl: string): Promise<void>
  release(): Promise<void>
}

/** Folders locked by this process: a lock file naming our own pid is stale only if we do not hold it. */
const heldHere = new Set<string>()

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const value = JSON.parse(text) as Partial<LockInfo>
    if (Number.isInteger(value.pid) && typeof value.startedAt === 'number') {
      return { pid: value.pid!, startedAt: value.startedAt, kind: value.kind ?? 'headless', ...(value.consoleUrl ? { consoleUrl: value.consoleUrl } : {}) }
    }
  } catch {
    // An empty or torn lock (killed while writing it) is stale.
  }
  return null
}

/**
 * Takes the data folder's lock or throws DataFolderInUseError. `note` hears about a stale lock taken over.
 */
export async function lockDataFolder(dataDir: string, kind: InstanceKind, note: (message: string) => void): Promise<DataFolderLock> {
  const file = join(dataDir, LOCK_NAME)
  const info: LockInfo = { pid: process.pid, startedAt: Date.now(), kind }
  for (let attempt = 0; ; attempt++) {
    // Written aside, then hard-linked into place: link fails if the lock exists, and a reader never sees it half written.
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await writeFileDurable(temp, JSON.stringify(info))
      await link(temp, file)
      // Before any other await: a same-process opener must see it held.
      heldHere.add(file)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error
    } finally {
      await rm(temp, { force: true })
    }
    const owner = parseLock(await readFile(file, 'utf-8').catch(() => ''))
    const ours = owner?.pid === process.pid && heldHere.has(file)
    if (owner && (ours || (owner.pid !== process.pid && isAlive(owner.pid)))) throw new DataFolderInUseError(dataDir, owner)
    note(
      owner
        ? `took over the lock of a Gatelab that is no longer running (pid ${owner.pid}, started ${new Date(owner.startedAt).toISOString()})`
        : `took over an unreadable lock file ${file}`
    )
    // Remove only the stale lock we read: another instance may have taken it over since.
    const again = await readFile(file, 'utf-8').catch(() => '')
    if (again === '' || JSON.stringify(parseLock(again)) === JSON.stringify(owner)) await rm(file, { force: true })
  }
  let released = false
  return {
    file,
    async describe(consoleUrl) {
      if (released) return
      info.consoleUrl = consoleUrl
      await writeFileDurable(file, JSON.stringify(info))
    },
    async release() {
      if (released) return
      released = true
      heldHere.delete(file)
      // Only our own lock: never delete one another instance took over meanwhile.
      const owner = parseLock(await readFile(file, 'utf-8').catch(() => ''))
      if (owner?.pid === process.pid && owner.startedAt === info.startedAt) await rm(file, { force: true })
    }
  }
}
