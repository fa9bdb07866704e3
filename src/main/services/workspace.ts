/**
 * The workspace services: every `workspace.*`, `organization.update`, `environments.*`, `proxies.*`,
 * `products.*`, `developers.*` and `apps.*` method of the console contract. Each change goes through
 * `store.update`, which validates the whole workspace and saves it; the engine redeploys on the store's
 * change event, so nothing here calls the engine.
 *
 * Renames cascade: renaming an environment, proxy or product through `update` rewrites every reference
 * to it (proxy and product environments, product proxies and operation sources, credential products).
 * Developers and apps are referenced by id (`developerId`), so changing an e-mail or an app name needs
 * no cascade.
 */
import { z } from 'zod'
import { ConsoleError, type ConsoleServices, type WorkspaceInfo } from '../../shared/contract'
import type { ProxyDeployment } from '../../shared/deployment'
import {
  apiProductSchema,
  apiProxySchema,
  attributeSchema,
  developerAppSchema,
  developerSchema,
  entityName,
  environmentSchema,
  organizationSchema,
  type ApiProduct,
  type ApiProxy,
  type Credential,
  type Developer,
  type DeveloperApp,
  type Environment,
  type Workspace
} from '../../shared/model'
import { loadSample, migrateWorkspace, MigrationError, validateWorkspace, type WorkspaceStore } from '../store'
import {
  alreadyExists,
  checkPatchKeys,
  CONSUMER_KEY_LENGTH,
  CONSUMER_SECRET_LENGTH,
  credentialInputSchema,
  credentialProductFor,
  invalid,
  mergePatch,
  notFound,
  parseInput,
  randomAlphanumeric,
  resolveProducts,
  slug,
  uniqueId
} from './entities'
import { mergeEmulatorBundle, toEmulatorBundle } from './emulator'
import { maskApp, maskEnvironment, maskWorkspace, placeholderMessage, restoreVariables, restoreWorkspaceSecrets } from './secrets'
import { isMaskedSecret } from '../../shared/secrets'

export interface WorkspaceServiceDeps {
  store: WorkspaceStore
  now: () => number
  /** The engine's current deployments (the composition root passes engine.deployments). */
  deployments: (proxy?: string) => ProxyDeployment[]
  /** Path of the bundled sample (for workspace.resetToSample). */
  sampleFile: string
  randomBytes: (n: number) => Uint8Array
}

export const workspaceMethodNames = [
  'workspace.info',
  'workspace.export',
  'workspace.import',
  'workspace.exportEmulator',
  'workspace.importEmulator',
  'workspace.resetToSample',
  'organization.update',
  'environments.list',
  'environments.get',
  'environments.create',
  'environments.update',
  'environments.delete',
  'environments.revealVariable',
  'proxies.list',
  'proxies.get',
  'proxies.create',
  'proxies.update',
  'proxies.delete',
  'proxies.deploy',
  'proxies.undeploy',
  'proxies.deployments',
  'products.list',
  'products.get',
  'products.create',
  'products.update',
  'products.delete',
  'developers.list',
  'developers.get',
  'developers.create',
  'developers.update',
  'developers.delete',
  'developers.setStatus',
  'apps.list',
  'apps.get',
  'apps.create',
  'apps.update',
  'apps.delete',
  'apps.setStatus',
  'apps.generateCredential',
  'apps.deleteCredential',
  'apps.setCredentialStatus',
  'apps.addProducts',
  'apps.setProductStatus',
  'apps.removeProduct',
  'apps.revealSecret'
] as const
export type WorkspaceMethodName = (typeof workspaceMethodNames)[number]
export type WorkspaceServices = Pick<ConsoleServices, WorkspaceMethodName>

/** The entity names `onChange` reports: the collection that changed. */
export type ChangedEntity = 'workspace' | 'organization' | 'environments' | 'proxies' | 'apiProducts' | 'developers' | 'apps'

// ---- input schemas (create): the entity's fields; generated ones (ids, timestamps, keys) are optional
const environmentInput = environmentSchema.strict()
const proxyInput = apiProxySchema.strict()
const productInput = apiProductSchema.strict()
const developerInput = developerSchema.extend({ developerId: z.string().min(1, 'is required').optional() }).strict()
const credentialInput = credentialInputSchema.strict()
const appInput = z
  .object({
    name: entityName,
    appId: z.string().min(1).optional(),
    /** The owner, by id or by e-mail (Apigee's management API creates apps under /developers/{email}). */
    developerId: z.string().min(1).optional(),
    developerEmail: z.string().min(1).optional(),
    callbackUrl: z.string().default(''),
    status: z.enum(['approved', 'revoked']).default('approved'),
    attributes: z.array(attributeSchema).default([]),
    scopes: z.array(z.string()).default([]),
    /** Products of the generated key (ignored when `credentials` is given). */
    apiProducts: z.array(z.string().min(1)).default([]),
    /** Lifetime of the generated key in ms, -1 = never (Apigee's keyExpiresIn). */
    keyExpiresIn: z.number().int().min(-1).optional(),
    /** Explicit keys (e.g. fixed test keys); when absent one key is generated. */
    credentials: z.array(credentialInput).optional()
  })
  .strict()

const keysOf = (schema: z.ZodObject): string[] => Object.keys(schema.shape)

/** Builds the workspace services over `deps.store`. */
export function createWorkspaceServices(deps: WorkspaceServiceDeps): WorkspaceServices {
  const { store, now } = deps
  const ws = (): Workspace => store.read()
  const copy = <T>(value: T): T => structuredClone(value)

  const info = (): WorkspaceInfo => ({
    dataDir: store.dataDir,
    workspaceFile: store.workspaceFile,
    tokensFile: store.tokensFile,
    organization: copy(ws().organization),
    revision: store.revision,
    problems: store.problems()
  })

  // ---- lookups
  const environmentIndex = (w: Workspace, name: string): number => {
    const i = w.environments.findIndex((e) => e.name === name)
    if (i < 0) throw notFound('environment', name)
    return i
  }
  const proxyIndex = (w: Workspace, name: string): number => {
    const i = w.proxies.findIndex((p) => p.name === name)
    if (i < 0) throw notFound('proxy', name)
    return i
  }
  const productIndex = (w: Workspace, name: string): number => {
    const i = w.apiProducts.findIndex((p) => p.name === name)
    if (i < 0) throw notFound('product', name)
    return i
  }
  const developerIndex = (w: Workspace, email: string): number => {
    const wanted = email.toLowerCase()
    const i = w.developers.findIndex((d) => d.email.toLowerCase() === wanted)
    if (i < 0) throw notFound('developer', email)
    return i
  }
  const appIndex = (w: Workspace, name: string): number => {
    const i = w.apps.findIndex((a) => a.name === name)
    if (i < 0) throw notFound('app', name)
    return i
  }
  const credentialOf = (app: DeveloperApp, consumerKey: string): Credential => {
    const credential = app.credentials.find((c) => c.consumerKey === consumerKey)
    if (!credential) throw new ConsoleError('not-found', `App ${app.name} has no key ${consumerKey}`)
    return credential
  }

  /** Runs `change` on a draft of the app `name` and returns the saved app (secrets masked). */
  const updateApp = (name: string, change: (app: DeveloperApp, draft: Workspace) => void): DeveloperApp => {
    let newName = name
    const saved = store.update((draft) => {
      const app = draft.apps[appIndex(draft, name)]!
      change(app, draft)
      newName = app.name
    }, 'apps')
    return maskApp(copy(saved.apps[appIndex(saved, newName)]!))
  }

  /** A new key pair; `lifetimeMs` > 0 expires it that long after its issue time (one clock reading for both). */
  const newCredential = (products: ApiProduct[], lifetimeMs: number | undefined): Credential => {
    const issuedAt = now()
    return {
      consumerKey: randomAlphanumeric(CONSUMER_KEY_LENGTH, deps.randomBytes),
      consumerSecret: randomAlphanumeric(CONSUMER_SECRET_LENGTH, deps.randomBytes),
      status: 'approved',
      issuedAt,
      expiresAt: lifetimeMs !== undefined && lifetimeMs > 0 ? issuedAt + lifetimeMs : -1,
      apiProducts: products.map(credentialProductFor),
      scopes: [],
      attributes: []
    }
  }

  const defaultEndpoints = (proxy: ApiProxy): void => {
    // A proxy created with only a name and a base path deploys at once: one ProxyEndpoint routing to the echo target.
    if (Object.keys(proxy.proxyEndpoints).length > 0 || Object.keys(proxy.targetEndpoints).length > 0) return
    proxy.proxyEndpoints = {
      default: [
        '<ProxyEndpoint name="default">',
        '  <PreFlow name="PreFlow">',
        '    <Request/>',
        '    <Response/>',
        '  </PreFlow>',
        '  <Flows/>',
        '  <PostFlow name="PostFlow">',
        '    <Request/>',
        '    <Response/>',
        '  </PostFlow>',
        '  <HTTPProxyConnection>',
        `    <BasePath>${proxy.basePath}</BasePath>`,
        '  </HTTPProxyConnection>',
        '  <RouteRule name="default">',
        '    <TargetEndpoint>default</TargetEndpoint>',
        '  </RouteRule>',
        '</ProxyEndpoint>',
        ''
      ].join('\n')
    }
    proxy.targetEndpoints = {
      default: ['<TargetEndpoint name="default">', '  <HTTPTargetConnection>', '    <URL>echo://</URL>', '  </HTTPTargetConnection>', '</TargetEndpoint>', ''].join(
        '\n'
      )
    }
  }

  const importWorkspace = (raw: unknown): WorkspaceInfo => {
    let data: unknown
    try {
      data = migrateWorkspace(raw).data
    } catch (error) {
      if (!(error instanceof MigrationError)) throw error
      const field = error.reason === 'not-an-object' ? 'workspace' : 'workspace.schemaVersion'
      throw invalid('workspace', [{ field, message: error.message }])
    }
    // A masked export keeps the secrets stored here (see ./secrets).
    store.replace(restoreWorkspaceSecrets(validateWorkspace(data, 'workspace', 'workspace'), ws()), 'workspace')
    return info()
  }

  const services: WorkspaceServices = {
    // ---- workspace
    'workspace.info': () => info(),
    'workspace.export': ({ includeSecrets }) => (includeSecrets ? copy(ws()) : maskWorkspace(copy(ws()))),
    'workspace.import': ({ workspace }) => importWorkspace(workspace),
    'workspace.exportEmulator': ({ includeSecrets }) => toEmulatorBundle(includeSecrets ? ws() : maskWorkspace(ws())),
    'workspace.importEmulator': (bundle) => {
      store.replace(restoreWorkspaceSecrets(mergeEmulatorBundle(ws(), bundle, { now: now(), randomBytes: deps.randomBytes }), ws()), 'workspace')
      return info()
    },
    'workspace.resetToSample': async () => {
      store.replace(await loadSample(deps.sampleFile, now()), 'workspace')
      return info()
    },
    'organization.update': ({ patch }) => {
      const saved = store.update((draft) => {
        draft.organization = parseInput(organizationSchema, mergePatch(draft.organization, patch), 'organization', 'patch')
      }, 'organization')
      return copy(saved.organization)
    },

    // ---- environments
    'environments.list': () => copy(ws().environments).map(maskEnvironment),
    'environments.get': ({ name }) => maskEnvironment(copy(ws().environments[environmentIndex(ws(), name)]!)),
    'environments.revealVariable': ({ name, variable }) => {
      const environment = ws().environments[environmentIndex(ws(), name)]!
      const found = environment.variables.find((v) => v.name === variable)
      if (!found) throw new ConsoleError('not-found', `Environment ${name} has no variable ${variable}`)
      return { value: found.value }
    },
    'environments.create': ({ environment }) => {
      const created = parseInput(environmentInput, environment, 'environment', 'environment')
      const placeholders = restoreVariables(created.variables, undefined, 'environment.variables').issues
      if (placeholders.length > 0) throw invalid('environment', placeholders)
      const saved = store.update((draft) => {
        if (draft.environments.some((e) => e.name === created.name)) throw alreadyExists('environment', created.name, 'environment.name')
        draft.environments.push(created)
      }, 'environments')
      return maskEnvironment(copy(saved.environments[environmentIndex(saved, created.name)]!))
    },
    'environments.update': ({ name, patch }) => {
      checkPatchKeys(patch, keysOf(environmentSchema), {}, 'environment')
      let newName = name
      const saved = store.update((draft) => {
        const i = environmentIndex(draft, name)
        const next: Environment = parseInput(environmentSchema, mergePatch(draft.environments[i], patch), 'environment', 'patch')
        // Secret values come back as the placeholder the console showed: each keeps its stored value.
        const restored = restoreVariables(next.variables, draft.environments[i]!.variables, 'patch.variables')
        if (restored.issues.length > 0) throw invalid('environment', restored.issues)
        next.variables = restored.variables
        newName = next.name
        if (next.name !== name) {
          if (draft.environments.some((e) => e.name === next.name)) throw alreadyExists('environment', next.name, 'patch.name')
          const rename = (list: string[]): string[] => list.map((e) => (e === name ? next.name : e))
          for (const proxy of draft.proxies) proxy.environments = rename(proxy.environments)
          for (const product of draft.apiProducts) product.environments = rename(product.environments)
        }
        draft.environments[i] = next
      }, 'environments')
      return maskEnvironment(copy(saved.environments[environmentIndex(saved, newName)]!))
    },
    'environments.delete': ({ name }) => {
      store.update((draft) => {
        const i = environmentIndex(draft, name)
        const users = [
          ...draft.proxies.filter((p) => p.environments.includes(name)).map((p) => `API proxy ${p.name} (deployed there)`),
          ...draft.apiProducts.filter((p) => p.environments.includes(name)).map((p) => `product ${p.name}`)
        ]
        if (users.length > 0) throw new ConsoleError('referenced', `Environment ${name} is used by ${users.join(', ')}`)
        draft.environments.splice(i, 1)
      }, 'environments')
    },

    // ---- proxies
    'proxies.list': () => copy(ws().proxies),
    'proxies.get': ({ name }) => copy(ws().proxies[proxyIndex(ws(), name)]!),
    'proxies.create': ({ proxy }) => {
      const created = parseInput(proxyInput, proxy, 'API proxy', 'proxy')
      defaultEndpoints(created)
      const saved = store.update((draft) => {
        if (draft.proxies.some((p) => p.name === created.name)) throw alreadyExists('proxy', created.name, 'proxy.name')
        const missing = created.environments.filter((e) => !draft.environments.some((env) => env.name === e))
        if (missing.length > 0)
          throw invalid('API proxy', missing.map((e) => ({ field: `proxy.environments.${created.environments.indexOf(e)}`, message: `Environment ${e} does not exist` })))
        draft.proxies.push(created)
      }, 'proxies')
      return copy(saved.proxies[proxyIndex(saved, created.name)]!)
    },
    'proxies.update': ({ name, patch }) => {
      checkPatchKeys(patch, keysOf(apiProxySchema), {}, 'API proxy')
      let newName = name
      const saved = store.update((draft) => {
        const i = proxyIndex(draft, name)
        const before = draft.proxies[i]!
        const next: ApiProxy = parseInput(apiProxySchema, mergePatch(before, patch), 'API proxy', 'patch')
        newName = next.name
        if (next.basePath !== before.basePath && !('proxyEndpoints' in patch)) {
          // The endpoint XML's <BasePath> wins at deployment, so a base path edit must reach it too.
          const from = `<BasePath>${before.basePath}</BasePath>`
          for (const [endpoint, xml] of Object.entries(next.proxyEndpoints))
            next.proxyEndpoints[endpoint] = xml.split(from).join(`<BasePath>${next.basePath}</BasePath>`)
        }
        if (next.name !== name) {
          if (draft.proxies.some((p) => p.name === next.name)) throw alreadyExists('proxy', next.name, 'patch.name')
          for (const product of draft.apiProducts) {
            product.proxies = product.proxies.map((p) => (p === name ? next.name : p))
            for (const config of product.operationGroup?.operationConfigs ?? []) if (config.apiSource === name) config.apiSource = next.name
          }
        }
        draft.proxies[i] = next
      }, 'proxies')
      return copy(saved.proxies[proxyIndex(saved, newName)]!)
    },
    'proxies.delete': ({ name }) => {
      store.update((draft) => {
        const i = proxyIndex(draft, name)
        const users = draft.apiProducts
          .filter((p) => p.proxies.includes(name) || (p.operationGroup?.operationConfigs ?? []).some((c) => c.apiSource === name))
          .map((p) => `product ${p.name}`)
        if (users.length > 0) throw new ConsoleError('referenced', `API proxy ${name} is used by ${users.join(', ')}`)
        draft.proxies.splice(i, 1)
      }, 'proxies')
    },
    'proxies.deploy': ({ name, environment }) => {
      store.update((draft) => {
        const proxy = draft.proxies[proxyIndex(draft, name)]!
        environmentIndex(draft, environment)
        // Deploying again is a redeploy: the change event makes the engine compile the proxy anew.
        if (!proxy.environments.includes(environment)) proxy.environments.push(environment)
      }, 'proxies')
      return deps.deployments(name)
    },
    'proxies.undeploy': ({ name, environment }) => {
      store.update((draft) => {
        const proxy = draft.proxies[proxyIndex(draft, name)]!
        if (!proxy.environments.includes(environment)) throw new ConsoleError('not-found', `API proxy ${name} is not deployed to ${environment}`)
        proxy.environments = proxy.environments.filter((e) => e !== environment)
      }, 'proxies')
      return deps.deployments(name)
    },
    'proxies.deployments': ({ name }) => {
      if (name !== undefined) proxyIndex(ws(), name)
      return deps.deployments(name)
    },

    // ---- products
    'products.list': () => copy(ws().apiProducts),
    'products.get': ({ name }) => copy(ws().apiProducts[productIndex(ws(), name)]!),
    'products.create': ({ product }) => {
      const created = parseInput(productInput, product, 'product', 'product')
      const saved = store.update((draft) => {
        if (draft.apiProducts.some((p) => p.name === created.name)) throw alreadyExists('product', created.name, 'product.name')
        draft.apiProducts.push(created)
      }, 'apiProducts')
      return copy(saved.apiProducts[productIndex(saved, created.name)]!)
    },
    'products.update': ({ name, patch }) => {
      checkPatchKeys(patch, keysOf(apiProductSchema), {}, 'product')
      let newName = name
      const saved = store.update((draft) => {
        const i = productIndex(draft, name)
        const next: ApiProduct = parseInput(apiProductSchema, mergePatch(draft.apiProducts[i], patch), 'product', 'patch')
        newName = next.name
        if (next.name !== name) {
          if (draft.apiProducts.some((p) => p.name === next.name)) throw alreadyExists('product', next.name, 'patch.name')
          for (const app of draft.apps)
            for (const credential of app.credentials)
              for (const entry of credential.apiProducts) if (entry.apiproduct === name) entry.apiproduct = next.name
        }
        draft.apiProducts[i] = next
      }, 'apiProducts')
      return copy(saved.apiProducts[productIndex(saved, newName)]!)
    },
    'products.delete': ({ name }) => {
      store.update((draft) => {
        const i = productIndex(draft, name)
        const users = draft.apps.flatMap((app) =>
          app.credentials.filter((c) => c.apiProducts.some((p) => p.apiproduct === name)).map((c) => `${app.name}'s key ${c.consumerKey}`)
        )
        if (users.length > 0) throw new ConsoleError('referenced', `${name} is used by ${users.join(', ')}`)
        draft.apiProducts.splice(i, 1)
      }, 'apiProducts')
    },

    // ---- developers
    'developers.list': () => copy(ws().developers),
    'developers.get': ({ email }) => copy(ws().developers[developerIndex(ws(), email)]!),
    'developers.create': ({ developer }) => {
      const input = parseInput(developerInput, developer, 'developer', 'developer')
      let createdId = ''
      const saved = store.update((draft) => {
        if (draft.developers.some((d) => d.email.toLowerCase() === input.email.toLowerCase()))
          throw alreadyExists('developer', input.email, 'developer.email')
        const developerId = input.developerId ?? uniqueId(slug(input.email.split('@')[0] ?? input.email), draft.developers.map((d) => d.developerId))
        createdId = developerId
        const created: Developer = { ...input, developerId }
        draft.developers.push(created)
      }, 'developers')
      return copy(saved.developers.find((d) => d.developerId === createdId)!)
    },
    'developers.update': ({ email, patch }) => {
      checkPatchKeys(patch, keysOf(developerSchema), { developerId: 'cannot change: apps refer to their developer by id' }, 'developer')
      let developerId = ''
      const saved = store.update((draft) => {
        const i = developerIndex(draft, email)
        const before = draft.developers[i]!
        const next: Developer = parseInput(developerSchema, mergePatch(before, patch), 'developer', 'patch')
        if (next.email.toLowerCase() !== before.email.toLowerCase() && draft.developers.some((d) => d.email.toLowerCase() === next.email.toLowerCase()))
          throw alreadyExists('developer', next.email, 'patch.email')
        developerId = next.developerId
        draft.developers[i] = next
      }, 'developers')
      return copy(saved.developers.find((d) => d.developerId === developerId)!)
    },
    'developers.delete': ({ email }) => {
      store.update((draft) => {
        const i = developerIndex(draft, email)
        const developer = draft.developers[i]!
        const apps = draft.apps.filter((a) => a.developerId === developer.developerId).map((a) => a.name)
        if (apps.length > 0)
          throw new ConsoleError('referenced', `Developer ${developer.email} is used by ${apps.length === 1 ? 'app' : 'apps'} ${apps.join(', ')}; delete ${apps.length === 1 ? 'it' : 'them'} first`)
        draft.developers.splice(i, 1)
      }, 'developers')
    },
    'developers.setStatus': ({ email, status }) => {
      let developerId = ''
      const saved = store.update((draft) => {
        const developer = draft.developers[developerIndex(draft, email)]!
        developer.status = status
        developerId = developer.developerId
      }, 'developers')
      return copy(saved.developers.find((d) => d.developerId === developerId)!)
    },

    // ---- apps
    'apps.list': () => copy(ws().apps).map(maskApp),
    'apps.get': ({ app }) => maskApp(copy(ws().apps[appIndex(ws(), app)]!)),
    'apps.revealSecret': ({ app, consumerKey }) => {
      const found = ws().apps[appIndex(ws(), app)]!
      return { consumerSecret: credentialOf(found, consumerKey).consumerSecret }
    },
    'apps.create': ({ app }) => {
      const input = parseInput(appInput, app, 'app', 'app')
      const saved = store.update((draft) => {
        if (draft.apps.some((a) => a.name === input.name)) throw alreadyExists('app', input.name, 'app.name')
        let developer: Developer | undefined
        if (input.developerId !== undefined) {
          developer = draft.developers.find((d) => d.developerId === input.developerId)
          if (!developer) throw invalid('app', [{ field: 'app.developerId', message: `Developer ${input.developerId} does not exist` }])
        } else if (input.developerEmail !== undefined) {
          developer = draft.developers.find((d) => d.email.toLowerCase() === input.developerEmail!.toLowerCase())
          if (!developer) throw invalid('app', [{ field: 'app.developerEmail', message: `Developer ${input.developerEmail} does not exist` }])
        } else throw invalid('app', [{ field: 'app.developerId', message: 'is required (or developerEmail)' }])

        let credentials: Credential[]
        if (input.credentials) {
          const placeholders = input.credentials.flatMap((c, j) =>
            isMaskedSecret(c.consumerSecret) ? [{ field: `app.credentials.${j}.consumerSecret`, message: placeholderMessage(`consumer key ${c.consumerKey}`) }] : []
          )
          if (placeholders.length > 0) throw invalid('app', placeholders)
          credentials = input.credentials.map((c, j) => {
            const names = c.apiProducts.map((p) => (typeof p === 'string' ? p : p.apiproduct))
            const products = resolveProducts(draft, names, `app.credentials.${j}.apiProducts`, 'app')
            return {
              ...c,
              issuedAt: c.issuedAt ?? now(),
              apiProducts: c.apiProducts.map((p, k) => (typeof p === 'string' ? credentialProductFor(products[k]!) : p))
            }
          })
        } else {
          const products = resolveProducts(draft, input.apiProducts, 'app.apiProducts', 'app')
          credentials = [newCredential(products, input.keyExpiresIn)]
        }
        const created: DeveloperApp = {
          appId: input.appId ?? uniqueId(slug(input.name), draft.apps.map((a) => a.appId)),
          name: input.name,
          developerId: developer.developerId,
          callbackUrl: input.callbackUrl,
          status: input.status,
          attributes: input.attributes,
          scopes: input.scopes,
          createdAt: now(),
          credentials
        }
        draft.apps.push(created)
      }, 'apps')
      return maskApp(copy(saved.apps[appIndex(saved, input.name)]!))
    },
    'apps.update': ({ app, patch }) => {
      checkPatchKeys(
        patch,
        ['name', 'callbackUrl', 'status', 'attributes', 'scopes'],
        {
          appId: 'cannot change: tokens refer to the app by id',
          developerId: 'cannot change: an app stays with the developer that created it',
          createdAt: 'cannot change',
          credentials: 'cannot change here: use apps.generateCredential, apps.addProducts, apps.setCredentialStatus, apps.setProductStatus, apps.removeProduct, apps.deleteCredential'
        },
        'app'
      )
      return updateApp(app, (current, draft) => {
        const next = parseInput(developerAppSchema, mergePatch(current, patch), 'app', 'patch')
        if (next.name !== current.name && draft.apps.some((a) => a.name === next.name)) throw alreadyExists('app', next.name, 'patch.name')
        Object.assign(current, next)
      })
    },
    'apps.delete': ({ app }) => {
      store.update((draft) => {
        draft.apps.splice(appIndex(draft, app), 1)
      }, 'apps')
    },
    'apps.setStatus': ({ app, status }) =>
      updateApp(app, (current) => {
        current.status = status
      }),
    'apps.generateCredential': ({ app, expiresInSeconds, products }) => {
      if (expiresInSeconds !== undefined && expiresInSeconds !== -1 && expiresInSeconds <= 0)
        throw invalid('key', [{ field: 'expiresInSeconds', message: 'must be a positive number of seconds, or -1 for a key that never expires' }])
      return updateApp(app, (current, draft) => {
        const found = resolveProducts(draft, products ?? [], 'products', 'key')
        current.credentials.push(newCredential(found, expiresInSeconds !== undefined ? expiresInSeconds * 1000 : undefined))
      })
    },
    'apps.deleteCredential': ({ app, consumerKey }) =>
      updateApp(app, (current) => {
        credentialOf(current, consumerKey)
        current.credentials = current.credentials.filter((c) => c.consumerKey !== consumerKey)
      }),
    'apps.setCredentialStatus': ({ app, consumerKey, status }) =>
      updateApp(app, (current) => {
        credentialOf(current, consumerKey).status = status
      }),
    'apps.addProducts': ({ app, consumerKey, products }) =>
      updateApp(app, (current, draft) => {
        const credential = credentialOf(current, consumerKey)
        for (const product of resolveProducts(draft, products, 'products', 'products')) {
          // A product already on the key keeps its status: adding it again must not re-approve a revoked one.
          if (!credential.apiProducts.some((p) => p.apiproduct === product.name)) credential.apiProducts.push(credentialProductFor(product))
        }
      }),
    'apps.setProductStatus': ({ app, consumerKey, product, status }) =>
      updateApp(app, (current) => {
        const entry = credentialOf(current, consumerKey).apiProducts.find((p) => p.apiproduct === product)
        if (!entry) throw new ConsoleError('not-found', `Product ${product} is not on ${current.name}'s key ${consumerKey}`)
        entry.status = status
      }),
    'apps.removeProduct': ({ app, consumerKey, product }) =>
      updateApp(app, (current) => {
        const credential = credentialOf(current, consumerKey)
        if (!credential.apiProducts.some((p) => p.apiproduct === product))
          throw new ConsoleError('not-found', `Product ${product} is not on ${current.name}'s key ${consumerKey}`)
        credential.apiProducts = credential.apiProducts.filter((p) => p.apiproduct !== product)
      })
  }
  return services
}
