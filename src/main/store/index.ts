/**
 * The workspace store: workspace.json and the token journal in the data folder, schema versions with
 * forward migrations, whole-workspace validation on every change, durable group-committed writes, a last
 * good copy of the workspace to start from when the file is damaged, quarantine of unreadable files
 * (moved aside as `<file>.corrupt-<time>` and reported, never silently replaced) and a lock so that only
 * one Gatelab uses a data folder. Everything the console changes goes through `update`/`replace`; the
 * engine listens to `onChange` and redeploys.
 */
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ConsoleError, type StoreProblem } from '../../shared/contract'
import { CURRENT_SCHEMA_VERSION, type Workspace } from '../../shared/model'
import { ensurePrivateDir, tightenFile, writeFileDurable } from './durable-file'
import { JsonFileStore, WriteFailedError } from './json-file'
import { lockDataFolder, type DataFolderLock, type InstanceKind } from './lock'
import { MigrationError, migrateWorkspace } from './migrations'
import { openTokenJournal, type JournaledTokenStore } from './token-journal'
import { deepFreeze, validateWorkspace } from './validate'

export { validateWorkspace, deepFreeze } from './validate'
export { migrateWorkspace, migrations, schemaVersionOf, MigrationError, type Migration } from './migrations'
export { fileStamp, WriteFailedError } from './json-file'
export { DataFolderInUseError, LOCK_NAME, type InstanceKind } from './lock'
export { SNAPSHOT_NAME, LEGACY_TOKENS_NAME, journalName } from './token-journal'

/** Suffix of the copy of the workspace file last loaded or saved whole and valid. */
export const LAST_GOOD_SUFFIX = '.last-good'

/** The workspace file cannot be used at all (e.g. it is a directory): start-up stops with this message. */
export class StoreStartError extends Error {}

/** The token store the OAuth engine uses; every change is appended to the token journal. */
export type TokenStore = JournaledTokenStore

export interface StoreChange {
  revision: number
  entity: string | null
}

export interface WorkspaceStore {
  readonly dataDir: string
  readonly workspaceFile: string
  readonly tokensFile: string
  /** The current workspace (validated). Deep-frozen: copy it before changing anything. */
  read(): Workspace
  /**
   * Applies `mutate` to a copy, validates the whole workspace (zod + references), saves (coalesced atomic
   * write), bumps revision, notifies. Throws ConsoleError ('validation' | 'not-found' | 'conflict' |
   * 'referenced') and leaves the saved state untouched on failure.
   */
  update(mutate: (draft: Workspace) => void, entity?: string): Workspace
  /** Replaces the whole workspace (import), same validation. */
  replace(next: Workspace, entity?: string): Workspace
  readonly revision: number
  problems(): StoreProblem[]
  /** Token records (hashed) backed by the token journal. */
  readonly tokens: TokenStore
  /**
   * Settles once every change made so far (workspace and tokens) is on disk; rejects with a ConsoleError
   * naming the file and the OS error if a workspace write failed (that change is undone). Undefined when
   * nothing is pending.
   */
  whenDurable(): Promise<void> | undefined
  /** Records the console URL (without its secret) in the data folder's lock file. */
  describeInstance(consoleUrl: string): Promise<void>
  onChange(listener: (e: StoreChange) => void): () => void
  onProblem(listener: (p: StoreProblem) => void): () => void
  /** Waits until every pending write is on disk (or has failed and been reported). */
  flush(): Promise<void>
  /** Flushes, refreshes the last good copy and releases the data folder. */
  close(): Promise<void>
}

export interface OpenStoreOptions {
  dataDir: string
  /** An explicit workspace file (`--workspace`); defaults to `<dataDir>/workspace.json`. */
  workspaceFile?: string
  /** The bundled sample organization, loaded on first start. */
  sampleFile: string
  now: () => number
  /** What kind of instance holds the data folder's lock (default headless). */
  instance?: InstanceKind
  /** Compaction threshold of the token journal (bytes), for tests. */
  tokenCompactAfterBytes?: number
}

/** Name of the organization of the empty workspace (used when an explicit --workspace file is unreadable). */
export const EMPTY_ORGANIZATION = 'local'

/** A workspace with an organization and nothing else. */
export function emptyWorkspace(): Workspace {
  return validateWorkspace({ schemaVersion: CURRENT_SCHEMA_VERSION, organization: { name: EMPTY_ORGANIZATION } })
}

/**
 * Reads the bundled sample. Zero timestamps in it (`createdAt`, `issuedAt`) are stamped with `now`, so a
 * fresh workspace's apps and keys look created when it was. Throws if the sample itself is invalid.
 */
export async function loadSample(sampleFile: string, now: number): Promise<Workspace> {
  const raw: unknown = JSON.parse(await readFile(sampleFile, 'utf-8'))
  const ws = structuredClone(validateWorkspace(migrateWorkspace(raw).data, 'sample workspace'))
  for (const app of ws.apps) {
    if (app.createdAt === 0) app.createdAt = now
    for (const credential of app.credentials) if (credential.issuedAt === 0) credential.issuedAt = now
  }
  return ws
}

/** Opens (or creates) the workspace and the token journal in `dataDir`, taking the data folder's lock. */
export async function openStore(options: OpenStoreOptions): Promise<WorkspaceStore> {
  const dataDir = resolve(options.dataDir)
  await ensurePrivateDir(dataDir)
  const lock = await lockDataFolder(dataDir, options.instance ?? 'headless', (message) => console.warn(`[gatelab store] ${dataDir}: ${message}`))
  try {
    return await openLocked(options, dataDir, lock)
  } catch (error) {
    await lock.release()
    throw error
  }
}

async function openLocked(options: OpenStoreOptions, dataDir: string, lock: DataFolderLock): Promise<WorkspaceStore> {
  const explicit = options.workspaceFile !== undefined
  const workspaceFile = explicit ? resolve(options.workspaceFile!) : join(dataDir, 'workspace.json')
  const lastGoodFile = `${workspaceFile}${LAST_GOOD_SUFFIX}`
  const { now } = options

  const problemList: StoreProblem[] = []
  const problemListeners = new Set<(p: StoreProblem) => void>()
  const changeListeners = new Set<(e: StoreChange) => void>()
  const report = (problem: Omit<StoreProblem, 'at'>): void => {
    const full: StoreProblem = { ...problem, at: now() }
    problemList.push(full)
    console.warn(`[gatelab store] ${full.kind}: ${full.message}`)
    for (const listener of problemListeners) {
      try {
        listener(full)
      } catch (error) {
        console.error('[gatelab store] problem listener failed', error)
      }
    }
  }
  const notify = (change: StoreChange): void => {
    for (const listener of changeListeners) {
      try {
        listener(change)
      } catch (error) {
        // The change is saved; a listener's failure (e.g. a redeploy) must not turn it into an error.
        console.error('[gatelab store] change listener failed', error)
      }
    }
  }

  let current: Workspace
  /** The workspace as it is on disk: what a failed write rolls back to. */
  let durable: Workspace
  let revision = 0
  const workspaceJson = new JsonFileStore(workspaceFile, {
    onWritten(data) {
      durable = data as Workspace
    },
    onWriteError(error) {
      // Memory goes back to what is on disk, so the console never shows a change that is not saved.
      const undone = current !== durable
      report({ file: workspaceFile, kind: 'write-failed', message: `${error.message}${undone ? '; the change was undone' : ''}` })
      if (!undone) return
      current = durable
      revision += 1
      notify({ revision, entity: null })
    }
  })
  await workspaceJson.removeStaleTemp()

  // ---- workspace.json
  const parseWorkspace = (raw: unknown): { workspace: Workspace; from: number; to: number } => {
    const migrated = migrateWorkspace(raw)
    return { workspace: validateWorkspace(migrated.data), from: migrated.from, to: migrated.to }
  }
  /** The last good copy, if there is one and it still holds a valid workspace. */
  const lastGood = async (): Promise<Workspace | null> => {
    const text = await readFile(lastGoodFile, 'utf-8').catch(() => null)
    if (text === null) return null
    try {
      return structuredClone(parseWorkspace(JSON.parse(text)).workspace)
    } catch {
      return null
    }
  }
  const fallbackName = explicit ? 'an empty workspace' : 'the sample organization'
  const fallback = async (): Promise<Workspace> => (explicit ? emptyWorkspace() : loadSample(options.sampleFile, now()))
  const quarantineWorkspace = async (kind: 'corrupt' | 'invalid-schema', reason: string): Promise<Workspace> => {
    const movedTo = await workspaceJson.quarantine(now())
    const good = await lastGood()
    const from = good ? `the last good copy ${lastGoodFile}` : fallbackName
    report({ file: workspaceFile, kind, movedTo, message: `${workspaceFile} ${reason}; it was moved to ${movedTo} and Gatelab started from ${from}` })
    return good ?? fallback()
  }

  let needsWrite = false
  const outcome = await workspaceJson.read()
  if (outcome.state === 'directory') {
    throw new StoreStartError(
      `${workspaceFile} is a directory, but Gatelab keeps the workspace in a file of that name. ` +
        `Move that directory elsewhere or remove it, then start Gatelab again${explicit ? ' (or point --workspace to a file)' : ''}.`
    )
  }
  if (outcome.state === 'missing') {
    current = await loadSample(options.sampleFile, now())
    needsWrite = true
  } else if (outcome.state === 'unparseable') {
    current = await quarantineWorkspace('corrupt', `is not valid JSON (${outcome.error})`)
    needsWrite = true
  } else {
    try {
      const parsed = parseWorkspace(outcome.data)
      current = parsed.workspace
      if (parsed.from < parsed.to) {
        const movedTo = await workspaceJson.backup(`.v${parsed.from}.bak`)
        report({
          file: workspaceFile,
          kind: 'migrated',
          movedTo,
          message: `${workspaceFile} was migrated from schema version ${parsed.from} to ${parsed.to}; the original is kept as ${movedTo}`
        })
        needsWrite = true
      }
    } catch (error) {
      if (!(error instanceof MigrationError || error instanceof ConsoleError)) throw error
      current = await quarantineWorkspace('invalid-schema', `does not hold a valid workspace (${error.message})`)
      needsWrite = true
    }
  }
  deepFreeze(current)
  durable = current
  if (needsWrite) {
    // Nothing is acknowledged before the workspace is on disk, including the first one.
    try {
      await workspaceJson.schedule(() => current)
    } catch (error) {
      throw new StoreStartError((error as Error).message)
    }
  }
  await tightenFile(workspaceFile)
  const keepLastGood = (): Promise<void> => writeFileDurable(lastGoodFile, JSON.stringify(durable, null, 2))
  await keepLastGood()

  // ---- tokens
  const tokens = await openTokenJournal({ dir: dataDir, now, report, compactAfterBytes: options.tokenCompactAfterBytes })

  let closed = false
  const commit = (next: Workspace, entity: string | null): Workspace => {
    current = deepFreeze(next)
    revision += 1
    void workspaceJson.schedule(() => current)
    notify({ revision, entity })
    return current
  }
  const ensureOpen = (): void => {
    if (closed) throw new ConsoleError('internal', 'The workspace store is closed')
  }
  const asConsoleError = (error: unknown): never => {
    throw error instanceof ConsoleError ? error : new ConsoleError('internal', error instanceof WriteFailedError ? `${error.message}; the change was undone` : (error as Error).message)
  }

  return {
    dataDir,
    workspaceFile,
    tokensFile: tokens.file,
    read: () => current,
    update(mutate, entity) {
      ensureOpen()
      const draft = structuredClone(current)
      mutate(draft)
      return commit(validateWorkspace(draft), entity ?? null)
    },
    replace(next, entity) {
      ensureOpen()
      return commit(validateWorkspace(structuredClone(next)), entity ?? null)
    },
    get revision() {
      return revision
    },
    problems: () => [...problemList],
    tokens,
    whenDurable() {
      const workspace = workspaceJson.pending()
      const tokenChanges = tokens.whenDurable()
      if (!workspace && !tokenChanges) return undefined
      return Promise.all([workspace, tokenChanges]).then(() => undefined, asConsoleError)
    },
    describeInstance: (consoleUrl) => lock.describe(consoleUrl),
    onChange(listener) {
      changeListeners.add(listener)
      return () => void changeListeners.delete(listener)
    },
    onProblem(listener) {
      problemListeners.add(listener)
      return () => void problemListeners.delete(listener)
    },
    async flush() {
      await workspaceJson.flush()
      await drainTokens()
    },
    async close() {
      if (closed) return
      closed = true
      try {
        await workspaceJson.flush()
        await tokens.close()
        await keepLastGood().catch((error: Error) => console.warn(`[gatelab store] could not refresh ${lastGoodFile}: ${error.message}`))
      } finally {
        await lock.release()
      }
    }
  }

  async function drainTokens(): Promise<void> {
    for (let pending = tokens.whenDurable(); pending; pending = tokens.whenDurable()) await pending.catch(() => undefined)
  }
}
