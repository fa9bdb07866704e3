import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ConsoleError, type ConsoleErrorCode } from '../../../src/shared/contract'
import type { ProxyDeployment } from '../../../src/shared/deployment'
import { openStore, type WorkspaceStore } from '../../../src/main/store'
import { createWorkspaceServices, workspaceMethodNames, type WorkspaceServices } from '../../../src/main/services/workspace'
import { FIXTURES, NOW, SAMPLE_FILE, tempDir } from '../store/helpers'

let store: WorkspaceStore
let services: WorkspaceServices
let cleanup: () => Promise<void>
const deployments = vi.fn((proxy?: string): ProxyDeployment[] => [
  { proxy: proxy ?? '*', environment: 'test', state: 'deployed', revision: 1, basePath: '/x', errors: [], warnings: [] }
])

beforeEach(async () => {
  const temp = await tempDir()
  cleanup = temp.cleanup
  store = await openStore({ dataDir: temp.dir, sampleFile: SAMPLE_FILE, now: () => NOW })
  services = createWorkspaceServices({ store, now: () => NOW, deployments, sampleFile: SAMPLE_FILE, randomBytes: (n) => new Uint8Array(randomBytes(n)) })
  deployments.mockClear()
})
afterEach(async () => {
  await store.close()
  await cleanup()
})

/** Runs `call` and returns the ConsoleError it throws (fails the test if it does not throw one). */
async function failure(call: () => unknown): Promise<{ code: ConsoleErrorCode; message: string; issues?: unknown }> {
  try {
    await call()
  } catch (error) {
    if (error instanceof ConsoleError) return error.toData()
    throw error
  }
  throw new Error('expected a ConsoleError')
}

describe('the service object', () => {
  it('implements every workspace method of the contract', () => {
    expect(Object.keys(services).sort()).toEqual([...workspaceMethodNames].sort())
  })
})

describe('environments', () => {
  it('creates, reads, lists', async () => {
    const created = await services['environments.create']({ environment: { name: 'staging', port: 9003 } })
    expect(created).toEqual({ name: 'staging', description: '', port: 9003, hostAliases: [], restrictHosts: true, variables: [] })
    expect(await services['environments.get']({ name: 'staging' })).toEqual(created)
    expect((await services['environments.list']({})).map((e) => e.name)).toEqual(['test', 'prod', 'staging'])
  })

  it.each([
    {
      name: 'a port out of range',
      input: { name: 'staging', port: 70000 },
      error: { code: 'validation', message: 'Invalid environment: environment.port: must be between 1 and 65535', issues: [{ field: 'environment.port', message: 'must be between 1 and 65535' }] }
    },
    { name: 'a port already used', input: { name: 'staging', port: 9001 }, error: { code: 'conflict', message: 'Port 9001 is already used by another environment' } },
    { name: 'an existing name', input: { name: 'test', port: 9003 }, error: { code: 'conflict', message: 'Environment test already exists' } },
    { name: 'a field that does not exist', input: { name: 'staging', port: 9003, colour: 'red' }, error: { code: 'validation', message: expect.stringContaining('colour') } }
  ])('refuses $name', async ({ input, error }) => {
    expect(await failure(() => services['environments.create']({ environment: input }))).toMatchObject(error)
    expect(store.revision).toBe(0)
  })

  it('renames and carries the new name into proxies and products', async () => {
    const renamed = await services['environments.update']({ name: 'prod', patch: { name: 'production', port: 9010 } })
    expect(renamed).toMatchObject({ name: 'production', port: 9010 })
    const ws = store.read()
    expect(ws.proxies.map((p) => p.environments)).toEqual([
      ['test', 'production'],
      ['test', 'production'],
      ['test', 'production']
    ])
    expect(ws.apiProducts.map((p) => p.environments)).toEqual([['test'], ['production'], ['test', 'production']])
  })

  it('refuses a rename onto an existing environment and an unknown patch field', async () => {
    expect(await failure(() => services['environments.update']({ name: 'prod', patch: { name: 'test' } }))).toMatchObject({
      code: 'conflict',
      message: 'Environment test already exists'
    })
    expect(await failure(() => services['environments.update']({ name: 'prod', patch: { colour: 'red' } }))).toMatchObject({
      code: 'validation',
      issues: [{ field: 'patch.colour', message: expect.stringContaining('is not a field of environment') }]
    })
    expect(await failure(() => services['environments.get']({ name: 'staging' }))).toEqual({ code: 'not-found', message: 'Environment staging does not exist' })
  })

  it('refuses to delete an environment still in use, saying by whom; deletes an unused one', async () => {
    expect(await failure(() => services['environments.delete']({ name: 'prod' }))).toEqual({
      code: 'referenced',
      message:
        'Environment prod is used by API proxy API_One (deployed there), API proxy API_Two (deployed there), API proxy oauth (deployed there), product Product_Two, product Product_Manual'
    })
    await services['environments.create']({ environment: { name: 'staging', port: 9003 } })
    await services['environments.delete']({ name: 'staging' })
    expect(store.read().environments.map((e) => e.name)).toEqual(['test', 'prod'])
  })
})

describe('proxies', () => {
  it('creates a proxy from a name and a base path with a default endpoint routed to the echo target', async () => {
    const proxy = await services['proxies.create']({ proxy: { name: 'API_Three', basePath: '/api-three', environments: ['test'] } })
    expect(proxy.proxyEndpoints.default).toContain('<BasePath>/api-three</BasePath>')
    expect(proxy.targetEndpoints.default).toContain('<URL>echo://</URL>')
  })

  it('refuses a missing environment and a base path taken in the same environment', async () => {
    expect(await failure(() => services['proxies.create']({ proxy: { name: 'API_Three', basePath: '/x', environments: ['staging'] } }))).toEqual({
      code: 'validation',
      message: 'Invalid API proxy: proxy.environments.0: Environment staging does not exist',
      issues: [{ field: 'proxy.environments.0', message: 'Environment staging does not exist' }]
    })
    expect(await failure(() => services['proxies.create']({ proxy: { name: 'API_Three', basePath: '/api-one', environments: ['prod'] } }))).toMatchObject({
      code: 'conflict',
      message: 'Base path /api-one is already used in environment prod by API proxy API_One'
    })
  })

  it('rewrites <BasePath> in the endpoint XML when the base path changes, and renames into products', async () => {
    const updated = await services['proxies.update']({ name: 'API_One', patch: { name: 'API_Uno', basePath: '/api-uno' } })
    expect(updated.proxyEndpoints.default).toContain('<BasePath>/api-uno</BasePath>')
    expect(updated.proxyEndpoints.default).not.toContain('/api-one')
    expect(store.read().apiProducts.map((p) => p.proxies)).toEqual([['API_Uno'], ['API_Two'], ['API_Uno']])
  })

  it('refuses to delete a proxy a product uses', async () => {
    expect(await failure(() => services['proxies.delete']({ name: 'API_One' }))).toEqual({
      code: 'referenced',
      message: 'API proxy API_One is used by product Product_One, product Product_Manual'
    })
    await services['proxies.delete']({ name: 'oauth' })
    expect(store.read().proxies.map((p) => p.name)).toEqual(['API_One', 'API_Two'])
  })

  it('deploys and undeploys through the workspace and answers with the engine deployments', async () => {
    await services['proxies.update']({ name: 'API_One', patch: { environments: ['test'] } })
    const changes: unknown[] = []
    store.onChange((c) => changes.push(c))
    expect(await services['proxies.deploy']({ name: 'API_One', environment: 'prod' })).toEqual(deployments.mock.results[0]!.value)
    expect(deployments).toHaveBeenCalledWith('API_One')
    expect(store.read().proxies[0]!.environments).toEqual(['test', 'prod'])
    expect(changes).toEqual([{ revision: 2, entity: 'proxies' }])
    await services['proxies.undeploy']({ name: 'API_One', environment: 'test' })
    expect(store.read().proxies[0]!.environments).toEqual(['prod'])
    expect(await failure(() => services['proxies.undeploy']({ name: 'API_One', environment: 'test' }))).toEqual({
      code: 'not-found',
      message: 'API proxy API_One is not deployed to test'
    })
    expect(await failure(() => services['proxies.deploy']({ name: 'API_One', environment: 'staging' }))).toEqual({
      code: 'not-found',
      message: 'Environment staging does not exist'
    })
    expect(await failure(() => services['proxies.deployments']({ name: 'API_X' }))).toEqual({ code: 'not-found', message: 'API proxy API_X does not exist' })
  })
})

describe('products', () => {
  it('creates a product and refuses one that names a missing environment or proxy', async () => {
    const created = await services['products.create']({ product: { name: 'Product_Three', proxies: ['API_Two'], environments: ['test'], approvalType: 'manual' } })
    expect(created).toMatchObject({ name: 'Product_Three', approvalType: 'manual', apiResources: [] })
    expect(await failure(() => services['products.create']({ product: { name: 'Product_Four', proxies: ['API_X'] } }))).toEqual({
      code: 'validation',
      message: 'API proxy API_X does not exist',
      issues: [{ field: 'apiProducts.4.proxies.0', message: 'API proxy API_X does not exist' }]
    })
  })

  it('renames a product on every key that carries it', async () => {
    await services['products.update']({ name: 'Product_One', patch: { name: 'Product_Uno' } })
    expect(store.read().apps[0]!.credentials[0]!.apiProducts).toEqual([{ apiproduct: 'Product_Uno', status: 'approved' }])
  })

  it('clears a field patched to null (an operation group; a default comes back), and refuses it for a required one', async () => {
    const operationGroup = { operationConfigType: 'proxy', operationConfigs: [{ apiSource: 'API_One', operations: [{ resource: '/items', methods: ['GET'] }] }] }
    const grouped = await services['products.update']({ name: 'Product_One', patch: { operationGroup } })
    expect(grouped.operationGroup?.operationConfigs).toHaveLength(1)
    const cleared = await services['products.update']({ name: 'Product_One', patch: { operationGroup: null } })
    expect('operationGroup' in cleared).toBe(false)
    expect((await services['products.update']({ name: 'Product_One', patch: { displayName: null } })).displayName).toBe('')
    expect(await failure(() => services['products.update']({ name: 'Product_One', patch: { name: null } }))).toMatchObject({
      code: 'validation',
      issues: [{ field: 'patch.name', message: expect.any(String) }]
    })
  })

  it('refuses to delete a product a key carries, naming the app and the key', async () => {
    expect(await failure(() => services['products.delete']({ name: 'Product_One' }))).toEqual({
      code: 'referenced',
      message: "Product_One is used by App_One's key app-one-key"
    })
  })
})

describe('developers', () => {
  it('creates a developer with an id from the e-mail and refuses the same e-mail in another case', async () => {
    const created = await services['developers.create']({ developer: { email: 'new.dev@sample.example', firstName: 'New' } })
    expect(created).toEqual({ developerId: 'new-dev', email: 'new.dev@sample.example', firstName: 'New', lastName: '', userName: '', status: 'active', attributes: [] })
    expect(await failure(() => services['developers.create']({ developer: { email: 'NEW.DEV@sample.example' } }))).toMatchObject({
      code: 'conflict',
      message: 'Developer NEW.DEV@sample.example already exists'
    })
    expect(await failure(() => services['developers.create']({ developer: { email: 'not-an-email' } }))).toMatchObject({
      code: 'validation',
      issues: [{ field: 'developer.email', message: 'must be an e-mail address' }]
    })
  })

  it('changes an e-mail (apps follow, by id), never the id', async () => {
    await services['developers.update']({ email: 'dev.one@sample.example', patch: { email: 'one@sample.example' } })
    expect((await services['developers.get']({ email: 'ONE@sample.example' })).developerId).toBe('dev-one')
    expect(await failure(() => services['developers.update']({ email: 'one@sample.example', patch: { developerId: 'x' } }))).toMatchObject({
      code: 'validation',
      issues: [{ field: 'patch.developerId', message: 'cannot change: apps refer to their developer by id' }]
    })
  })

  it('activates and deactivates', async () => {
    expect((await services['developers.setStatus']({ email: 'dev.two@sample.example', status: 'inactive' })).status).toBe('inactive')
    expect(store.read().developers[1]!.status).toBe('inactive')
    expect((await services['developers.setStatus']({ email: 'dev.two@sample.example', status: 'active' })).status).toBe('active')
  })

  it('refuses to delete a developer who still has apps', async () => {
    expect(await failure(() => services['developers.delete']({ email: 'dev.one@sample.example' }))).toEqual({
      code: 'referenced',
      message: 'Developer dev.one@sample.example is used by apps App_One, App_Three; delete them first'
    })
    await services['apps.delete']({ app: 'App_Two' })
    await services['developers.delete']({ email: 'dev.two@sample.example' })
    expect(store.read().developers.map((d) => d.email)).toEqual(['dev.one@sample.example'])
  })
})

describe('apps and keys', () => {
  it('creates an app with one generated key: CSPRNG key and secret, auto products approved, manual pending', async () => {
    const app = await services['apps.create']({
      app: { name: 'App_Four', developerEmail: 'DEV.TWO@sample.example', apiProducts: ['Product_One', 'Product_Manual'], keyExpiresIn: 60_000 }
    })
    expect(app).toMatchObject({ appId: 'app-four', name: 'App_Four', developerId: 'dev-two', status: 'approved', createdAt: NOW })
    expect(app.credentials).toHaveLength(1)
    const key = app.credentials[0]!
    expect(key.consumerKey).toMatch(/^[A-Za-z0-9]{48}$/)
    // The secret is masked in every answer; revealing it on purpose gives the CSPRNG one.
    expect(key.consumerSecret).toBe('********')
    expect((await services['apps.revealSecret']({ app: 'App_Four', consumerKey: key.consumerKey })).consumerSecret).toMatch(/^[A-Za-z0-9]{64}$/)
    expect(key).toMatchObject({
      status: 'approved',
      issuedAt: NOW,
      expiresAt: NOW + 60_000,
      apiProducts: [
        { apiproduct: 'Product_One', status: 'approved' },
        { apiproduct: 'Product_Manual', status: 'pending' }
      ]
    })
  })

  it('creates an app with explicit keys', async () => {
    const app = await services['apps.create']({
      app: { name: 'App_Five', developerId: 'dev-one', credentials: [{ consumerKey: 'five-key', consumerSecret: 'five-secret', apiProducts: ['Product_Manual'] }] }
    })
    expect(app.credentials).toEqual([
      { consumerKey: 'five-key', consumerSecret: '********', status: 'approved', issuedAt: NOW, expiresAt: -1, apiProducts: [{ apiproduct: 'Product_Manual', status: 'pending' }], scopes: [], attributes: [] }
    ])
    expect(await services['apps.revealSecret']({ app: 'App_Five', consumerKey: 'five-key' })).toEqual({ consumerSecret: 'five-secret' })
  })

  it.each([
    {
      name: 'a missing product',
      app: { name: 'App_Four', developerId: 'dev-one', apiProducts: ['Product_X'] },
      error: { code: 'validation', message: 'Product Product_X does not exist', issues: [{ field: 'app.apiProducts.0', message: 'Product Product_X does not exist' }] }
    },
    {
      name: 'a missing developer',
      app: { name: 'App_Four', developerEmail: 'nobody@sample.example' },
      error: { code: 'validation', issues: [{ field: 'app.developerEmail', message: 'Developer nobody@sample.example does not exist' }] }
    },
    { name: 'no developer at all', app: { name: 'App_Four' }, error: { code: 'validation', issues: [{ field: 'app.developerId', message: 'is required (or developerEmail)' }] } },
    { name: 'an existing name', app: { name: 'App_One', developerId: 'dev-one' }, error: { code: 'conflict', message: 'App App_One already exists' } },
    {
      name: 'a consumer key another app has',
      app: { name: 'App_Four', developerId: 'dev-one', credentials: [{ consumerKey: 'app-one-key', consumerSecret: 's' }] },
      error: { code: 'conflict', message: 'Consumer key app-one-key is already used by app App_One' }
    },
    { name: 'a bad name', app: { name: 'App Four', developerId: 'dev-one' }, error: { code: 'validation', issues: [{ field: 'app.name', message: 'may contain only letters, digits, ".", "_" and "-"' }] } }
  ])('refuses an app with $name', async ({ app, error }) => {
    expect(await failure(() => services['apps.create']({ app }))).toMatchObject(error)
    expect(store.read().apps).toHaveLength(3)
  })

  it('expires a generated key exactly its lifetime after its issue time, even on a running clock', async () => {
    let tick = NOW
    const running = createWorkspaceServices({ store, now: () => tick++, deployments, sampleFile: SAMPLE_FILE, randomBytes: (n) => new Uint8Array(randomBytes(n)) })
    const key = (await running['apps.generateCredential']({ app: 'App_One', expiresInSeconds: 3600 })).credentials[1]!
    expect(key.expiresAt - key.issuedAt).toBe(3_600_000)
  })

  it('generates another key with an expiry and products', async () => {
    const app = await services['apps.generateCredential']({ app: 'App_One', expiresInSeconds: 3600, products: ['Product_Manual', 'Product_Two'] })
    expect(app.credentials).toHaveLength(2)
    expect(app.credentials[1]).toMatchObject({
      expiresAt: NOW + 3_600_000,
      apiProducts: [
        { apiproduct: 'Product_Manual', status: 'pending' },
        { apiproduct: 'Product_Two', status: 'approved' }
      ]
    })
    expect(app.credentials[1]!.consumerKey).not.toBe(app.credentials[0]!.consumerKey)
    const never = await services['apps.generateCredential']({ app: 'App_One' })
    expect(never.credentials[2]).toMatchObject({ expiresAt: -1, apiProducts: [] })
    expect(await failure(() => services['apps.generateCredential']({ app: 'App_One', expiresInSeconds: 0 }))).toMatchObject({
      code: 'validation',
      issues: [{ field: 'expiresInSeconds', message: 'must be a positive number of seconds, or -1 for a key that never expires' }]
    })
    expect(await failure(() => services['apps.generateCredential']({ app: 'App_One', products: ['Product_X'] }))).toMatchObject({
      code: 'validation',
      message: 'Product Product_X does not exist'
    })
  })

  it('adds products to a key (auto approved, manual pending) and keeps the status of one already there', async () => {
    await services['apps.setProductStatus']({ app: 'App_One', consumerKey: 'app-one-key', product: 'Product_One', status: 'revoked' })
    const app = await services['apps.addProducts']({ app: 'App_One', consumerKey: 'app-one-key', products: ['Product_One', 'Product_Manual', 'Product_Two'] })
    expect(app.credentials[0]!.apiProducts).toEqual([
      { apiproduct: 'Product_One', status: 'revoked' },
      { apiproduct: 'Product_Manual', status: 'pending' },
      { apiproduct: 'Product_Two', status: 'approved' }
    ])
  })

  it('approves the pending product of App_Three, then revokes and removes it', async () => {
    const approved = await services['apps.setProductStatus']({ app: 'App_Three', consumerKey: 'app-three-key', product: 'Product_Manual', status: 'approved' })
    expect(approved.credentials[0]!.apiProducts).toEqual([{ apiproduct: 'Product_Manual', status: 'approved' }])
    await services['apps.setProductStatus']({ app: 'App_Three', consumerKey: 'app-three-key', product: 'Product_Manual', status: 'revoked' })
    expect(store.read().apps[2]!.credentials[0]!.apiProducts[0]!.status).toBe('revoked')
    const removed = await services['apps.removeProduct']({ app: 'App_Three', consumerKey: 'app-three-key', product: 'Product_Manual' })
    expect(removed.credentials[0]!.apiProducts).toEqual([])
    expect(await failure(() => services['apps.removeProduct']({ app: 'App_Three', consumerKey: 'app-three-key', product: 'Product_Manual' }))).toEqual({
      code: 'not-found',
      message: "Product Product_Manual is not on App_Three's key app-three-key"
    })
  })

  it('revokes and approves an app and a key; deletes a key', async () => {
    expect((await services['apps.setStatus']({ app: 'App_One', status: 'revoked' })).status).toBe('revoked')
    expect((await services['apps.setStatus']({ app: 'App_One', status: 'approved' })).status).toBe('approved')
    const revoked = await services['apps.setCredentialStatus']({ app: 'App_One', consumerKey: 'app-one-key', status: 'revoked' })
    expect(revoked.credentials[0]!.status).toBe('revoked')
    expect((await services['apps.deleteCredential']({ app: 'App_One', consumerKey: 'app-one-key' })).credentials).toEqual([])
    expect(await failure(() => services['apps.deleteCredential']({ app: 'App_One', consumerKey: 'app-one-key' }))).toEqual({
      code: 'not-found',
      message: 'App App_One has no key app-one-key'
    })
    expect(await failure(() => services['apps.setStatus']({ app: 'App_X', status: 'revoked' }))).toEqual({ code: 'not-found', message: 'App App_X does not exist' })
  })

  it('renames an app and its callback; refuses key and owner changes through update', async () => {
    const app = await services['apps.update']({ app: 'App_One', patch: { name: 'App_Uno', callbackUrl: 'https://uno.sample.example/cb' } })
    expect(app).toMatchObject({ appId: 'app-one', name: 'App_Uno', callbackUrl: 'https://uno.sample.example/cb' })
    expect((await services['apps.get']({ app: 'App_Uno' })).credentials[0]!.consumerKey).toBe('app-one-key')
    expect(await failure(() => services['apps.update']({ app: 'App_Uno', patch: { credentials: [], developerId: 'dev-two' } }))).toMatchObject({
      code: 'validation',
      issues: [
        { field: 'patch.credentials', message: expect.stringContaining('use apps.generateCredential') },
        { field: 'patch.developerId', message: 'cannot change: an app stays with the developer that created it' }
      ]
    })
    expect(await failure(() => services['apps.update']({ app: 'App_Uno', patch: { name: 'App_Two' } }))).toMatchObject({ code: 'conflict', message: 'App App_Two already exists' })
  })
})

describe('workspace', () => {
  it('describes itself', async () => {
    expect(await services['workspace.info']({})).toEqual({
      dataDir: store.dataDir,
      workspaceFile: store.workspaceFile,
      tokensFile: store.tokensFile,
      organization: { name: 'sample', displayName: 'Sample organization ("no apiproduct match" article)', tokenCacheSeconds: 0 },
      revision: 0,
      problems: []
    })
  })

  it('exports and imports the whole workspace', async () => {
    const exported = await services['workspace.export']({})
    exported.organization.displayName = 'Imported'
    const info = await services['workspace.import']({ workspace: exported })
    expect(info.organization.displayName).toBe('Imported')
    expect(info.revision).toBe(1)
    expect(await services['workspace.export']({})).toEqual(exported)
  })

  it('refuses a bad import with the field named, and keeps what was saved', async () => {
    await store.flush()
    const before = await readFile(store.workspaceFile, 'utf-8')
    const bad = structuredClone(store.read()) as unknown as { environments: Array<{ port: unknown }> }
    bad.environments[0]!.port = 'ninety'
    expect(await failure(() => services['workspace.import']({ workspace: bad }))).toMatchObject({
      code: 'validation',
      issues: [{ field: 'workspace.environments.0.port', message: expect.any(String) }]
    })
    expect(await failure(() => services['workspace.import']({ workspace: { schemaVersion: 9, organization: { name: 'x' } } }))).toMatchObject({
      code: 'validation',
      issues: [{ field: 'workspace.schemaVersion', message: expect.stringContaining('newer Gatelab') }]
    })
    const dangling = structuredClone(store.read())
    dangling.apps[0]!.developerId = 'dev-x'
    expect(await failure(() => services['workspace.import']({ workspace: dangling }))).toEqual({
      code: 'validation',
      message: 'Developer dev-x does not exist',
      issues: [{ field: 'workspace.apps.0.developerId', message: 'Developer dev-x does not exist' }]
    })
    expect(store.revision).toBe(0)
    await store.flush()
    expect(await readFile(store.workspaceFile, 'utf-8')).toBe(before)
  })

  it('imports an old (version 0) export through the migrations', async () => {
    const old: unknown = JSON.parse(await readFile(join(FIXTURES, 'workspace-v0.json'), 'utf-8'))
    const info = await services['workspace.import']({ workspace: old })
    expect(info.organization.name).toBe('legacy')
    expect(store.read().apps[0]!.credentials[0]!.apiProducts).toEqual([{ apiproduct: 'Product_Old', status: 'approved' }])
  })

  it('goes back to the sample', async () => {
    await services['apps.delete']({ app: 'App_One' })
    await services['organization.update']({ patch: { displayName: 'Changed' } })
    const info = await services['workspace.resetToSample']({})
    expect(info.organization.displayName).toBe('Sample organization ("no apiproduct match" article)')
    expect(store.read().apps.map((a) => a.name)).toEqual(['App_One', 'App_Two', 'App_Three'])
  })

  it('updates the organization and validates the patch', async () => {
    expect(await services['organization.update']({ patch: { displayName: 'Org', tokenCacheSeconds: 180 } })).toEqual({
      name: 'sample',
      displayName: 'Org',
      tokenCacheSeconds: 180
    })
    expect(await failure(() => services['organization.update']({ patch: { name: 'has space' } }))).toMatchObject({
      code: 'validation',
      issues: [{ field: 'patch.name', message: 'may contain only letters, digits, ".", "_" and "-"' }]
    })
  })
})
