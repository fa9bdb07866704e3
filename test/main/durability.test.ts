/**
 * Acknowledged means on disk: the headless console is SIGKILLed the moment it has answered a write, then
 * started again on the same data folder, and the write must still be there. Each case runs several times
 * to catch the races between the answer and the write. Also: one Gatelab per data folder.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServe, runServeToExit, startServe, type ServeProcess } from './serve-process'

const RUNS = 5
const CALLBACK = 'https://app_one.sample.example/callback'
const basic = `Basic ${Buffer.from('app-one-key:app-one-secret').toString('base64')}`

let script: string
let cleanupBuild: () => Promise<void>
const dirs: string[] = []
const running: ServeProcess[] = []

beforeAll(async () => {
  ;({ script, cleanup: cleanupBuild } = await buildServe())
}, 120_000)
afterAll(async () => {
  for (const p of running) await p.kill()
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  await cleanupBuild?.()
})

async function dataDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'gatelab-durability-'))
  dirs.push(parent)
  return join(parent, 'data')
}

async function start(dir: string): Promise<ServeProcess> {
  const p = await startServe(script, dir)
  running.push(p)
  return p
}

async function post(gateway: string, path: string, form: string, auth = true): Promise<{ status: number; body: string }> {
  const res = await fetch(`${gateway}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(auth ? { Authorization: basic } : {}) },
    body: form
  })
  return { status: res.status, body: await res.text() }
}

async function authorizationCode(gateway: string): Promise<string> {
  const res = await fetch(`${gateway}/oauth/authorize?response_type=code&client_id=app-one-key&state=s&scope=`, { redirect: 'manual' })
  expect(res.status).toBe(302)
  return new URL(res.headers.get('location')!).searchParams.get('code')!
}

const exchange = (gateway: string, code: string) =>
  post(gateway, '/oauth/token', `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(CALLBACK)}`)
const refresh = (gateway: string, token: string) => post(gateway, '/oauth/token', `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`)

/** A refresh token from a fresh authorization-code grant. */
async function refreshToken(gateway: string): Promise<string> {
  const res = await exchange(gateway, await authorizationCode(gateway))
  expect(res.status, res.body).toBe(200)
  return (JSON.parse(res.body) as { refresh_token: string }).refresh_token
}

describe('a write answered 200, then SIGKILL, then a restart', () => {
  it(`keeps a revoked refresh token revoked (${RUNS} kills)`, async () => {
    const dir = await dataDir()
    for (let run = 0; run < RUNS; run++) {
      let gatelab = await start(dir)
      const token = await refreshToken(gatelab.gateways.test!)
      const revoked = await post(gatelab.gateways.test!, '/oauth/revoke', `token=${encodeURIComponent(token)}`, false)
      expect(revoked.status, revoked.body).toBe(200)
      await gatelab.kill()
      gatelab = await start(dir)
      const again = await refresh(gatelab.gateways.test!, token)
      expect(again.status, again.body).toBe(400)
      await gatelab.stop()
    }
  }, 120_000)

  it(`keeps a rotated-out refresh token dead (${RUNS} kills)`, async () => {
    const dir = await dataDir()
    for (let run = 0; run < RUNS; run++) {
      let gatelab = await start(dir)
      const token = await refreshToken(gatelab.gateways.test!)
      const rotated = await refresh(gatelab.gateways.test!, token)
      expect(rotated.status, rotated.body).toBe(200)
      await gatelab.kill()
      gatelab = await start(dir)
      const reused = await refresh(gatelab.gateways.test!, token)
      expect(reused.status, reused.body).toBe(400)
      // The new refresh token, answered before the kill, works.
      const next = await refresh(gatelab.gateways.test!, (JSON.parse(rotated.body) as { refresh_token: string }).refresh_token)
      expect(next.status, next.body).toBe(200)
      await gatelab.stop()
    }
  }, 120_000)

  it(`keeps a used authorization code used (${RUNS} kills)`, async () => {
    const dir = await dataDir()
    for (let run = 0; run < RUNS; run++) {
      let gatelab = await start(dir)
      const code = await authorizationCode(gatelab.gateways.test!)
      const first = await exchange(gatelab.gateways.test!, code)
      expect(first.status, first.body).toBe(200)
      await gatelab.kill()
      gatelab = await start(dir)
      const replay = await exchange(gatelab.gateways.test!, code)
      expect([replay.status, replay.body]).toEqual([400, '{"ErrorCode" : "invalid_request", "Error" :"Invalid Authorization Code"}'])
      await gatelab.stop()
    }
  }, 120_000)

  it(`keeps an issued code usable (${RUNS} kills)`, async () => {
    const dir = await dataDir()
    for (let run = 0; run < RUNS; run++) {
      let gatelab = await start(dir)
      const code = await authorizationCode(gatelab.gateways.test!)
      await gatelab.kill()
      gatelab = await start(dir)
      const exchanged = await exchange(gatelab.gateways.test!, code)
      expect(exchanged.status, exchanged.body).toBe(200)
      await gatelab.stop()
    }
  }, 120_000)

  it(`keeps a console edit (${RUNS} kills)`, async () => {
    const dir = await dataDir()
    for (let run = 0; run < RUNS; run++) {
      let gatelab = await start(dir)
      const saved = await gatelab.call('organization.update', { patch: { displayName: `edit ${run}` } })
      expect(saved.status, JSON.stringify(saved.body)).toBe(200)
      await gatelab.kill()
      gatelab = await start(dir)
      const info = await gatelab.call('workspace.info')
      expect((info.body.data as { organization: { displayName: string } }).organization.displayName).toBe(`edit ${run}`)
      await gatelab.stop()
    }
  }, 120_000)
})

describe('one Gatelab per data folder', () => {
  it('refuses a second console on the same folder, naming the folder and the running instance', async () => {
    const dir = await dataDir()
    const first = await start(dir)
    const second = await runServeToExit(script, ['--data', dir, '--port', '0', '--env-port', 'test=0', '--env-port', 'prod=0'])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`Gatelab: The data folder ${dir} is already in use by another Gatelab (headless, pid ${first.child.pid}, running since `)
    expect(second.stderr).toContain(`console ${first.origin}/)`)
    expect(second.stderr).not.toContain('    at ')
    // The first one is untouched and still answers.
    expect((await first.call('workspace.info')).status).toBe(200)
    await first.stop()
  }, 60_000)

  it('takes over the lock of a killed instance, with a note', async () => {
    const dir = await dataDir()
    const first = await start(dir)
    await first.kill()
    const second = await start(dir)
    expect(second.output.join('\n')).toContain(`took over the lock of a Gatelab that is no longer running (pid ${first.child.pid}`)
    await second.stop()
    // A clean stop removes the lock.
    await expect(stat(join(dir, 'gatelab.lock'))).rejects.toMatchObject({ code: 'ENOENT' })
  }, 60_000)
})

describe('the data folder', () => {
  it('is created 0700 with every file in it 0600', async () => {
    const dir = await dataDir()
    const gatelab = await start(dir)
    await refreshToken(gatelab.gateways.test!)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    for (const name of ['workspace.json', 'workspace.json.last-good', 'tokens.jsonl', 'tokens.0.journal', 'gatelab.lock']) {
      expect([name, (await stat(join(dir, name))).mode & 0o777]).toEqual([name, 0o600])
    }
    await gatelab.stop()
  }, 60_000)

  it('stops with a clear message when workspace.json is a directory', async () => {
    const dir = await dataDir()
    await (await import('node:fs/promises')).mkdir(join(dir, 'workspace.json'), { recursive: true })
    const result = await runServeToExit(script, ['--data', dir, '--port', '0', '--env-port', 'test=0', '--env-port', 'prod=0'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Gatelab: ${join(dir, 'workspace.json')} is a directory, but Gatelab keeps the workspace in a file of that name. Move that directory elsewhere or remove it`)
    expect(result.stderr).not.toContain('    at ')
  }, 60_000)
})
