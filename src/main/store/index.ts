/**
 * The workspace store: workspace.json and tokens.json in the data folder (lowdb), schema versions with
 * forward migrations, whole-workspace validation on every change, coalesced atomic writes, and
 * quarantine of unreadable files (moved aside as `<file>.corrupt-<time>` and reported, never silently
 * replaced). Everything the console changes goes through `update`/`replace`; the engine listens to
 * `onChange` and redeploys.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ConsoleError, type StoreProblem } from '../../shared/contract'
import { CURRENT_SCHEMA_VERSION, type Workspace } from '../../shared/model'
import type { TokenRecord } from '../../shared/tokens'
import { createMemoryTokenStore, type MemoryTokenStore } from '../../engine/tokens'
import { JsonFileStore } from './json-file'
import { MigrationError, migrateWorkspace } from './migrations'
import { tokensFileContent, tokensFileSchema } from './tokens'
import { deepFreeze, validateWorkspace } from './validate'

export { validateWorkspace, deepFreeze } from './validate'
export { migrateWorkspace, migrations, schemaVersionOf, MigrationError, type Migration } from './migrations'
export { fileStamp } from './json-file'

/** The token store the OAuth engine uses; every change is written to tokens.json. */
export type TokenStore = MemoryTokenStore

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
  /** Token records (hashed) backed by tokens.json. */
  readonly tokens: TokenStore
  onChange(listener: (e: StoreChange) => void): () => void
  onProblem(listener: (p: StoreProblem) => void): () => void
  /** Waits until every pending write is on disk. */
  flush(): Promise<void>
  close(): Promise<void>
}

export interface OpenStoreOptions {
  dataDir: string
  /** An explicit workspace file (`--workspace`); defaults to `<dataDir>/workspace.json`. */
  workspaceFile?: string
  /** The bundled sample organization, loaded on first start. */
  sampleFile: string
  now: () => number
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

/** Opens (or creates) the workspace and token files in `dataDir`. */
export async function openStore(options: OpenStoreOptions): Promise<WorkspaceStore> {
  const dataDir = resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true })
  const explicit = options.workspaceFile !== undefined
  const workspaceFile = explicit ? resolve(options.workspaceFile!) : join(dataDir, 'workspace.json')
  const tokensFile = join(dataDir, 'tokens.json')
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

  const workspaceJson = new JsonFileStore(workspaceFile, (error) =>
    report({ file: workspaceFile, kind: 'write-failed', message: `Could not save ${workspaceFile}: ${error.message}` })
  )
  const tokensJson = new JsonFileStore(tokensFile, (error) =>
    report({ file: tokensFile, kind: 'write-failed', message: `Could not save ${tokensFile}: ${error.message}` })
  )
  await workspaceJson.removeStaleTemp()
  await tokensJson.removeStaleTemp()

  // ---- workspace.json
  const fallbackName = explicit ? 'an empty workspace' : 'the sample organization'
  const fallback = async (): Promise<Workspace> => (explicit ? emptyWorkspace() : loadSample(options.sampleFile, now()))
  const quarantineWorkspace = async (kind: 'corrupt' | 'invalid-schema', reason: string): Promise<Workspace> => {
    const movedTo = await workspaceJson.quarantine(now())
    report({
      file: workspaceFile,
      kind,
      movedTo,
      message: `${workspaceFile} ${reason}; it was moved to ${movedTo} and Gatelab started from ${fallbackName}`
    })
    return fallback()
  }

  let current: Workspace
  let needsWrite = false
  const outcome = await workspaceJson.read()
  if (outcome.state === 'missing') {
    current = await loadSample(options.sampleFile, now())
    needsWrite = true
  } else if (outcome.state === 'unparseable') {
    current = await quarantineWorkspace('corrupt', `is not valid JSON (${outcome.error})`)
    needsWrite = true
  } else {
    try {
      const migrated = migrateWorkspace(outcome.data)
      current = validateWorkspace(migrated.data)
      if (migrated.from < migrated.to) {
        const movedTo = await workspaceJson.backup(`.v${migrated.from}.bak`)
        report({
          file: workspaceFile,
          kind: 'migrated',
          movedTo,
          message: `${workspaceFile} was migrated from schema version ${migrated.from} to ${migrated.to}; the original is kept as ${movedTo}`
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

  // ---- tokens.json
  let initialTokens: TokenRecord[] = []
  let tokensNeedWrite = true
  const tokenOutcome = await tokensJson.read()
  const quarantineTokens = async (kind: 'corrupt' | 'invalid-schema', reason: string): Promise<void> => {
    const movedTo = await tokensJson.quarantine(now())
    report({ file: tokensFile, kind, movedTo, message: `${tokensFile} ${reason}; it was moved to ${movedTo} and Gatelab started with no tokens` })
  }
  if (tokenOutcome.state === 'unparseable') await quarantineTokens('corrupt', `is not valid JSON (${tokenOutcome.error})`)
  else if (tokenOutcome.state === 'read') {
    const parsed = tokensFileSchema.safeParse(tokenOutcome.data)
    if (parsed.success) {
      initialTokens = parsed.data.tokens as TokenRecord[]
      tokensNeedWrite = false
    } else {
      const first = parsed.error.issues[0]
      const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown'
      await quarantineTokens('invalid-schema', `does not hold valid token records (${where})`)
    }
  }
  const tokens: MemoryTokenStore = createMemoryTokenStore(initialTokens, () => tokensJson.schedule(() => tokensFileContent(tokens.records())))

  let revision = 0
  let closed = false
  const snapshot = (): Workspace => current
  if (needsWrite) workspaceJson.schedule(snapshot)
  if (tokensNeedWrite) tokensJson.schedule(() => tokensFileContent(tokens.records()))

  const commit = (next: Workspace, entity: string | null): Workspace => {
    current = deepFreeze(next)
    revision += 1
    workspaceJson.schedule(snapshot)
    const change: StoreChange = { revision, entity }
    for (const listener of changeListeners) {
      try {
        listener(change)
      } catch (error) {
        // The change is saved; a listener's failure (e.g. a redeploy) must not turn it into an error.
        console.error('[gatelab store] change listener failed', error)
      }
    }
    return current
  }
  const ensureOpen = (): void => {
    if (closed) throw new ConsoleError('internal', 'The workspace store is closed')
  }

  return {
    dataDir,
    workspaceFile,
    tokensFile,
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
    onChange(listener) {
      changeListeners.add(listener)
      return () => void changeListeners.delete(listener)
    },
    onProblem(listener) {
      problemListeners.add(listener)
      return () => void problemListeners.delete(listener)
    },
    async flush() {
      await Promise.all([workspaceJson.flush(), tokensJson.flush()])
    },
    async close() {
      closed = true
      await Promise.all([workspaceJson.flush(), tokensJson.flush()])
    }
  }
}
