/**
 * The console API: every method the renderer (or any client of the headless console) can call,
 * as `domain.action` -> zod input schema + result type. Served over Electron IPC and over HTTP
 * (`POST /api/<method>`), both generated from this object, so the two transports cannot drift.
 */
import { z } from 'zod'
import {
  apiProductSchema,
  apiProxySchema,
  developerAppSchema,
  developerSchema,
  entityName,
  environmentSchema,
  workspaceSchema,
  type ApiProduct,
  type ApiProxy,
  type Developer,
  type DeveloperApp,
  type Environment,
  type Organization,
  type Workspace
} from './model'
import type { ListenerStatus, ProxyDeployment } from './deployment'
import type { TraceRecord, TraceSummary } from './trace'
import type { AccessMatrix } from './access'
import type { Diagnosis } from './explain'
import type { JwtInspection } from './jwt'

/** Declares a method: its input schema now, its result type as a type parameter. */
const method =
  <Result>() =>
  <Input extends z.ZodType>(input: Input) => ({ input, result: undefined as unknown as Result })

const none = z.object({}).strict()
const byName = z.object({ name: z.string().min(1) }).strict()
const byEmail = z.object({ email: z.string().min(1) }).strict()
const byApp = z.object({ app: z.string().min(1) }).strict()
const byKey = z.object({ app: z.string().min(1), consumerKey: z.string().min(1) }).strict()
/** Exports mask secrets unless asked not to. */
const exportOptions = z.object({ includeSecrets: z.boolean().optional() }).strict()

/** A problem the store found on open (a quarantined file, a migration) or while writing. */
export interface StoreProblem {
  file: string
  kind: 'corrupt' | 'invalid-schema' | 'migrated' | 'write-failed'
  message: string
  /** Where the unreadable file was moved, e.g. `workspace.json.corrupt-2026-11-24T06-00-00Z`. */
  movedTo?: string
  at: number
}

export interface WorkspaceInfo {
  dataDir: string
  workspaceFile: string
  tokensFile: string
  organization: Organization
  /** Bumped on every saved change; pushed with `workspace.changed`. */
  revision: number
  problems: StoreProblem[]
}

export interface ClockState {
  /** Current engine time, epoch ms. */
  now: number
  iso: string
  /** `real`: wall time; `offset`: wall time shifted by offsetMs; `frozen`: stands still at `now`. */
  mode: 'real' | 'offset' | 'frozen'
  offsetMs: number
}

/** A token the gateway holds, as the console may show it: metadata only, never the token itself. */
export interface TokenInfo {
  kind: 'access_token' | 'refresh_token' | 'authorization_code'
  appId: string | undefined
  appName: string | undefined
  clientId: string
  scope: string
  issuedAt: number
  expiresAt: number
  /** `expired` when the expiry has passed, whatever the stored status. */
  status: 'approved' | 'revoked' | 'expired'
  /** First 8 hex characters of the hash, enough to tell tokens apart in a list. */
  hashPrefix: string
  jwt: boolean
}

export const workbenchRequestSchema = z
  .object({
    environment: z.string().min(1),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']),
    /** Path and query, e.g. `/oauth/token` or `/api-one/items?x=1`. */
    path: z.string().min(1).max(8192),
    headers: z.array(z.tuple([z.string().min(1), z.string()])).default([]),
    body: z.string().max(10 * 1024 * 1024).default('')
  })
  .strict()
export type WorkbenchRequest = z.output<typeof workbenchRequestSchema>

export interface WorkbenchResponse {
  url: string
  status: number
  reasonPhrase: string
  headers: Array<[string, string]>
  body: string
  durationMs: number
  /** The trace this request produced, when it is still in the buffer. */
  traceId: string | null
  /** Headers as sent, including the request id header that ties the request to its trace. */
  sentHeaders: Array<[string, string]>
}

export const emulatorBundleSchema = z
  .object({
    products: z.unknown().optional(),
    developers: z.unknown().optional(),
    developerapps: z.unknown().optional()
  })
  .strict()
export type EmulatorBundle = { products: unknown; developers: unknown; developerapps: unknown }

const productStatus = z.enum(['approved', 'pending', 'revoked'])

export const contract = {
  // Workspace as a whole
  'workspace.info': method<WorkspaceInfo>()(none),
  /** The whole workspace; consumer secrets and secret variables are masked unless `includeSecrets`. */
  'workspace.export': method<Workspace>()(exportOptions),
  'workspace.import': method<WorkspaceInfo>()(z.object({ workspace: z.unknown() }).strict()),
  'workspace.exportEmulator': method<EmulatorBundle>()(exportOptions),
  'workspace.importEmulator': method<WorkspaceInfo>()(emulatorBundleSchema),
  'workspace.resetToSample': method<WorkspaceInfo>()(none),
  // A patch schema without defaults: zod fills defaults inside .partial(), which would reset unsent fields.
  'organization.update': method<Organization>()(
    z.object({
      patch: z.object({ name: entityName, displayName: z.string(), tokenCacheSeconds: z.number().int().min(0).max(180) }).partial().strict()
    }).strict()
  ),

  // Environments
  'environments.list': method<Environment[]>()(none),
  'environments.get': method<Environment>()(byName),
  'environments.create': method<Environment>()(z.object({ environment: z.unknown() }).strict()),
  'environments.update': method<Environment>()(z.object({ name: z.string().min(1), patch: z.record(z.string(), z.unknown()) }).strict()),
  'environments.delete': method<void>()(byName),
  /** One variable's stored value in clear (the others show secret values masked). */
  'environments.revealVariable': method<{ value: string }>()(z.object({ name: z.string().min(1), variable: z.string().min(1) }).strict()),

  // API proxies
  'proxies.list': method<ApiProxy[]>()(none),
  'proxies.get': method<ApiProxy>()(byName),
  'proxies.create': method<ApiProxy>()(z.object({ proxy: z.unknown() }).strict()),
  'proxies.update': method<ApiProxy>()(z.object({ name: z.string().min(1), patch: z.record(z.string(), z.unknown()) }).strict()),
  'proxies.delete': method<void>()(byName),
  'proxies.deploy': method<ProxyDeployment[]>()(z.object({ name: z.string().min(1), environment: z.string().min(1) }).strict()),
  'proxies.undeploy': method<ProxyDeployment[]>()(z.object({ name: z.string().min(1), environment: z.string().min(1) }).strict()),
  'proxies.deployments': method<ProxyDeployment[]>()(z.object({ name: z.string().min(1).optional() }).strict()),

  // API products
  'products.list': method<ApiProduct[]>()(none),
  'products.get': method<ApiProduct>()(byName),
  'products.create': method<ApiProduct>()(z.object({ product: z.unknown() }).strict()),
  'products.update': method<ApiProduct>()(z.object({ name: z.string().min(1), patch: z.record(z.string(), z.unknown()) }).strict()),
  'products.delete': method<void>()(byName),

  // Developers
  'developers.list': method<Developer[]>()(none),
  'developers.get': method<Developer>()(byEmail),
  'developers.create': method<Developer>()(z.object({ developer: z.unknown() }).strict()),
  'developers.update': method<Developer>()(z.object({ email: z.string().min(1), patch: z.record(z.string(), z.unknown()) }).strict()),
  'developers.delete': method<void>()(byEmail),
  'developers.setStatus': method<Developer>()(z.object({ email: z.string().min(1), status: z.enum(['active', 'inactive']) }).strict()),

  // Developer apps and their credentials
  'apps.list': method<DeveloperApp[]>()(none),
  'apps.get': method<DeveloperApp>()(byApp),
  'apps.create': method<DeveloperApp>()(z.object({ app: z.unknown() }).strict()),
  'apps.update': method<DeveloperApp>()(z.object({ app: z.string().min(1), patch: z.record(z.string(), z.unknown()) }).strict()),
  'apps.delete': method<void>()(byApp),
  'apps.setStatus': method<DeveloperApp>()(z.object({ app: z.string().min(1), status: z.enum(['approved', 'revoked']) }).strict()),
  'apps.generateCredential': method<DeveloperApp>()(
    z.object({ app: z.string().min(1), expiresInSeconds: z.number().int().optional(), products: z.array(z.string()).optional() }).strict()
  ),
  'apps.deleteCredential': method<DeveloperApp>()(byKey),
  'apps.setCredentialStatus': method<DeveloperApp>()(byKey.extend({ status: z.enum(['approved', 'revoked']) }).strict()),
  'apps.addProducts': method<DeveloperApp>()(byKey.extend({ products: z.array(z.string().min(1)).min(1) }).strict()),
  'apps.setProductStatus': method<DeveloperApp>()(byKey.extend({ product: z.string().min(1), status: productStatus }).strict()),
  'apps.removeProduct': method<DeveloperApp>()(byKey.extend({ product: z.string().min(1) }).strict()),
  /** One credential's consumer secret in clear (every other answer masks it). */
  'apps.revealSecret': method<{ consumerSecret: string }>()(byKey),

  // Gateway
  'gateway.status': method<ListenerStatus[]>()(none),

  // Tokens the gateway holds (metadata only)
  'tokens.list': method<TokenInfo[]>()(none),
  /** Decodes a JWT access token and checks its signature against the workspace's JWT policy keys; null when not a JWT. */
  'tokens.inspectJwt': method<JwtInspection | null>()(z.object({ token: z.string().min(1).max(16384) }).strict()),

  // Traces
  'traces.list': method<TraceSummary[]>()(z.object({ limit: z.number().int().min(1).max(10000).optional() }).strict()),
  'traces.get': method<TraceRecord>()(z.object({ id: z.string().min(1) }).strict()),
  'traces.clear': method<void>()(none),
  /** Records as traces.get gives them: secrets masked, always. */
  'traces.export': method<TraceRecord[]>()(z.object({ ids: z.array(z.string()).optional() }).strict()),
  'traces.import': method<number>()(z.object({ traces: z.array(z.unknown()) }).strict()),
  /** Diagnosis of a failed request; `accessToken` is the clear token the caller sent (traces mask it). */
  'traces.explain': method<Diagnosis | null>()(z.object({ id: z.string().min(1), accessToken: z.string().optional() }).strict()),

  // Access: which credential can call which proxy where, by the gateway's own decision
  'access.matrix': method<AccessMatrix>()(none),

  // Workbench: real requests to the gateway listeners
  'workbench.send': method<WorkbenchResponse>()(workbenchRequestSchema),

  // Virtual clock
  'clock.get': method<ClockState>()(none),
  'clock.set': method<ClockState>()(z.object({ iso: z.string().datetime({ offset: true }) }).strict()),
  'clock.advance': method<ClockState>()(z.object({ ms: z.number().int() }).strict()),
  'clock.freeze': method<ClockState>()(z.object({ frozen: z.boolean() }).strict()),
  'clock.reset': method<ClockState>()(none)
} as const

export type Contract = typeof contract
export type MethodName = keyof Contract
/** What a caller passes (before defaults). */
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>
/** What a service receives (after parsing). */
export type MethodArgs<M extends MethodName> = z.output<Contract[M]['input']>
export type MethodResult<M extends MethodName> = Contract[M]['result']

export const methodNames = Object.keys(contract) as MethodName[]

/** The implementation of every console method; main builds it once and every transport serves it. */
export type ConsoleServices = {
  [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodResult<M>> | MethodResult<M>
}

/** Push events from main to every connected console. */
export interface ConsoleEvents {
  'workspace.changed': { revision: number; entity: string | null }
  'trace.added': TraceSummary
  'clock.changed': ClockState
  'gateway.changed': ListenerStatus[]
  'store.problem': StoreProblem
}
export type EventName = keyof ConsoleEvents
export const eventNames: EventName[] = ['workspace.changed', 'trace.added', 'clock.changed', 'gateway.changed', 'store.problem']

/** Stable error codes; the UI switches on `code`, never on message text. */
export type ConsoleErrorCode =
  | 'bad-input'
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'referenced'
  | 'deployment-failed'
  | 'unauthorized'
  | 'forbidden'
  | 'unknown-method'
  | 'internal'

export interface FieldIssue {
  /** Dotted path of the field, e.g. `environments.0.port`. */
  field: string
  message: string
}

export interface ConsoleErrorData {
  code: ConsoleErrorCode
  message: string
  issues?: FieldIssue[]
}

export type ConsoleResult<T> = { ok: true; data: T } | { ok: false; error: ConsoleErrorData }

/** An error a service throws on purpose; transports turn it into `{ok:false, error}`. */
export class ConsoleError extends Error {
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
    readonly issues?: FieldIssue[]
  ) {
    super(message)
    this.name = 'ConsoleError'
  }

  toData(): ConsoleErrorData {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message }
  }
}

/** Turns zod issues into field-named messages: `port: must be between 1 and 65535`. */
export function issuesFromZod(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message
  }))
}

/** A validation ConsoleError whose message names every field and reason. */
export function validationError(error: z.ZodError, what: string, prefix = ''): ConsoleError {
  const issues = issuesFromZod(error, prefix)
  const text = issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ')
  return new ConsoleError('validation', `Invalid ${what}: ${text}`, issues)
}

export const schemas = {
  workspace: workspaceSchema,
  environment: environmentSchema,
  proxy: apiProxySchema,
  product: apiProductSchema,
  developer: developerSchema,
  app: developerAppSchema
}
