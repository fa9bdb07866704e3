/**
 * The workspace model: the entities an architect edits and the engine runs.
 * Field names follow Apigee's management API (v1) so that exports read like Apigee payloads.
 * Timestamps are epoch milliseconds; `expiresAt: -1` means "never", as on Apigee.
 */
import { z } from 'zod'

/** Apigee entity names: letters, digits, `_`, `-`, `.`, spaces are not allowed. */
export const entityName = z
  .string()
  .min(1, 'is required')
  .max(255, 'is longer than 255 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"')

export const attributeSchema = z.object({
  name: z.string().min(1, 'is required'),
  value: z.string()
})
export type Attribute = z.infer<typeof attributeSchema>

export const organizationSchema = z.object({
  name: entityName,
  displayName: z.string().default(''),
  /** Apigee's KMS/token cache (seconds). 0 = off (deterministic), 180 = Apigee-realistic. */
  tokenCacheSeconds: z.number().int().min(0).max(180).default(0)
})
export type Organization = z.infer<typeof organizationSchema>

export const environmentSchema = z.object({
  name: entityName,
  description: z.string().default(''),
  port: z.number().int().min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535'),
  hostAliases: z.array(z.string().min(1)).default([]),
  /**
   * The environment's port answers only requests whose Host is one of the workspace's host aliases or a
   * loopback name (127.0.0.1, localhost, [::1]); any other Host gets Apigee's unknown-host 404. On for
   * new environments; workspaces written before the option existed keep it off (migration 1 -> 2).
   */
  restrictHosts: z.boolean().default(true),
  /** Environment-scoped key/value entries (KVM-like); names starting with `private.` are masked. */
  variables: z.array(attributeSchema).default([])
})
export type Environment = z.infer<typeof environmentSchema>

export const apiProxySchema = z.object({
  name: entityName,
  description: z.string().default(''),
  basePath: z.string().regex(/^\/[^\s?#]*$/, 'must start with "/" and contain no spaces, "?" or "#"'),
  /** Names of the environments this proxy is deployed to. */
  environments: z.array(z.string()).default([]),
  /** Endpoint XML by endpoint name, as `apiproxy/proxies/<name>.xml` holds it. */
  proxyEndpoints: z.record(z.string(), z.string()).default({}),
  /** Endpoint XML by endpoint name, as `apiproxy/targets/<name>.xml` holds it. */
  targetEndpoints: z.record(z.string(), z.string()).default({}),
  /** Policy XML by policy name, as `apiproxy/policies/<name>.xml` holds it. */
  policies: z.record(z.string(), z.string()).default({}),
  /** Resource files by path relative to `apiproxy/resources/` (e.g. `jsc/check.js`). */
  resources: z.record(z.string(), z.string()).default({}),
  /**
   * Policies of types Gatelab cannot run whose steps are skipped instead of raising gatelab.UnsupportedPolicy.
   * Optional (absent = none skipped): workspaces written before it need no migration.
   */
  skipPolicies: z.array(z.string()).optional()
})
export type ApiProxy = z.infer<typeof apiProxySchema>

export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const

export const operationSchema = z.object({
  resource: z.string().min(1, 'is required'),
  methods: z.array(z.string()).default([])
})
export const quotaSchema = z.object({
  limit: z.string().default(''),
  interval: z.string().default(''),
  timeUnit: z.string().default('')
})
export const operationConfigSchema = z.object({
  apiSource: z.string().min(1, 'is required'),
  operations: z.array(operationSchema).default([]),
  quota: quotaSchema.optional(),
  attributes: z.array(attributeSchema).default([])
})
export const operationGroupSchema = z.object({
  operationConfigType: z.enum(['proxy', 'remoteservice']).default('proxy'),
  operationConfigs: z.array(operationConfigSchema).default([])
})
export type OperationGroup = z.infer<typeof operationGroupSchema>

export const apiProductSchema = z.object({
  name: entityName,
  displayName: z.string().default(''),
  description: z.string().default(''),
  approvalType: z.enum(['auto', 'manual']).default('auto'),
  /** Empty = every environment. */
  environments: z.array(z.string()).default([]),
  /** Empty = every proxy of the organization. */
  proxies: z.array(z.string()).default([]),
  /** Resource path patterns matched against proxy.pathsuffix; empty = every path. */
  apiResources: z.array(z.string()).default([]),
  /** When present, replaces the product-level proxy and resource checks. */
  operationGroup: operationGroupSchema.optional(),
  scopes: z.array(z.string()).default([]),
  attributes: z.array(attributeSchema).default([]),
  quota: z.string().default(''),
  quotaInterval: z.string().default(''),
  quotaTimeUnit: z.string().default('')
})
export type ApiProduct = z.infer<typeof apiProductSchema>

export const developerSchema = z.object({
  developerId: z.string().min(1, 'is required'),
  email: z.string().email('must be an e-mail address'),
  firstName: z.string().default(''),
  lastName: z.string().default(''),
  userName: z.string().default(''),
  status: z.enum(['active', 'inactive']).default('active'),
  attributes: z.array(attributeSchema).default([])
})
export type Developer = z.infer<typeof developerSchema>

export const credentialProductSchema = z.object({
  apiproduct: z.string().min(1, 'is required'),
  status: z.enum(['approved', 'pending', 'revoked'])
})
export type CredentialProduct = z.infer<typeof credentialProductSchema>

export const credentialSchema = z.object({
  consumerKey: z.string().min(1, 'is required'),
  consumerSecret: z.string().min(1, 'is required'),
  status: z.enum(['approved', 'revoked']).default('approved'),
  issuedAt: z.number().int(),
  /** Epoch ms, or -1 for never. */
  expiresAt: z.number().int().default(-1),
  apiProducts: z.array(credentialProductSchema).default([]),
  scopes: z.array(z.string()).default([]),
  attributes: z.array(attributeSchema).default([])
})
export type Credential = z.infer<typeof credentialSchema>

export const developerAppSchema = z.object({
  appId: z.string().min(1, 'is required'),
  name: entityName,
  developerId: z.string().min(1, 'is required'),
  callbackUrl: z.string().default(''),
  status: z.enum(['approved', 'revoked']).default('approved'),
  attributes: z.array(attributeSchema).default([]),
  scopes: z.array(z.string()).default([]),
  createdAt: z.number().int().default(0),
  credentials: z.array(credentialSchema).default([])
})
export type DeveloperApp = z.infer<typeof developerAppSchema>

export const CURRENT_SCHEMA_VERSION = 2

export const workspaceSchema = z.object({
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  organization: organizationSchema,
  environments: z.array(environmentSchema).default([]),
  proxies: z.array(apiProxySchema).default([]),
  apiProducts: z.array(apiProductSchema).default([]),
  developers: z.array(developerSchema).default([]),
  apps: z.array(developerAppSchema).default([])
})
export type Workspace = z.infer<typeof workspaceSchema>

/**
 * A rule the workspace as a whole breaks (zod checks each entity; these check entities against each other).
 * `missing`: a reference to an entity that does not exist; `duplicate`: a name, key, port or path used twice.
 */
export interface WorkspaceIssue {
  kind: 'missing' | 'duplicate'
  /** Dotted path of the offending field, e.g. `apiProducts.0.environments.1`. */
  field: string
  message: string
}

/** Checks references and uniqueness across the workspace; an empty list means the workspace is consistent. */
export function workspaceIssues(ws: Workspace): WorkspaceIssue[] {
  const issues: WorkspaceIssue[] = []
  const missing = (field: string, message: string): void => void issues.push({ kind: 'missing', field, message })
  const duplicate = (field: string, message: string): void => void issues.push({ kind: 'duplicate', field, message })

  const firstIndex = <T>(items: T[], keyOf: (item: T) => string, onDuplicate: (index: number, key: string) => void): Set<string> => {
    const seen = new Set<string>()
    items.forEach((item, index) => {
      const key = keyOf(item)
      if (seen.has(key)) onDuplicate(index, key)
      seen.add(key)
    })
    return seen
  }

  const environments = firstIndex(ws.environments, (e) => e.name, (i, k) => duplicate(`environments.${i}.name`, `Environment ${k} already exists`))
  firstIndex(ws.environments, (e) => String(e.port), (i, k) => duplicate(`environments.${i}.port`, `Port ${k} is already used by another environment`))
  const aliasOwner = new Map<string, string>()
  ws.environments.forEach((env, i) =>
    env.hostAliases.forEach((alias, j) => {
      const key = alias.toLowerCase()
      const owner = aliasOwner.get(key)
      if (owner !== undefined) duplicate(`environments.${i}.hostAliases.${j}`, `Host alias ${alias} is already used by environment ${owner}`)
      else aliasOwner.set(key, env.name)
    })
  )

  const proxies = firstIndex(ws.proxies, (p) => p.name, (i, k) => duplicate(`proxies.${i}.name`, `API proxy ${k} already exists`))
  const basePathOwner = new Map<string, string>()
  ws.proxies.forEach((proxy, i) => {
    firstIndex(proxy.environments, (e) => e, (j, k) => duplicate(`proxies.${i}.environments.${j}`, `API proxy ${proxy.name} lists environment ${k} twice`))
    proxy.environments.forEach((env, j) => {
      if (!environments.has(env)) missing(`proxies.${i}.environments.${j}`, `Environment ${env} does not exist`)
      const key = `${env} ${proxy.basePath}`
      const owner = basePathOwner.get(key)
      if (owner !== undefined && owner !== proxy.name)
        duplicate(`proxies.${i}.basePath`, `Base path ${proxy.basePath} is already used in environment ${env} by API proxy ${owner}`)
      else basePathOwner.set(key, proxy.name)
    })
  })

  const products = firstIndex(ws.apiProducts, (p) => p.name, (i, k) => duplicate(`apiProducts.${i}.name`, `Product ${k} already exists`))
  ws.apiProducts.forEach((product, i) => {
    product.environments.forEach((env, j) => {
      if (!environments.has(env)) missing(`apiProducts.${i}.environments.${j}`, `Environment ${env} does not exist`)
    })
    product.proxies.forEach((proxy, j) => {
      if (!proxies.has(proxy)) missing(`apiProducts.${i}.proxies.${j}`, `API proxy ${proxy} does not exist`)
    })
    if (product.operationGroup?.operationConfigType === 'proxy')
      product.operationGroup.operationConfigs.forEach((config, j) => {
        if (!proxies.has(config.apiSource))
          missing(`apiProducts.${i}.operationGroup.operationConfigs.${j}.apiSource`, `API proxy ${config.apiSource} does not exist`)
      })
  })

  const developerIds = firstIndex(ws.developers, (d) => d.developerId, (i, k) => duplicate(`developers.${i}.developerId`, `Developer id ${k} is already used`))
  firstIndex(ws.developers, (d) => d.email.toLowerCase(), (i, k) => duplicate(`developers.${i}.email`, `Developer ${k} already exists`))

  firstIndex(ws.apps, (a) => a.name, (i, k) => duplicate(`apps.${i}.name`, `App ${k} already exists`))
  firstIndex(ws.apps, (a) => a.appId, (i, k) => duplicate(`apps.${i}.appId`, `App id ${k} is already used`))
  const keyOwner = new Map<string, string>()
  ws.apps.forEach((app, i) => {
    if (!developerIds.has(app.developerId)) missing(`apps.${i}.developerId`, `Developer ${app.developerId} does not exist`)
    app.credentials.forEach((credential, j) => {
      const owner = keyOwner.get(credential.consumerKey)
      if (owner !== undefined) duplicate(`apps.${i}.credentials.${j}.consumerKey`, `Consumer key ${credential.consumerKey} is already used by app ${owner}`)
      else keyOwner.set(credential.consumerKey, app.name)
      firstIndex(
        credential.apiProducts,
        (p) => p.apiproduct,
        (k, name) => duplicate(`apps.${i}.credentials.${j}.apiProducts.${k}.apiproduct`, `Product ${name} is on key ${credential.consumerKey} twice`)
      )
      credential.apiProducts.forEach((p, k) => {
        if (!products.has(p.apiproduct)) missing(`apps.${i}.credentials.${j}.apiProducts.${k}.apiproduct`, `Product ${p.apiproduct} does not exist`)
      })
    })
  })
  return issues
}
