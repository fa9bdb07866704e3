/** What every OAuthV2 operation shares: reading parameters, client authentication, lifetimes, issuing tokens. */
import type { TokenAttribute, TokenRecord, GrantType } from '../../../shared/tokens'
import type { Workspace } from '../../../shared/model'
import { PolicyFault, withFaultstring } from '../../faults/fault'
import { policyFaults } from '../../faults/oauth'
import { checkCredential, findCredential, javaList, type ResolvedCredential } from '../../kms'
import { hashToken, secretsEqual } from '../../tokens/hash'
import { mintOpaqueToken } from '../../tokens/mint'
import type { PolicyContext } from '../types'
import type { OAuthV2Config, ParamSource, RefOrNumber } from './config'
import { tokenEndpointFault } from './responses'

/** [U] Apigee's "system default" access token lifetime: 30 minutes (the doc samples show 1799 s). */
export const DEFAULT_ACCESS_TOKEN_MS = 1_800_000
/** Default refresh token lifetime since 2023-05-31: 30 days. */
export const DEFAULT_REFRESH_TOKEN_MS = 2_592_000_000
/** [U] Default authorization code lifetime: 10 minutes. */
export const DEFAULT_AUTH_CODE_MS = 600_000

/** The value of the first resolvable variable of a parameter source ('' counts as absent). */
export function readParam(ctx: PolicyContext, source: ParamSource): string | undefined {
  for (const name of source.variables) {
    const v = ctx.variables.getString(name)
    if (v !== undefined && v !== '') return v
  }
  return undefined
}

/** A lifetime in ms: the ref's value when it resolves to an integer, else the literal, else the default. */
export function resolveLifetimeMs(ctx: PolicyContext, setting: RefOrNumber | undefined, fallback: number): number {
  if (setting?.ref) {
    const raw = ctx.variables.getString(setting.ref)?.trim()
    if (raw !== undefined && /^-?\d+$/.test(raw)) {
      const n = Number(raw)
      if (n > 0 || n === -1) return n
    }
  }
  return setting?.value ?? fallback
}

/** Expiry time for a lifetime; -1 stays -1 (never). */
export function expiryFor(now: number, lifetimeMs: number): number {
  return lifetimeMs < 0 ? -1 : now + lifetimeMs
}

/** Seconds left as Apigee reports them (a token of 1,800,000 ms reports 1799 when issued); -1 for never. */
export function secondsLeft(expiresAt: number, now: number): number {
  if (expiresAt < 0) return -1
  return Math.max(0, Math.floor((expiresAt - now - 1) / 1000))
}

/** Custom attributes from `<Attributes>`: ref value when it resolves, else the literal. */
export function resolveAttributes(ctx: PolicyContext, config: OAuthV2Config): TokenAttribute[] {
  return config.attributes.map((a) => {
    const fromRef = a.ref ? ctx.variables.getString(a.ref) : undefined
    return { name: a.name, value: fromRef ?? a.value, display: a.display }
  })
}

/** Merges attributes: later ones replace earlier ones of the same name. */
export function mergeAttributes(base: TokenAttribute[] | undefined, over: TokenAttribute[]): TokenAttribute[] {
  const out = new Map<string, TokenAttribute>()
  for (const a of base ?? []) out.set(a.name, { ...a, display: true })
  for (const a of over) out.set(a.name, a)
  return [...out.values()]
}

/** RFC 6749 2.3.1: client id and secret in Basic are form-urlencoded before base64. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}

export interface PresentedClient {
  clientId?: string
  clientSecret?: string
  /** The Authorization header was Basic but not decodable as `id:secret`. */
  malformed: boolean
}

/** Client credentials from `Authorization: Basic` (preferred) or the form (`<ClientId>`, client_secret). */
export function presentedClient(ctx: PolicyContext, config: OAuthV2Config): PresentedClient {
  const auth = ctx.request.getHeader('Authorization') ?? ctx.variables.getString('request.header.Authorization')
  const basic = auth?.match(/^\s*Basic\s+(\S+)\s*$/i)
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return { malformed: true }
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)), malformed: false }
  }
  // In the response flow Apigee needs the Basic header set beforehand (seed "Response flow token").
  if (ctx.flow === 'response') return { malformed: false }
  const clientId = readParam(ctx, config.clientId)
  const clientSecret = ctx.variables.getString('request.formparam.client_secret')
  const out: PresentedClient = { malformed: false }
  if (clientId !== undefined) out.clientId = clientId
  if (clientSecret !== undefined && clientSecret !== '') out.clientSecret = clientSecret
  return out
}

/** Raises FailedToResolveClientId when `<ClientId>` names a variable that does not resolve. */
export function failedToResolveClientId(ctx: PolicyContext, config: OAuthV2Config): PolicyFault {
  const variable = config.clientId.variables[0] ?? ''
  const spec = policyFaults.FailedToResolveClientId
  return new PolicyFault(withFaultstring(spec, spec.faultstring.replace('{0}', variable)), {
    policy: ctx.policyName,
    cause: `The variable ${variable} named in <ClientId> does not resolve`
  })
}

/**
 * Authenticates the client of a token request: key lookup, secret (constant time) unless
 * ExternalAuthorization, then key, app and developer status (kms). Throws the token-endpoint fault.
 */
export function authenticateClient(ctx: PolicyContext, config: OAuthV2Config, requireSecret: boolean): ResolvedCredential {
  const presented = presentedClient(ctx, config)
  if (presented.malformed) throw tokenEndpointFault(ctx, config, 'InvalidClient', undefined, 'The Authorization header is Basic but does not decode to client_id:client_secret')
  if (presented.clientId === undefined) {
    if (config.clientId.explicit && ctx.flow !== 'response') throw failedToResolveClientId(ctx, config)
    const why = ctx.flow === 'response' ? 'In the response flow the client must come in an Authorization: Basic request header' : 'No client_id in the request'
    throw tokenEndpointFault(ctx, config, 'InvalidClient', undefined, why)
  }
  const ws = ctx.services.workspace()
  const found = findCredential(ws, presented.clientId)
  if (!found) throw tokenEndpointFault(ctx, config, 'InvalidClient', undefined, `No app has the client_id ${presented.clientId}`)
  // Which app asked is kept even when a later check fails: traces list and filter token requests by app ([U]).
  ctx.variables.set('client_id', presented.clientId)
  ctx.variables.set('developer.app.name', found.app.name)
  if (requireSecret && !config.externalAuthorization) {
    if (presented.clientSecret === undefined || !secretsEqual(presented.clientSecret, found.credential.consumerSecret)) {
      throw tokenEndpointFault(ctx, config, 'InvalidClient', undefined, `The client_secret does not match ${found.app.name}'s key`)
    }
  }
  return checkedCredential(ctx, config, ws, presented.clientId)
}

/** Key, app and developer status of a known client id, as token-endpoint faults. */
export function checkedCredential(ctx: PolicyContext, config: OAuthV2Config, ws: Workspace, clientId: string): ResolvedCredential {
  const decision = checkCredential(ws, clientId, ctx.services.clock.now())
  if (decision.ok) return { app: decision.app, developer: decision.developer, credential: decision.credential }
  if (decision.failure === 'app-revoked') throw tokenEndpointFault(ctx, config, 'AppNotApproved', undefined, decision.reason)
  if (decision.failure === 'developer-inactive') throw tokenEndpointFault(ctx, config, 'DeveloperNotActive', undefined, decision.reason)
  throw tokenEndpointFault(ctx, config, 'InvalidClient', undefined, decision.reason)
}

/** Everything a new access token (and maybe refresh token) is issued from. */
export interface Grant {
  resolved: ResolvedCredential
  grantType: GrantType
  scope: string
  attributes: TokenAttribute[]
  appEndUser?: string
  withRefresh: boolean
  refreshCount: number
  /** Access token value to use instead of minting one (ExternalAccessToken). */
  externalAccessToken?: string
  /** Refresh token value to use instead of minting one (ExternalRefreshToken). */
  externalRefreshToken?: string
  /** A refresh token kept across a refresh (ReuseRefreshToken true) and its value as the client presented it. */
  reusedRefresh?: { record: TokenRecord; value: string }
}

export interface Issued {
  accessToken: string
  access: TokenRecord
  refreshToken?: string
  refresh?: TokenRecord
  /** Whether the tokens were stored (external tokens without StoreToken are not). */
  stored: boolean
}

/** Mints (or takes the external) access token and refresh token and stores their hashed records. */
export function issueTokens(ctx: PolicyContext, config: OAuthV2Config, grant: Grant, accessTokenValue?: string): Issued {
  const now = ctx.services.clock.now()
  const ws = ctx.services.workspace()
  const { app, developer, credential } = grant.resolved
  const accessToken = accessTokenValue ?? grant.externalAccessToken ?? mintOpaqueToken(ctx.services.random)
  const accessExpiresAt = expiryFor(now, resolveLifetimeMs(ctx, config.expiresIn, DEFAULT_ACCESS_TOKEN_MS))
  const base = {
    clientId: credential.consumerKey,
    appId: app.appId,
    appName: app.name,
    developerId: developer.developerId,
    developerEmail: developer.email,
    products: credential.apiProducts.map((p) => p.apiproduct),
    scope: grant.scope,
    grantType: grant.grantType,
    attributes: grant.attributes,
    organization: ws.organization.name,
    environment: ctx.environment.name,
    refreshCount: grant.refreshCount
  }
  const access: TokenRecord = { ...base, kind: 'access_token', hash: hashToken(accessToken), issuedAt: now, expiresAt: accessExpiresAt, status: 'approved', refreshExpiresAt: 0 }
  if (grant.appEndUser !== undefined) access.appEndUser = grant.appEndUser
  if (accessTokenValue !== undefined && grant.externalAccessToken === undefined) access.jwt = true
  if (grant.externalAccessToken !== undefined) access.external = true
  const issued: Issued = { accessToken, access, stored: grant.externalAccessToken === undefined || config.storeToken }
  if (grant.withRefresh) {
    let refresh: TokenRecord
    if (grant.reusedRefresh) {
      refresh = { ...grant.reusedRefresh.record, pairedHash: access.hash, refreshCount: grant.refreshCount, scope: grant.scope, attributes: grant.attributes }
      issued.refreshToken = grant.reusedRefresh.value
    } else {
      const refreshToken = grant.externalRefreshToken ?? mintOpaqueToken(ctx.services.random)
      issued.refreshToken = refreshToken
      refresh = {
        ...base,
        kind: 'refresh_token',
        hash: hashToken(refreshToken),
        issuedAt: now,
        refreshIssuedAt: now,
        expiresAt: expiryFor(now, resolveLifetimeMs(ctx, config.refreshTokenExpiresIn, DEFAULT_REFRESH_TOKEN_MS)),
        status: 'approved',
        pairedHash: access.hash
      }
      if (grant.appEndUser !== undefined) refresh.appEndUser = grant.appEndUser
    }
    access.pairedHash = refresh.hash
    access.refreshExpiresAt = refresh.expiresAt
    issued.refresh = refresh
  }
  if (issued.stored) {
    ctx.services.tokens.put(access)
    if (issued.refresh) ctx.services.tokens.put(issued.refresh)
  }
  return issued
}

/**
 * The token response fields in Apigee's order: all values strings, `BearerToken`; in RFC mode `Bearer`
 * and numeric `expires_in` / `refresh_token_expires_in`. Attributes with display=false are left out.
 */
export function tokenResponseFields(
  ctx: PolicyContext,
  config: OAuthV2Config,
  issued: Issued,
  refreshTokenValue: string | undefined
): Record<string, string | number> {
  const now = ctx.services.clock.now()
  const ws = ctx.services.workspace()
  const { access, refresh } = issued
  const rfc = config.rfcCompliant
  const expiresIn = secondsLeft(access.expiresAt, now)
  const refreshExpiresIn = refresh ? secondsLeft(refresh.expiresAt, now) : 0
  const fields: Record<string, string | number> = {}
  fields['issued_at'] = String(access.issuedAt)
  fields['scope'] = access.scope ?? ''
  fields['application_name'] = access.appId ?? ''
  if (refresh) fields['refresh_token_issued_at'] = String(refresh.refreshIssuedAt ?? refresh.issuedAt)
  fields['status'] = access.status
  if (refresh) fields['refresh_token_status'] = refresh.status
  fields['api_product_list'] = javaList(access.products ?? [])
  fields['expires_in'] = rfc ? expiresIn : String(expiresIn)
  fields['developer.email'] = access.developerEmail ?? ''
  fields['token_type'] = rfc ? 'Bearer' : 'BearerToken'
  if (refresh && refreshTokenValue !== undefined) fields['refresh_token'] = refreshTokenValue
  fields['client_id'] = access.clientId
  fields['access_token'] = issued.accessToken
  fields['organization_name'] = access.organization ?? ws.organization.name
  fields['refresh_token_expires_in'] = rfc ? refreshExpiresIn : String(refreshExpiresIn)
  fields['refresh_count'] = String(access.refreshCount ?? 0)
  if (access.appEndUser !== undefined) fields['app_enduser'] = access.appEndUser
  for (const a of access.attributes ?? []) if (a.display && !(a.name in fields)) fields[a.name] = a.value
  return fields
}

/** `oauthv2accesstoken.<policy>.*` from the response fields (always strings) plus every custom attribute. */
export function setAccessTokenVariables(ctx: PolicyContext, fields: Record<string, string | number>, issued: Issued): void {
  const prefix = `oauthv2accesstoken.${ctx.policyName}.`
  for (const [k, v] of Object.entries(fields)) ctx.variables.set(prefix + k, String(v))
  ctx.variables.set(prefix + 'token_type', 'BearerToken')
  for (const a of issued.access.attributes ?? []) ctx.variables.set(`${prefix}accesstoken.${a.name}`, a.value)
  if (issued.refresh) {
    ctx.variables.set(prefix + 'refresh_token_issued_at', String(issued.refresh.refreshIssuedAt ?? issued.refresh.issuedAt))
    ctx.variables.set(prefix + 'refresh_token_status', issued.refresh.status)
  }
}

/** The requested scope string from `<Scope>`'s variable, if any. */
export function requestedScope(ctx: PolicyContext, config: OAuthV2Config): string | undefined {
  const v = readParam(ctx, config.scope)
  return v === undefined || v.trim() === '' ? undefined : v
}

/** The end-user id from `<AppEndUser>`, if configured and resolvable. */
export function appEndUser(ctx: PolicyContext, config: OAuthV2Config): string | undefined {
  if (!config.appEndUser) return undefined
  const v = ctx.variables.getString(config.appEndUser)
  return v === undefined || v === '' ? undefined : v
}

/** Whether a record's expiry has passed. */
export function isExpired(record: TokenRecord, now: number): boolean {
  return record.expiresAt >= 0 && now >= record.expiresAt
}
