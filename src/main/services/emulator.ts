/**
 * The Apigee Emulator's test bundle (Cloud Code for VS Code: tests/<bundle>/products.json,
 * developers.json, developerapps.json) in both directions. Each file is a JSON array of Apigee
 * management API resources: products.json holds ApiProduct resources; developers.json holds Developer
 * resources (`email`, `firstName`, `lastName`, `userName`, `attributes`); developerapps.json holds
 * DeveloperApp resources keyed to their developer by `developerEmail`, with `credentials` holding
 * `consumerKey`, `consumerSecret`, `status` and `apiProducts: [{apiproduct, status}]`.
 * Import merges into the workspace: entities are matched by product name, developer e-mail and app
 * name and replaced; everything else is kept.
 */
import { z } from 'zod'
import { ConsoleError, issuesFromZod, type EmulatorBundle, type FieldIssue } from '../../shared/contract'
import {
  apiProductSchema,
  attributeSchema,
  entityName,
  type ApiProduct,
  type Credential,
  type Developer,
  type DeveloperApp,
  type Workspace
} from '../../shared/model'
import { validateWorkspace } from '../store'
import { CONSUMER_KEY_LENGTH, CONSUMER_SECRET_LENGTH, credentialInputSchema, credentialProductFor, randomAlphanumeric, slug, uniqueId } from './entities'

/** Apigee stores an app's display name as the attribute `DisplayName`. */
const DISPLAY_NAME = 'DisplayName'

// Emulator files come from other tools: unknown fields (e.g. llmOperationGroup) are dropped, quota may be a number.
const quotaText = z.union([z.string(), z.number()]).transform(String)
const emulatorProduct = apiProductSchema.extend({
  quota: quotaText.default(''),
  quotaInterval: quotaText.default(''),
  quotaTimeUnit: z.string().default('')
})
const emulatorDeveloper = z.object({
  email: z.string().email('must be an e-mail address'),
  developerId: z.string().min(1).optional(),
  firstName: z.string().default(''),
  lastName: z.string().default(''),
  userName: z.string().default(''),
  status: z.enum(['active', 'inactive']).default('active'),
  attributes: z.array(attributeSchema).default([])
})
// Emulator files may carry fields Gatelab does not model: the credential schema is not strict here.
const emulatorCredential = credentialInputSchema
const emulatorApp = z.object({
  name: entityName,
  appId: z.string().min(1).optional(),
  displayName: z.string().optional(),
  developerEmail: z.string().min(1).optional(),
  developerId: z.string().min(1).optional(),
  callbackUrl: z.string().default(''),
  status: z.enum(['approved', 'revoked']).default('approved'),
  createdAt: z.number().int().optional(),
  apiProducts: z.array(z.string().min(1)).default([]),
  credentials: z.array(emulatorCredential).optional(),
  scopes: z.array(z.string()).default([]),
  attributes: z.array(attributeSchema).default([])
})

/** The three files as Apigee management API resources. */
export function toEmulatorBundle(ws: Workspace): EmulatorBundle {
  const emailOf = new Map(ws.developers.map((d) => [d.developerId, d.email]))
  const products = ws.apiProducts.map((p) => structuredClone(p))
  const developers = ws.developers.map((d) => ({
    email: d.email,
    developerId: d.developerId,
    firstName: d.firstName,
    lastName: d.lastName,
    userName: d.userName,
    status: d.status,
    attributes: structuredClone(d.attributes)
  }))
  const developerapps = ws.apps.map((app) => {
    const displayName = app.attributes.find((a) => a.name === DISPLAY_NAME)?.value
    const productNames = [...new Set(app.credentials.flatMap((c) => c.apiProducts.map((p) => p.apiproduct)))]
    return {
      name: app.name,
      appId: app.appId,
      ...(displayName !== undefined ? { displayName } : {}),
      developerEmail: emailOf.get(app.developerId) ?? '',
      developerId: app.developerId,
      callbackUrl: app.callbackUrl,
      status: app.status,
      createdAt: app.createdAt,
      ...(app.credentials.every((c) => c.expiresAt === -1) ? { expiryType: 'never' } : {}),
      apiProducts: productNames,
      credentials: app.credentials.map((c) => structuredClone(c)),
      scopes: [...app.scopes],
      attributes: structuredClone(app.attributes)
    }
  })
  return { products, developers, developerapps }
}

/** A file's entries: a JSON array, or Apigee's list wrapper (`{"apiProduct": [...]}`, `{"developer": [...]}`, `{"app": [...]}`). */
function entriesOf(file: string, content: unknown, wrapper: string): unknown[] {
  if (content === undefined || content === null) return []
  if (Array.isArray(content)) return content
  if (typeof content === 'object' && Array.isArray((content as Record<string, unknown>)[wrapper])) return (content as Record<string, unknown[]>)[wrapper]!
  throw new ConsoleError('validation', `Invalid ${file}: must be a JSON array of resources`, [{ field: file, message: 'must be a JSON array of resources' }])
}

function parseEntries<S extends z.ZodType>(schema: S, entries: unknown[], file: string): z.output<S>[] {
  const issues: FieldIssue[] = []
  const out: z.output<S>[] = []
  entries.forEach((entry, i) => {
    const parsed = schema.safeParse(entry)
    if (parsed.success) out.push(parsed.data)
    else issues.push(...issuesFromZod(parsed.error, `${file}.${i}`))
  })
  if (issues.length > 0) fail(issues)
  return out
}

function fail(issues: FieldIssue[]): never {
  throw new ConsoleError('validation', `Invalid Apigee Emulator bundle: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues)
}

/**
 * Merges an emulator bundle into a copy of `ws` and returns it validated. Throws a validation error that
 * names the file, entry and field (`developerapps.0.developerEmail: Developer x@y does not exist`).
 */
export function mergeEmulatorBundle(
  ws: Workspace,
  bundle: { products?: unknown; developers?: unknown; developerapps?: unknown },
  options: { now: number; randomBytes: (n: number) => Uint8Array }
): Workspace {
  const products = parseEntries(emulatorProduct, entriesOf('products', bundle.products, 'apiProduct'), 'products')
  const developers = parseEntries(emulatorDeveloper, entriesOf('developers', bundle.developers, 'developer'), 'developers')
  const apps = parseEntries(emulatorApp, entriesOf('developerapps', bundle.developerapps, 'app'), 'developerapps')
  const next = structuredClone(ws)
  const issues: FieldIssue[] = []

  products.forEach((product: ApiProduct, i) => {
    product.environments.forEach((env, j) => {
      if (!next.environments.some((e) => e.name === env)) issues.push({ field: `products.${i}.environments.${j}`, message: `Environment ${env} does not exist` })
    })
    product.proxies.forEach((proxy, j) => {
      if (!next.proxies.some((p) => p.name === proxy)) issues.push({ field: `products.${i}.proxies.${j}`, message: `API proxy ${proxy} does not exist` })
    })
    if (product.operationGroup?.operationConfigType === 'proxy')
      product.operationGroup.operationConfigs.forEach((config, j) => {
        if (!next.proxies.some((p) => p.name === config.apiSource))
          issues.push({ field: `products.${i}.operationGroup.operationConfigs.${j}.apiSource`, message: `API proxy ${config.apiSource} does not exist` })
      })
    const at = next.apiProducts.findIndex((p) => p.name === product.name)
    if (at >= 0) next.apiProducts[at] = product
    else next.apiProducts.push(product)
  })

  for (const input of developers) {
    const at = next.developers.findIndex((d) => d.email.toLowerCase() === input.email.toLowerCase())
    const developerId =
      at >= 0
        ? next.developers[at]!.developerId
        : (input.developerId ?? uniqueId(slug(input.email.split('@')[0] ?? input.email), next.developers.map((d) => d.developerId)))
    const developer: Developer = { ...input, developerId }
    if (at >= 0) next.developers[at] = developer
    else next.developers.push(developer)
  }

  apps.forEach((input, i) => {
    const developer = input.developerEmail
      ? next.developers.find((d) => d.email.toLowerCase() === input.developerEmail!.toLowerCase())
      : next.developers.find((d) => d.developerId === input.developerId)
    if (!developer) {
      const field = input.developerEmail ? 'developerEmail' : 'developerId'
      issues.push({ field: `developerapps.${i}.${field}`, message: input.developerEmail || input.developerId ? `Developer ${input.developerEmail ?? input.developerId} does not exist` : 'is required' })
      return
    }
    const productNamed = (name: string, field: string): ApiProduct | undefined => {
      const product = next.apiProducts.find((p) => p.name === name)
      if (!product) issues.push({ field, message: `Product ${name} does not exist` })
      return product
    }
    let credentials: Credential[]
    if (input.credentials) {
      credentials = input.credentials.map((c, j) => ({
        ...c,
        issuedAt: c.issuedAt ?? options.now,
        apiProducts: c.apiProducts.flatMap((p, k) => {
          const name = typeof p === 'string' ? p : p.apiproduct
          const product = productNamed(name, `developerapps.${i}.credentials.${j}.apiProducts.${k}`)
          if (!product) return []
          return [typeof p === 'string' ? credentialProductFor(product) : p]
        })
      }))
    } else {
      // An app listed with products but no keys gets one generated key, as Apigee does on app creation.
      const found = input.apiProducts.flatMap((name, k) => productNamed(name, `developerapps.${i}.apiProducts.${k}`) ?? [])
      credentials = [
        {
          consumerKey: randomAlphanumeric(CONSUMER_KEY_LENGTH, options.randomBytes),
          consumerSecret: randomAlphanumeric(CONSUMER_SECRET_LENGTH, options.randomBytes),
          status: 'approved',
          issuedAt: options.now,
          expiresAt: -1,
          apiProducts: found.map(credentialProductFor),
          scopes: [],
          attributes: []
        }
      ]
    }
    const attributes = [...input.attributes]
    if (input.displayName !== undefined && !attributes.some((a) => a.name === DISPLAY_NAME)) attributes.push({ name: DISPLAY_NAME, value: input.displayName })
    const at = next.apps.findIndex((a) => a.name === input.name)
    const app: DeveloperApp = {
      appId: at >= 0 ? next.apps[at]!.appId : (input.appId ?? uniqueId(slug(input.name), next.apps.map((a) => a.appId))),
      name: input.name,
      developerId: developer.developerId,
      callbackUrl: input.callbackUrl,
      status: input.status,
      attributes,
      scopes: input.scopes,
      createdAt: input.createdAt ?? (at >= 0 ? next.apps[at]!.createdAt : options.now),
      credentials
    }
    if (at >= 0) next.apps[at] = app
    else next.apps.push(app)
  })

  if (issues.length > 0) fail(issues)
  return validateWorkspace(next, 'workspace after the Apigee Emulator import')
}
