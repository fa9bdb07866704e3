import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConsoleError } from '../../../src/shared/contract'
import { openStore, type WorkspaceStore } from '../../../src/main/store'
import { createWorkspaceServices, type WorkspaceServices } from '../../../src/main/services/workspace'
import { NOW, SAMPLE_FILE, tempDir } from '../store/helpers'

const EMULATOR = fileURLToPath(new URL('./fixtures/emulator/', import.meta.url))
const readBundle = async () => ({
  products: JSON.parse(await readFile(join(EMULATOR, 'products.json'), 'utf-8')) as unknown,
  developers: JSON.parse(await readFile(join(EMULATOR, 'developers.json'), 'utf-8')) as unknown,
  developerapps: JSON.parse(await readFile(join(EMULATOR, 'developerapps.json'), 'utf-8')) as unknown
})

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

const errorOf = async (call: () => unknown): Promise<ReturnType<ConsoleError['toData']>> => {
  try {
    await call()
  } catch (error) {
    if (error instanceof ConsoleError) return error.toData()
    throw error
  }
  throw new Error('expected a ConsoleError')
}

describe('Apigee Emulator test bundle', () => {
  it('exports products, developers and developer apps as management API resources', async () => {
    const bundle = await services['workspace.exportEmulator']({ includeSecrets: true })
    const apps = bundle.developerapps as Array<Record<string, unknown>>
    expect(apps[0]).toEqual({
      name: 'App_One',
      appId: 'app-one',
      developerEmail: 'dev.one@sample.example',
      developerId: 'dev-one',
      callbackUrl: 'https://app_one.sample.example/callback',
      status: 'approved',
      createdAt: NOW,
      expiryType: 'never',
      apiProducts: ['Product_One'],
      credentials: [
        {
          consumerKey: 'app-one-key',
          consumerSecret: 'app-one-secret',
          status: 'approved',
          issuedAt: NOW,
          expiresAt: -1,
          apiProducts: [{ apiproduct: 'Product_One', status: 'approved' }],
          scopes: [],
          attributes: []
        }
      ],
      scopes: [],
      attributes: []
    })
    expect((bundle.developers as unknown[])[1]).toEqual({
      email: 'dev.two@sample.example',
      developerId: 'dev-two',
      firstName: 'Dev',
      lastName: 'Two',
      userName: 'Dev_Two',
      status: 'active',
      attributes: []
    })
    expect((bundle.products as Array<{ name: string }>).map((p) => p.name)).toEqual(['Product_One', 'Product_Two', 'Product_Manual'])
  })

  it('round-trips: exported files imported into a workspace without those entities give them back unchanged', async () => {
    const original = structuredClone(store.read())
    const files = JSON.parse(JSON.stringify(await services['workspace.exportEmulator']({ includeSecrets: true }))) as Record<string, unknown>
    store.update((draft) => {
      draft.apps = []
      draft.developers = []
      draft.apiProducts = []
    })
    const info = await services['workspace.importEmulator'](files)
    expect(info.revision).toBe(2)
    const back = store.read()
    expect(back.apiProducts).toEqual(original.apiProducts)
    expect(back.developers).toEqual(original.developers)
    expect(back.apps).toEqual(original.apps)
    expect(await services['workspace.exportEmulator']({ includeSecrets: true })).toEqual(files)
  })

  it('imports files written by Cloud Code or other tools, merging into the workspace', async () => {
    await services['workspace.importEmulator'](await readBundle())
    const ws = store.read()
    expect(ws.apiProducts.map((p) => p.name)).toEqual(['Product_One', 'Product_Two', 'Product_Manual', 'Partner_Product'])
    expect(ws.apiProducts[3]).toEqual({
      name: 'Partner_Product',
      displayName: 'Partner product',
      description: '',
      approvalType: 'auto',
      environments: ['test'],
      proxies: ['API_Two'],
      apiResources: ['/', '/**'],
      scopes: [],
      attributes: [{ name: 'access', value: 'public' }],
      quota: '100',
      quotaInterval: '1',
      quotaTimeUnit: 'minute'
    })
    expect(ws.developers[2]).toEqual({
      developerId: 'partner',
      email: 'partner@partner.example',
      firstName: 'Pat',
      lastName: 'Partner',
      userName: 'partner',
      status: 'active',
      attributes: [{ name: 'costCenter', value: 'CC-42' }]
    })
    const partnerApp = ws.apps.find((a) => a.name === 'partner-app')!
    expect(partnerApp).toEqual({
      appId: 'partner-app',
      name: 'partner-app',
      developerId: 'partner',
      callbackUrl: 'https://partner.example/callback',
      status: 'approved',
      attributes: [{ name: 'DisplayName', value: 'Partner App' }],
      scopes: [],
      createdAt: NOW,
      credentials: [
        {
          consumerKey: 'partner-key',
          consumerSecret: 'partner-secret',
          status: 'approved',
          issuedAt: NOW,
          expiresAt: -1,
          apiProducts: [{ apiproduct: 'Partner_Product', status: 'approved' }],
          scopes: [],
          attributes: []
        }
      ]
    })
    // An app listed with products and no key gets a generated one; a manual product starts pending.
    const keyless = ws.apps.find((a) => a.name === 'keyless-app')!
    expect(keyless.developerId).toBe('dev-one')
    expect(keyless.credentials).toHaveLength(1)
    expect(keyless.credentials[0]!.consumerKey).toMatch(/^[A-Za-z0-9]{48}$/)
    expect(keyless.credentials[0]!.apiProducts).toEqual([{ apiproduct: 'Product_Manual', status: 'pending' }])
    expect((await services['workspace.exportEmulator']({})).developerapps).toContainEqual(expect.objectContaining({ name: 'partner-app', displayName: 'Partner App' }))
  })

  it("accepts Apigee's list wrappers ({\"apiProduct\": [...]})", async () => {
    const { products, developers, developerapps } = await readBundle()
    await services['workspace.importEmulator']({ products: { apiProduct: products }, developers: { developer: developers }, developerapps: { app: developerapps } })
    expect(store.read().apps.map((a) => a.name)).toEqual(['App_One', 'App_Two', 'App_Three', 'partner-app', 'keyless-app'])
  })

  it.each([
    {
      name: 'a product in an environment the workspace lacks',
      change: (b: Record<string, any>) => (b.products[0].environments = ['eval']),
      error: {
        code: 'validation',
        message: 'Invalid Apigee Emulator bundle: products.0.environments.0: Environment eval does not exist',
        issues: [{ field: 'products.0.environments.0', message: 'Environment eval does not exist' }]
      }
    },
    {
      name: 'an app of an unknown developer',
      change: (b: Record<string, any>) => (b.developerapps[0].developerEmail = 'ghost@partner.example'),
      error: { code: 'validation', issues: [{ field: 'developerapps.0.developerEmail', message: 'Developer ghost@partner.example does not exist' }] }
    },
    {
      name: 'a key with an unknown product',
      change: (b: Record<string, any>) => (b.developerapps[0].credentials[0].apiProducts[0].apiproduct = 'Product_X'),
      error: { code: 'validation', issues: [{ field: 'developerapps.0.credentials.0.apiProducts.0', message: 'Product Product_X does not exist' }] }
    },
    {
      name: 'a developer without a valid e-mail',
      change: (b: Record<string, any>) => (b.developers[0].email = 'partner'),
      error: { code: 'validation', issues: [{ field: 'developers.0.email', message: 'must be an e-mail address' }] }
    },
    {
      name: 'a file that is not a list',
      change: (b: Record<string, any>) => (b.products = 'oops'),
      error: { code: 'validation', message: 'Invalid products: must be a JSON array of resources' }
    },
    {
      name: 'a consumer key already used by another app',
      change: (b: Record<string, any>) => (b.developerapps[0].credentials[0].consumerKey = 'app-one-key'),
      error: { code: 'conflict', message: 'Consumer key app-one-key is already used by app App_One' }
    }
  ])('refuses $name and keeps the workspace', async ({ change, error }) => {
    const bundle = (await readBundle()) as Record<string, any>
    change(bundle)
    const before = store.read()
    expect(await errorOf(() => services['workspace.importEmulator'](bundle))).toMatchObject(error)
    expect(store.read()).toBe(before)
    expect(store.revision).toBe(0)
  })
})
