/**
 * Secrets in console answers: consumer secrets and secret environment variables are masked in every
 * answer, one is revealed on purpose, exports mask unless asked, and a placeholder sent back keeps the
 * stored secret (or is refused when nothing is stored behind it).
 */
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConsoleError } from '../../../src/shared/contract'
import { openStore, type WorkspaceStore } from '../../../src/main/store'
import { createWorkspaceServices, type WorkspaceServices } from '../../../src/main/services/workspace'
import { NOW, SAMPLE_FILE, tempDir } from '../store/helpers'

const SIGNING_KEY = 'test-sample-jwt-signing-key-change-me-0123456789'
const SECRETS = ['app-one-secret', 'app-two-secret', 'app-three-secret', SIGNING_KEY]

let store: WorkspaceStore
let services: WorkspaceServices
let cleanup: () => Promise<void>

beforeEach(async () => {
  const temp = await tempDir()
  cleanup = temp.cleanup
  store = await openStore({ dataDir: temp.dir, sampleFile: SAMPLE_FILE, now: () => NOW })
  services = createWorkspaceServices({ store, now: () => NOW, deployments: () => [], sampleFile: SAMPLE_FILE, randomBytes: (n) => new Uint8Array(randomBytes(n)) })
})
afterEach(async () => {
  await store.close()
  await cleanup()
})

async function failure(call: () => unknown): Promise<ReturnType<ConsoleError['toData']>> {
  try {
    await call()
  } catch (error) {
    if (error instanceof ConsoleError) return error.toData()
    throw error
  }
  throw new Error('expected a ConsoleError')
}

function expectNoSecret(answer: unknown): void {
  const text = JSON.stringify(answer)
  for (const secret of SECRETS) expect(text).not.toContain(secret)
}

describe('consumer secrets', () => {
  it('are masked by apps.list, apps.get and every apps.* answer', async () => {
    const list = await services['apps.list']({})
    expectNoSecret(list)
    expect(list[0]!.credentials[0]!.consumerSecret).toBe('********')
    expectNoSecret(await services['apps.get']({ app: 'App_One' }))
    expectNoSecret(await services['apps.setStatus']({ app: 'App_One', status: 'approved' }))
    expectNoSecret(await services['apps.update']({ app: 'App_One', patch: { callbackUrl: 'https://x.example/cb' } }))
    const generated = await services['apps.generateCredential']({ app: 'App_One' })
    expect(generated.credentials.map((c) => c.consumerSecret)).toEqual(['********', '********'])
    // The store still holds the real secrets.
    expect(store.read().apps[0]!.credentials[0]!.consumerSecret).toBe('app-one-secret')
  })

  it('apps.revealSecret gives one credential secret, and names what is missing', async () => {
    expect(await services['apps.revealSecret']({ app: 'App_One', consumerKey: 'app-one-key' })).toEqual({ consumerSecret: 'app-one-secret' })
    expect(await failure(() => services['apps.revealSecret']({ app: 'App_One', consumerKey: 'app-two-key' }))).toEqual({ code: 'not-found', message: 'App App_One has no key app-two-key' })
    expect(await failure(() => services['apps.revealSecret']({ app: 'App_Nope', consumerKey: 'k' }))).toMatchObject({ code: 'not-found' })
  })

  it('refuses to create an app whose explicit secret is the placeholder', async () => {
    const error = await failure(() =>
      services['apps.create']({ app: { name: 'App_Six', developerId: 'dev-one', credentials: [{ consumerKey: 'six-key', consumerSecret: '********', apiProducts: [] }] } })
    )
    expect(error.code).toBe('validation')
    expect(error.issues).toEqual([{ field: 'app.credentials.0.consumerSecret', message: expect.stringContaining('masked placeholder') }])
  })
})

describe('environment variables', () => {
  it('mask private.* and secret-named values in environments.list/get, keep the others', async () => {
    await services['environments.update']({ name: 'test', patch: { variables: [{ name: 'private.jwt-signing-key', value: SIGNING_KEY }, { name: 'backend.password', value: 'hunter2-pass' }, { name: 'region', value: 'eu' }] } })
    const test = await services['environments.get']({ name: 'test' })
    expect(test.variables).toEqual([
      { name: 'private.jwt-signing-key', value: '********' },
      { name: 'backend.password', value: '********' },
      { name: 'region', value: 'eu' }
    ])
    expectNoSecret(await services['environments.list']({}))
    expect(JSON.stringify(await services['environments.list']({}))).not.toContain('hunter2-pass')
    expect(await services['environments.revealVariable']({ name: 'test', variable: 'backend.password' })).toEqual({ value: 'hunter2-pass' })
    expect(await failure(() => services['environments.revealVariable']({ name: 'test', variable: 'nope' }))).toEqual({ code: 'not-found', message: 'Environment test has no variable nope' })
  })

  it('an update that sends the placeholder back keeps the stored value; a new variable cannot be the placeholder', async () => {
    const shown = await services['environments.get']({ name: 'test' })
    await services['environments.update']({ name: 'test', patch: { description: 'edited', variables: [...shown.variables, { name: 'region', value: 'eu' }] } })
    expect(store.read().environments[0]!.variables).toEqual([{ name: 'private.jwt-signing-key', value: SIGNING_KEY }, { name: 'region', value: 'eu' }])
    const error = await failure(() => services['environments.update']({ name: 'test', patch: { variables: [{ name: 'private.other', value: '********' }] } }))
    expect(error.issues).toEqual([{ field: 'patch.variables.0.value', message: expect.stringContaining('masked placeholder') }])
    expect(store.read().environments[0]!.variables[0]!.value).toBe(SIGNING_KEY)
  })
})

describe('workspace.export and import', () => {
  it('exports masked by default and in clear only with includeSecrets', async () => {
    const masked = await services['workspace.export']({})
    expectNoSecret(masked)
    expect(masked.apps[0]!.credentials[0]!.consumerSecret).toBe('********')
    expect(masked.environments[0]!.variables[0]!.value).toBe('********')
    const full = await services['workspace.export']({ includeSecrets: true })
    expect(full.apps[0]!.credentials[0]!.consumerSecret).toBe('app-one-secret')
    expect(full.environments[0]!.variables[0]!.value).toBe(SIGNING_KEY)
    expectNoSecret(await services['workspace.exportEmulator']({}))
  })

  it('importing a masked export keeps the secrets stored here', async () => {
    const masked = await services['workspace.export']({})
    masked.organization.displayName = 'Imported'
    await services['workspace.import']({ workspace: masked })
    const now = store.read()
    expect(now.organization.displayName).toBe('Imported')
    expect(now.apps[0]!.credentials[0]!.consumerSecret).toBe('app-one-secret')
    expect(now.environments[0]!.variables[0]!.value).toBe(SIGNING_KEY)
  })

  it('refuses a placeholder with no stored secret behind it, naming the fields, and changes nothing', async () => {
    const masked = await services['workspace.export']({})
    masked.apps[0]!.credentials[0]!.consumerKey = 'unknown-key'
    masked.environments[1]!.variables = [{ name: 'private.new', value: '********' }]
    const before = store.revision
    const error = await failure(() => services['workspace.import']({ workspace: masked }))
    expect(error.code).toBe('validation')
    expect(error.issues).toEqual([
      { field: 'workspace.environments.1.variables.0.value', message: expect.stringContaining('no stored secret of variable private.new') },
      { field: 'workspace.apps.0.credentials.0.consumerSecret', message: expect.stringContaining('no stored secret of consumer key unknown-key') }
    ])
    expect(store.revision).toBe(before)
    expect(store.read().apps[0]!.credentials[0]!.consumerKey).toBe('app-one-key')
  })
})
