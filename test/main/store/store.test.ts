import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ConsoleError, type StoreProblem } from '../../../src/shared/contract'
import { workspaceSchema, type Workspace } from '../../../src/shared/model'
import type { TokenRecord } from '../../../src/shared/tokens'
import { DataFolderInUseError, openStore, type WorkspaceStore } from '../../../src/main/store'
import { FIXTURES, NOW, SAMPLE_FILE, filesIn, tempDir } from './helpers'

let dir: string
let cleanup: () => Promise<void>
const opened: WorkspaceStore[] = []
const open = async (extra: { workspaceFile?: string } = {}): Promise<WorkspaceStore> => {
  const store = await openStore({ dataDir: dir, sampleFile: SAMPLE_FILE, now: () => NOW, ...extra })
  opened.push(store)
  return store
}
const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf-8'))
const STAMP = '2026-11-24T06-00-00Z'

beforeEach(async () => {
  ;({ dir, cleanup } = await tempDir())
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
  vi.restoreAllMocks()
  await cleanup()
})

describe('first start', () => {
  it('loads the sample, stamps its timestamps with now and writes both files pretty-printed', async () => {
    const store = await open()
    await store.flush()
    const ws = store.read()
    expect(ws.organization.name).toBe('sample')
    expect(ws.apps.map((a) => a.createdAt)).toEqual([NOW, NOW, NOW])
    expect(ws.apps.flatMap((a) => a.credentials.map((c) => c.issuedAt))).toEqual([NOW, NOW, NOW])
    expect(store.problems()).toEqual([])
    expect(store.revision).toBe(0)
    expect(await filesIn(dir)).toEqual(['gatelab.lock', 'tokens.0.journal', 'tokens.jsonl', 'workspace.json', 'workspace.json.last-good'])
    expect(await readFile(store.workspaceFile, 'utf-8')).toBe(JSON.stringify(ws, null, 2))
    expect(await readFile(join(dir, 'workspace.json.last-good'), 'utf-8')).toBe(JSON.stringify(ws, null, 2))
    expect(store.tokensFile).toBe(join(dir, 'tokens.jsonl'))
    expect(await readFile(store.tokensFile, 'utf-8')).toBe('{"gatelab":"tokens","version":2,"journal":0}\n')
  })

  it('reopens what it saved, byte for byte', async () => {
    const first = await open()
    await first.close()
    const before = await readFile(join(dir, 'workspace.json'), 'utf-8')
    const second = await open()
    expect(second.read()).toEqual(first.read())
    await second.flush()
    expect(await readFile(join(dir, 'workspace.json'), 'utf-8')).toBe(before)
  })
})

describe('update', () => {
  it('saves, bumps the revision and notifies', async () => {
    const store = await open()
    const changes: unknown[] = []
    store.onChange((c) => changes.push(c))
    const saved = store.update((draft) => void (draft.organization.displayName = 'Renamed'), 'organization')
    expect(saved.organization.displayName).toBe('Renamed')
    expect(store.revision).toBe(1)
    expect(changes).toEqual([{ revision: 1, entity: 'organization' }])
    await store.flush()
    expect(((await readJson(store.workspaceFile)) as { organization: { displayName: string } }).organization.displayName).toBe('Renamed')
  })

  it('refuses a dangling reference, names it, and leaves memory and disk untouched', async () => {
    const store = await open()
    await store.flush()
    const before = await readFile(store.workspaceFile, 'utf-8')
    const changes: unknown[] = []
    store.onChange((c) => changes.push(c))
    let error: unknown
    try {
      store.update((draft) => draft.apps[0]!.credentials[0]!.apiProducts.push({ apiproduct: 'Product_X', status: 'approved' }))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConsoleError)
    expect((error as ConsoleError).code).toBe('validation')
    expect((error as ConsoleError).message).toBe('Product Product_X does not exist')
    expect((error as ConsoleError).issues).toEqual([{ field: 'apps.0.credentials.0.apiProducts.1.apiproduct', message: 'Product Product_X does not exist' }])
    expect(store.read().apps[0]!.credentials[0]!.apiProducts).toHaveLength(1)
    expect(store.revision).toBe(0)
    expect(changes).toEqual([])
    await store.flush()
    expect(await readFile(store.workspaceFile, 'utf-8')).toBe(before)
  })

  it('reports duplicates as conflicts and bad fields as validation errors naming the field', async () => {
    const store = await open()
    expect(() => store.update((d) => void (d.environments[1]!.port = 9001))).toThrowError(
      expect.objectContaining({ code: 'conflict', message: 'Port 9001 is already used by another environment' })
    )
    expect(() => store.update((d) => void (d.environments[0]!.port = 70000))).toThrowError(
      expect.objectContaining({ code: 'validation', issues: [{ field: 'environments.0.port', message: 'must be between 1 and 65535' }] })
    )
  })

  it('keeps the saved state when the mutation itself throws halfway', async () => {
    const store = await open()
    expect(() =>
      store.update((draft) => {
        draft.environments = []
        throw new ConsoleError('not-found', 'App App_X does not exist')
      })
    ).toThrowError('App App_X does not exist')
    expect(store.read().environments).toHaveLength(2)
  })

  it('hands out a frozen workspace', async () => {
    const store = await open()
    expect(() => {
      store.read().environments[0]!.port = 1
    }).toThrow(TypeError)
  })

  it('writes keys in schema order and endpoint/policy maps sorted by name, whatever the input order', async () => {
    const store = await open()
    const ws = structuredClone(store.read())
    const proxy = ws.proxies.find((p) => p.name === 'oauth')!
    proxy.policies = Object.fromEntries(Object.entries(proxy.policies).reverse())
    const shuffled = Object.fromEntries(Object.entries(ws).reverse()) as typeof ws
    store.replace(shuffled)
    await store.flush()
    const text = await readFile(store.workspaceFile, 'utf-8')
    const saved = JSON.parse(text) as Record<string, unknown>
    expect(Object.keys(saved)).toEqual(['schemaVersion', 'organization', 'environments', 'proxies', 'apiProducts', 'developers', 'apps'])
    const names = Object.keys((saved.proxies as Array<{ name: string; policies: object }>).find((p) => p.name === 'oauth')!.policies)
    expect(names).toEqual([...names].sort())
    expect(text).toBe(JSON.stringify(workspaceSchema.parse(saved), null, 2))
  })

  it('reports a failed write as a problem', async () => {
    const store = await open()
    await store.flush()
    const problems: StoreProblem[] = []
    store.onProblem((p) => problems.push(p))
    // steno writes `.workspace.json.tmp` then renames it: a directory in its place makes the write fail.
    await mkdir(join(dir, '.workspace.json.tmp'))
    store.update((d) => void (d.organization.displayName = 'x'))
    await store.flush()
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ file: store.workspaceFile, kind: 'write-failed' })
    expect(problems[0]!.message).toContain(`Could not save ${store.workspaceFile}`)
    expect(store.problems()).toEqual(problems)
  })
})

describe('unreadable workspace.json', () => {
  it('moves a file that is not JSON aside and starts from the sample', async () => {
    await writeFile(join(dir, 'workspace.json'), '{"schemaVersion": 1, "organiz')
    const store = await open()
    const movedTo = join(dir, `workspace.json.corrupt-${STAMP}`)
    expect(store.read().organization.name).toBe('sample')
    expect(store.problems()).toEqual([
      {
        file: store.workspaceFile,
        kind: 'corrupt',
        movedTo,
        at: NOW,
        message: expect.stringMatching(/is not valid JSON .*; it was moved to .*workspace\.json\.corrupt-2026-11-24T06-00-00Z and Gatelab started from the sample organization$/)
      }
    ])
    expect(await readFile(movedTo, 'utf-8')).toBe('{"schemaVersion": 1, "organiz')
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('corrupt'))
    await store.flush()
    expect(await filesIn(dir)).toEqual(['gatelab.lock', 'tokens.0.journal', 'tokens.jsonl', 'workspace.json', `workspace.json.corrupt-${STAMP}`, 'workspace.json.last-good'])
  })

  it('keeps an earlier quarantined file when a second one comes in the same second', async () => {
    await writeFile(join(dir, 'workspace.json'), 'garbage 1')
    await (await open()).close()
    await writeFile(join(dir, 'workspace.json'), 'garbage 2')
    const store = await open()
    expect(store.problems()[0]!.movedTo).toBe(join(dir, `workspace.json.corrupt-${STAMP}-1`))
    expect(await readFile(join(dir, `workspace.json.corrupt-${STAMP}`), 'utf-8')).toBe('garbage 1')
  })

  it('starts an explicit --workspace file that is corrupt as an empty workspace, not as the sample', async () => {
    const explicit = join(dir, 'team', 'gatelab.json')
    await mkdir(join(dir, 'team'))
    await writeFile(explicit, '<xml/>')
    const store = await open({ workspaceFile: explicit })
    expect(store.workspaceFile).toBe(explicit)
    expect(store.read()).toEqual({ schemaVersion: 2, organization: { name: 'local', displayName: '', tokenCacheSeconds: 0 }, environments: [], proxies: [], apiProducts: [], developers: [], apps: [] })
    expect(store.problems()[0]).toMatchObject({ kind: 'corrupt', movedTo: `${explicit}.corrupt-${STAMP}` })
    expect(store.problems()[0]!.message).toMatch(/started from an empty workspace$/)
  })

  it('creates a missing explicit --workspace file from the sample', async () => {
    const store = await open({ workspaceFile: join(dir, 'new.json') })
    await store.flush()
    expect(store.read().organization.name).toBe('sample')
    expect(await filesIn(dir)).toEqual(['gatelab.lock', 'new.json', 'new.json.last-good', 'tokens.0.journal', 'tokens.jsonl'])
  })

  const invalid: Array<{ name: string; content: unknown; reason: RegExp }> = [
    { name: 'a field of the wrong type', content: { schemaVersion: 1, organization: { name: 'o' }, environments: [{ name: 'e', port: 'abc' }] }, reason: /environments\.0\.port/ },
    {
      name: 'a dangling reference',
      content: { schemaVersion: 1, organization: { name: 'o' }, apiProducts: [{ name: 'P', environments: ['nowhere'] }] },
      reason: /Environment nowhere does not exist/
    },
    { name: 'a newer schema version', content: { schemaVersion: 3, organization: { name: 'o' } }, reason: /written by a newer Gatelab/ },
    { name: 'not an object', content: [1, 2], reason: /does not hold a JSON object/ },
    { name: 'JSON null', content: null, reason: /does not hold a JSON object/ }
  ]
  it.each(invalid)('moves a file with $name aside (invalid-schema)', async ({ content, reason }) => {
    await writeFile(join(dir, 'workspace.json'), JSON.stringify(content))
    const store = await open()
    expect(store.read().organization.name).toBe('sample')
    expect(store.problems()).toHaveLength(1)
    expect(store.problems()[0]).toMatchObject({ kind: 'invalid-schema', movedTo: join(dir, `workspace.json.corrupt-${STAMP}`) })
    expect(store.problems()[0]!.message).toMatch(reason)
    expect(await readJson(join(dir, `workspace.json.corrupt-${STAMP}`))).toEqual(content)
  })
})

describe('migrations', () => {
  it('brings a version-0 file (no schemaVersion) to the current version, keeps the original and reports it', async () => {
    const original = await readFile(join(FIXTURES, 'workspace-v0.json'), 'utf-8')
    await writeFile(join(dir, 'workspace.json'), original)
    const store = await open()
    const ws = store.read()
    expect(ws.schemaVersion).toBe(2)
    expect(ws.organization).toEqual({ name: 'legacy', displayName: '', tokenCacheSeconds: 0 })
    expect(ws.environments[0]!.hostAliases).toEqual(['legacy.gatelab.localhost'])
    expect(ws.environments[0]!.restrictHosts).toBe(false)
    expect(ws.apiProducts.map((p) => p.name)).toEqual(['Product_Old'])
    expect(ws.apps[0]!.credentials[0]!.apiProducts).toEqual([{ apiproduct: 'Product_Old', status: 'approved' }])
    const backup = join(dir, 'workspace.json.v0.bak')
    expect(store.problems()).toEqual([
      { file: store.workspaceFile, kind: 'migrated', movedTo: backup, at: NOW, message: expect.stringContaining('migrated from schema version 0 to 2') }
    ])
    expect(await readFile(backup, 'utf-8')).toBe(original)
    await store.flush()
    expect(await readJson(store.workspaceFile)).toEqual(ws)
    await store.close()
    const again = await open()
    expect(again.problems()).toEqual([])
  })
})

describe('migration 1 -> 2 (restrictHosts)', () => {
  it('keeps an existing workspace answering any Host: its environments get restrictHosts off', async () => {
    const v1 = {
      schemaVersion: 1,
      organization: { name: 'team' },
      environments: [
        { name: 'dev', port: 9101, hostAliases: ['dev.team.localhost'] },
        { name: 'qa', port: 9102 }
      ]
    }
    await writeFile(join(dir, 'workspace.json'), JSON.stringify(v1))
    const store = await open()
    expect(store.read().schemaVersion).toBe(2)
    expect(store.read().environments.map((e) => [e.name, e.restrictHosts])).toEqual([['dev', false], ['qa', false]])
    expect(store.problems()[0]).toMatchObject({ kind: 'migrated', message: expect.stringContaining('migrated from schema version 1 to 2') })
    await store.flush()
    expect(((await readJson(store.workspaceFile)) as Workspace).environments[1]).toEqual({ name: 'qa', description: '', port: 9102, hostAliases: [], restrictHosts: false, variables: [] })
  })

  it('starts a new workspace from the sample with restrictHosts on in every environment', async () => {
    const store = await open()
    expect(store.read().environments.map((e) => [e.name, e.restrictHosts, e.hostAliases])).toEqual([
      ['test', true, ['test.gatelab.localhost']],
      ['prod', true, ['prod.gatelab.localhost']]
    ])
  })
})

describe('tokens', () => {
  const record: TokenRecord = {
    kind: 'access_token',
    hash: 'a'.repeat(64),
    issuedAt: NOW,
    expiresAt: NOW + 3_600_000,
    status: 'approved',
    clientId: 'app-one-key',
    appName: 'App_One',
    products: ['Product_One'],
    scope: ''
  }

  it('journals records (hashes only) and reads them back, extra fields included', async () => {
    const store = await open()
    store.tokens.put(record)
    await store.close()
    expect(await readFile(join(dir, 'tokens.0.journal'), 'utf-8')).toBe(JSON.stringify(record) + '\n')
    const again = await open()
    expect(again.tokens.get('access_token', record.hash)).toEqual(record)
    again.tokens.delete('access_token', record.hash)
    await again.flush()
    expect(await readFile(join(dir, 'tokens.0.journal'), 'utf-8')).toBe(`${JSON.stringify(record)}\n["delete","access_token","${record.hash}"]\n`)
    await again.close()
    expect([...(await open()).tokens.all()]).toEqual([])
  })

  it.each([
    { name: 'not JSON', content: '{"tokens": [', kind: 'corrupt' },
    { name: 'a record without a hash', content: JSON.stringify({ schemaVersion: 1, tokens: [{ kind: 'access_token' }] }), kind: 'invalid-schema' }
  ])('moves a tokens.json that is $name aside and starts with no tokens', async ({ content, kind }) => {
    await writeFile(join(dir, 'tokens.json'), content)
    const store = await open()
    expect([...store.tokens.all()]).toEqual([])
    expect(store.problems()).toEqual([
      { file: join(dir, 'tokens.json'), kind, movedTo: join(dir, `tokens.json.corrupt-${STAMP}`), at: NOW, message: expect.stringContaining('started with no tokens') }
    ])
    expect(await readFile(join(dir, `tokens.json.corrupt-${STAMP}`), 'utf-8')).toBe(content)
  })
})

describe('durable writes', () => {
  it('answers a failed write with an error naming the file and the OS error, and undoes the change', async () => {
    const store = await open()
    const before = store.read()
    const changes: unknown[] = []
    store.onChange((c) => changes.push(c))
    // The write goes through `.workspace.json.tmp`: a directory in its place makes it fail.
    await mkdir(join(dir, '.workspace.json.tmp'))
    store.update((d) => void (d.organization.displayName = 'not saved'), 'organization')
    expect(store.read().organization.displayName).toBe('not saved')
    const error = await store.whenDurable()!.then(
      () => null,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(ConsoleError)
    expect((error as ConsoleError).code).toBe('internal')
    expect((error as ConsoleError).message).toBe(`Could not save ${store.workspaceFile}: EISDIR: illegal operation on a directory, open '${join(dir, '.workspace.json.tmp')}'; the change was undone`)
    // Memory is back to what is on disk, and listeners (the engine) heard about it.
    expect(store.read()).toEqual(before)
    expect(changes).toEqual([
      { revision: 1, entity: 'organization' },
      { revision: 2, entity: null }
    ])
    expect(await readJson(store.workspaceFile)).toEqual(before)
    expect(store.problems()[0]).toMatchObject({ kind: 'write-failed', message: expect.stringContaining('the change was undone') })
  })

  it('fails every change queued behind a failed write, since they were made on top of it', async () => {
    const store = await open()
    const before = store.read()
    await mkdir(join(dir, '.workspace.json.tmp'))
    store.update((d) => void (d.organization.displayName = 'first'))
    const first = store.whenDurable()!
    await new Promise((resolve) => setImmediate(resolve))
    store.update((d) => void (d.organization.displayName = 'second'))
    const second = store.whenDurable()!
    await expect(first).rejects.toThrow('EISDIR')
    await expect(second).rejects.toThrow('EISDIR')
    expect(store.read()).toEqual(before)
  })

  it('has nothing pending once a change is on disk', async () => {
    const store = await open()
    expect(store.whenDurable()).toBeUndefined()
    store.update((d) => void (d.organization.displayName = 'saved'))
    await store.whenDurable()
    expect(((await readJson(store.workspaceFile)) as { organization: { displayName: string } }).organization.displayName).toBe('saved')
    expect(store.whenDurable()).toBeUndefined()
  })

  it('refuses to start when the first write of the workspace fails', async () => {
    await expect(open({ workspaceFile: join(dir, 'missing', 'w.json') })).rejects.toThrow(`Could not save ${join(dir, 'missing', 'w.json')}: ENOENT`)
    // The folder is free again.
    await open()
  })
})

describe('the last good copy', () => {
  it('starts from the last good copy, not the sample, when workspace.json is damaged, and says so', async () => {
    const store = await open()
    store.update((d) => void (d.organization.displayName = 'our edit'))
    await store.close()
    await writeFile(join(dir, 'workspace.json'), '{"schemaVersion": 1, "organiz')
    const again = await open()
    expect(again.read().organization.displayName).toBe('our edit')
    expect(again.problems()).toEqual([
      {
        file: join(dir, 'workspace.json'),
        kind: 'corrupt',
        movedTo: join(dir, `workspace.json.corrupt-${STAMP}`),
        at: NOW,
        message: expect.stringMatching(/is not valid JSON .*; it was moved to .* and Gatelab started from the last good copy .*workspace\.json\.last-good$/)
      }
    ])
    await again.flush()
    expect(((await readJson(join(dir, 'workspace.json'))) as { organization: { displayName: string } }).organization.displayName).toBe('our edit')
  })

  it('uses it for a workspace.json that is JSON but not a valid workspace too', async () => {
    const store = await open()
    store.update((d) => void (d.organization.displayName = 'kept'))
    await store.close()
    await writeFile(join(dir, 'workspace.json'), JSON.stringify({ schemaVersion: 1, organization: { name: 'o' }, environments: [{ name: 'e', port: 'abc' }] }))
    const again = await open()
    expect(again.read().organization.displayName).toBe('kept')
    expect(again.problems()[0]).toMatchObject({ kind: 'invalid-schema', message: expect.stringContaining('started from the last good copy') })
  })

  it('falls back to the sample when the last good copy is damaged as well', async () => {
    await (await open()).close()
    await writeFile(join(dir, 'workspace.json'), 'garbage')
    await writeFile(join(dir, 'workspace.json.last-good'), 'garbage too')
    const again = await open()
    expect(again.read().organization.name).toBe('sample')
    expect(again.problems()[0]!.message).toMatch(/started from the sample organization$/)
  })

  it('refuses to start, saying what to do, when workspace.json is a directory', async () => {
    await mkdir(join(dir, 'workspace.json'))
    await expect(open()).rejects.toThrow(
      `${join(dir, 'workspace.json')} is a directory, but Gatelab keeps the workspace in a file of that name. Move that directory elsewhere or remove it, then start Gatelab again.`
    )
  })
})

describe('one store per data folder', () => {
  it('refuses a second store on an open folder, and allows it once the first is closed', async () => {
    const first = await open()
    await expect(open()).rejects.toThrow(DataFolderInUseError)
    await expect(open()).rejects.toThrow(`The data folder ${dir} is already in use by another Gatelab (headless, pid ${process.pid}, running since `)
    await first.describeInstance('http://127.0.0.1:9000/')
    await expect(open()).rejects.toThrow('console http://127.0.0.1:9000/). Stop that instance first, or start this one with another --data folder.')
    await first.close()
    await open()
  })

  it('lets exactly one of two stores opened at the same moment have the folder', async () => {
    const outcomes = await Promise.allSettled([open(), open(), open()])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(DataFolderInUseError)
    expect((await filesIn(dir)).filter((n) => n.startsWith('gatelab.lock'))).toEqual(['gatelab.lock'])
  })

  it('takes over a lock whose process is gone, with a note', async () => {
    // A pid far above any pid_max: no such process.
    await writeFile(join(dir, 'gatelab.lock'), JSON.stringify({ pid: 2 ** 30, startedAt: NOW, kind: 'desktop' }))
    const store = await open()
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining(`took over the lock of a Gatelab that is no longer running (pid ${2 ** 30}`))
    expect(JSON.parse(await readFile(join(dir, 'gatelab.lock'), 'utf-8'))).toMatchObject({ pid: process.pid, kind: 'headless' })
    await store.close()
    expect(await filesIn(dir)).not.toContain('gatelab.lock')
  })

  it('takes over a lock naming this very pid when this process does not hold it (a container restart)', async () => {
    await writeFile(join(dir, 'gatelab.lock'), JSON.stringify({ pid: process.pid, startedAt: NOW - 1000, kind: 'headless' }))
    await open()
  })
})

describe('file modes', () => {
  it('tightens workspace and token files of earlier versions to 0600 and leaves an existing folder as it is', async () => {
    await chmod(dir, 0o755)
    await writeFile(join(dir, 'workspace.json'), await readFile(SAMPLE_FILE, 'utf-8'), { mode: 0o644 })
    await writeFile(join(dir, 'tokens.json'), JSON.stringify({ schemaVersion: 1, tokens: [] }), { mode: 0o644 })
    const store = await open()
    await store.flush()
    for (const name of await filesIn(dir)) expect([name, (await stat(join(dir, name))).mode & 0o777]).toEqual([name, 0o600])
    expect((await stat(dir)).mode & 0o777).toBe(0o755)
  })

  it('creates a missing data folder 0700', async () => {
    const data = join(dir, 'new', 'data')
    const store = await openStore({ dataDir: data, sampleFile: SAMPLE_FILE, now: () => NOW })
    opened.push(store)
    expect((await stat(data)).mode & 0o777).toBe(0o700)
  })
})
