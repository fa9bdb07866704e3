import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { StoreProblem } from '../../../src/shared/contract'
import type { TokenRecord } from '../../../src/shared/tokens'
import { openTokenJournal, type JournaledTokenStore, type TokenJournalOptions } from '../../../src/main/store/token-journal'
import { NOW, tempDir } from './helpers'

const DAY = 86_400_000
let dir: string
let cleanup: () => Promise<void>
let problems: Array<Omit<StoreProblem, 'at'>>
const opened: JournaledTokenStore[] = []

beforeEach(async () => {
  ;({ dir, cleanup } = await tempDir())
  problems = []
})
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
  await cleanup()
})

async function open(extra: Partial<TokenJournalOptions> = {}): Promise<JournaledTokenStore> {
  const store = await openTokenJournal({ dir, now: () => NOW, report: (p) => problems.push(p), ...extra })
  opened.push(store)
  return store
}
async function reopen(store: JournaledTokenStore, extra: Partial<TokenJournalOptions> = {}): Promise<JournaledTokenStore> {
  await store.close()
  opened.splice(opened.indexOf(store), 1)
  return open(extra)
}

const hashOf = (n: number): string => n.toString(16).padStart(64, '0')
const token = (n: number, extra: Partial<TokenRecord> = {}): TokenRecord => ({
  kind: 'access_token',
  hash: hashOf(n),
  issuedAt: NOW,
  expiresAt: NOW + 3_600_000,
  status: 'approved',
  clientId: 'app-one-key',
  appName: 'App_One',
  products: ['Product_One'],
  scope: '',
  ...extra
})
const sorted = (records: Iterable<TokenRecord>): TokenRecord[] => [...records].sort((a, b) => a.hash.localeCompare(b.hash) || a.kind.localeCompare(b.kind))

describe('the token journal', () => {
  it('appends one line per change and replays them on open', async () => {
    const store = await open()
    store.put(token(1))
    store.put(token(2))
    store.put({ ...token(1), status: 'revoked', revokeReason: 'TOKEN_REVOKED' })
    store.delete('access_token', hashOf(2))
    store.put(token(3, { kind: 'authorization_code', redirectUri: 'https://cb' }))
    await store.whenDurable()
    const lines = (await readFile(join(dir, 'tokens.0.journal'), 'utf-8')).trimEnd().split('\n')
    expect(lines).toHaveLength(5)
    expect(lines[3]).toBe(`["delete","access_token","${hashOf(2)}"]`)
    const again = await reopen(store)
    expect(sorted(again.all())).toEqual(sorted([{ ...token(1), status: 'revoked', revokeReason: 'TOKEN_REVOKED' }, token(3, { kind: 'authorization_code', redirectUri: 'https://cb' })]))
    expect(problems).toEqual([])
  })

  it('has nothing pending when idle, and a change is on disk once whenDurable settles', async () => {
    const store = await open()
    expect(store.whenDurable()).toBeUndefined()
    store.put(token(7))
    const pending = store.whenDurable()
    expect(pending).toBeInstanceOf(Promise)
    // All changes of one turn share one write.
    store.put(token(8))
    expect(store.whenDurable()).toBe(pending)
    await pending
    expect(await readFile(join(dir, 'tokens.0.journal'), 'utf-8')).toBe(`${JSON.stringify(token(7))}\n${JSON.stringify(token(8))}\n`)
    expect(store.whenDurable()).toBeUndefined()
  })

  it('drops a torn last line (a write cut by a crash) and cuts it off the file, so later appends stay readable', async () => {
    const store = await open()
    store.put(token(1))
    await reopen(store).then((s) => reopen(s)).then((s) => s.close())
    opened.splice(0)
    const journal = join(dir, 'tokens.0.journal')
    const whole = await readFile(journal, 'utf-8')
    await appendFile(journal, JSON.stringify(token(2)).slice(0, 40))
    const after = await open()
    expect(sorted(after.all())).toEqual([token(1)])
    expect(await readFile(journal, 'utf-8')).toBe(whole)
    after.put(token(3))
    const last = await reopen(after)
    expect(sorted(last.all())).toEqual([token(1), token(3)])
    expect(problems).toEqual([])
  })

  it('drops a whole record that lost only its newline, so the next append is not glued to it', async () => {
    await (await open()).close()
    opened.splice(0)
    const journal = join(dir, 'tokens.0.journal')
    await writeFile(journal, `${JSON.stringify(token(1))}\n${JSON.stringify(token(2))}`)
    const store = await open()
    expect(sorted(store.all())).toEqual([token(1)])
    store.put(token(3))
    expect(sorted((await reopen(store)).all())).toEqual([token(1), token(3)])
  })

  it('skips a damaged line inside the journal and reports it', async () => {
    await (await open()).close()
    opened.splice(0)
    await writeFile(join(dir, 'tokens.0.journal'), `${JSON.stringify(token(1))}\n{"kind":"acc\n${JSON.stringify(token(2))}\n`)
    const store = await open()
    expect(sorted(store.all())).toEqual([token(1), token(2)])
    expect(problems).toEqual([{ file: join(dir, 'tokens.0.journal'), kind: 'corrupt', message: expect.stringContaining('1 unreadable line(s) inside the journal were skipped') }])
  })

  it('compacts into a snapshot while changes keep coming, losing none of them', async () => {
    const store = await open({ compactAfterBytes: 1 })
    for (let n = 1; n <= 5000; n++) store.put(token(n))
    await store.whenDurable()
    const compaction = store.compact()
    // Changes made while the snapshot is being written: revocations, deletions, new tokens.
    for (let n = 1; n <= 5000; n += 7) store.put({ ...token(n), status: 'revoked' })
    for (let n = 2; n <= 5000; n += 11) store.delete('access_token', hashOf(n))
    for (let n = 5001; n <= 5100; n++) store.put(token(n))
    await compaction
    for (let n = 3; n <= 5000; n += 13) store.delete('access_token', hashOf(n))
    const expected = sorted(store.all())
    const generation = store.generation
    expect(generation).toBeGreaterThan(0)
    const again = await reopen(store, { compactAfterBytes: 1 << 30 })
    expect(sorted(again.all())).toEqual(expected)
    const names = await readdir(dir)
    expect(names.filter((n) => n.endsWith('.journal')).sort()).toEqual([`tokens.${again.generation}.journal`])
    const header = (await readFile(join(dir, 'tokens.jsonl'), 'utf-8')).split('\n', 1)[0]
    expect(JSON.parse(header!)).toMatchObject({ gatelab: 'tokens', version: 2 })
    expect(problems).toEqual([])
  })

  it('compacts by itself once the journal outgrows the threshold', async () => {
    const store = await open({ compactAfterBytes: 2000 })
    for (let n = 1; n <= 20; n++) {
      store.put(token(n))
      await store.whenDurable()
    }
    // The compaction runs in the background after a batch: wait for it to switch journals.
    for (let i = 0; i < 200 && store.generation === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(store.generation).toBeGreaterThan(0)
    expect(sorted((await reopen(store)).all())).toHaveLength(20)
  })

  it('purges grants 3 days after both tokens expired, on open and on purge()', async () => {
    let now = NOW
    const store = await open({ now: () => now })
    const old = token(1, { expiresAt: NOW - 4 * DAY, refreshExpiresAt: 0 })
    const recent = token(2, { expiresAt: NOW - 2 * DAY, refreshExpiresAt: 0 })
    const refreshed = token(3, { expiresAt: NOW - 4 * DAY, refreshExpiresAt: NOW + DAY, pairedHash: hashOf(4) })
    const refresh = token(4, { kind: 'refresh_token', expiresAt: NOW + DAY, pairedHash: hashOf(3) })
    const code = token(5, { kind: 'authorization_code', expiresAt: NOW - 3 * DAY - 1 })
    for (const r of [old, recent, refreshed, refresh, code]) store.put(r)
    const again = await reopen(store, { now: () => now })
    expect(sorted(again.all())).toEqual(sorted([recent, refreshed, refresh]))
    now = NOW + 1 * DAY + 1
    expect(again.purge()).toBe(1)
    expect(sorted(again.all())).toEqual(sorted([refreshed, refresh]))
    now = NOW + 4 * DAY + 1
    // Compaction purges too, and the snapshot it writes leaves the purged grants out.
    await again.compact()
    expect(again.size).toBe(0)
    expect((await readFile(join(dir, 'tokens.jsonl'), 'utf-8')).trimEnd().split('\n')).toHaveLength(1)
    expect([...(await reopen(again, { now: () => now })).all()]).toEqual([])
  })

  it('migrates a tokens.json of an earlier version and removes it', async () => {
    await writeFile(join(dir, 'tokens.json'), JSON.stringify({ schemaVersion: 1, tokens: [token(1), token(2, { kind: 'refresh_token' })] }), { mode: 0o644 })
    const store = await open()
    expect(sorted(store.all())).toEqual(sorted([token(1), token(2, { kind: 'refresh_token' })]))
    expect((await readdir(dir)).sort()).toEqual(['tokens.0.journal', 'tokens.jsonl'])
    expect((await stat(join(dir, 'tokens.jsonl'))).mode & 0o777).toBe(0o600)
    expect(sorted((await reopen(store)).all())).toHaveLength(2)
    expect(problems).toEqual([])
  })

  it('starts from the journal alone when the snapshot is not a token snapshot', async () => {
    const store = await open()
    store.put(token(1))
    await store.close()
    opened.splice(0)
    await writeFile(join(dir, 'tokens.jsonl'), 'not a snapshot\n')
    const again = await open()
    expect(sorted(again.all())).toEqual([token(1)])
    expect(problems[0]).toMatchObject({ kind: 'corrupt', movedTo: expect.stringContaining('tokens.jsonl.corrupt-') })
  })
})
