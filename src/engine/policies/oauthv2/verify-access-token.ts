/**
 * VerifyAccessToken (reference 2.1, 3, 5.3, 7): token lookup (through the cache emulation) -> expired ->
 * revoked -> the credential's key/app/developer status -> product match on the credential's current
 * entries -> scope. Failures carry `WWW-Authenticate` (1.2), except InsufficientScope (403) and the 500s.
 */
import type { TokenRecord } from '../../../shared/tokens'
import type { Workspace } from '../../../shared/model'
import { faultEnvelope, PolicyFault, withFaultstring, type FaultSpec } from '../../faults/fault'
import { verifyFaults, verifyTokenCredentialFault } from '../../faults/oauth'
import { checkCredential, credentialVariables, describeNoMatch, javaList, operationVariables, productVariables, resolveProductMatch, type ApiCall, type ProductMatch, type ResolvedCredential } from '../../kms'
import { effectiveCacheSeconds, tokenCacheFor } from '../../tokens/cache'
import { hashToken } from '../../tokens/hash'
import type { PolicyContext } from '../types'
import { isExpired, secondsLeft } from './common'
import type { OAuthV2Config } from './config'

/** The `WWW-Authenticate` value Apigee sends with a VerifyAccessToken failure. */
export function wwwAuthenticate(spec: FaultSpec): string {
  return `Bearer realm="null",error="invalid_token",error_description="${spec.errorcode}: ${spec.faultstring}"`
}

/** A verify fault; 401s get the WWW-Authenticate header. */
export function verifyFault(ctx: PolicyContext, spec: FaultSpec, cause: string, response?: { body: string }): PolicyFault {
  ctx.note(cause)
  const headers: Array<[string, string]> = spec.status === 401 ? [['WWW-Authenticate', wwwAuthenticate(spec)]] : []
  if (response) {
    return new PolicyFault(spec, {
      policy: ctx.policyName,
      cause,
      headers,
      response: { status: spec.status, headers: [['Content-Type', 'application/json'], ...headers], body: response.body }
    })
  }
  return new PolicyFault(spec, { policy: ctx.policyName, cause, headers })
}

/** The API call being authorized, from the flow variables the runtime set. */
export function currentApiCall(ctx: PolicyContext): ApiCall {
  return {
    proxy: ctx.variables.getString('apiproxy.name') ?? ctx.proxy.name,
    environment: ctx.variables.getString('environment.name') ?? ctx.environment.name,
    pathsuffix: ctx.variables.getString('proxy.pathsuffix') ?? '',
    verb: (ctx.variables.getString('request.verb') ?? '').toUpperCase()
  }
}

/**
 * [U] A value sent wrapped in one pair of double quotes (`Authorization: "Bearer x"`, as some Apigee-authored
 * test suites send it) is read without them.
 */
function unquoted(value: string): string {
  const v = value.trim()
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : value
}

/** The presented token: `Authorization: Bearer x` by default, or `<AccessToken>`'s variable (with `<AccessTokenPrefix>`). */
export function extractAccessToken(ctx: PolicyContext, config: OAuthV2Config): string {
  if (config.accessToken) {
    const resolved = ctx.variables.getString(config.accessToken)
    // Apigee X: an unresolvable variable is a missing token, 401 InvalidAccessToken (Edge documents a 500
    // FailedToResolveAccessToken; X lists that fault for GenerateAccessToken only).
    if (resolved === undefined) throw verifyFault(ctx, verifyFaults.InvalidAccessToken, `The variable ${config.accessToken} named in <AccessToken> does not resolve`)
    const raw = unquoted(resolved)
    if (!config.accessTokenPrefix) return raw.trim()
    const prefix = `${config.accessTokenPrefix} `
    if (!raw.startsWith(prefix) || raw.slice(prefix.length).trim() === '') {
      throw verifyFault(ctx, verifyFaults.InvalidAccessToken, `${config.accessToken} does not start with "${prefix}"`)
    }
    return raw.slice(prefix.length).trim()
  }
  const header = ctx.request.getHeader('Authorization') ?? ctx.variables.getString('request.header.Authorization')
  if (header === undefined || header.trim() === '') throw verifyFault(ctx, verifyFaults.InvalidAccessToken, 'The request has no Authorization header')
  const bearer = unquoted(header).match(/^Bearer (\S+)\s*$/)
  if (!bearer) throw verifyFault(ctx, verifyFaults.InvalidAccessToken, 'The Authorization header is not of the form "Bearer <token>"')
  return bearer[1]!
}

/** The cache TTL for this policy: organization setting tuned down by CacheExpiryInSeconds (ref wins). */
export function cacheSecondsFor(ctx: PolicyContext, config: OAuthV2Config, ws: Workspace): number {
  let policySeconds = config.cacheExpiryInSeconds?.value
  if (config.cacheExpiryInSeconds?.ref) {
    const raw = ctx.variables.getString(config.cacheExpiryInSeconds.ref)
    if (raw !== undefined && /^\d+$/.test(raw.trim())) policySeconds = Math.min(180, Number(raw.trim()))
  }
  return effectiveCacheSeconds(ws.organization.tokenCacheSeconds, policySeconds)
}

/** Looks a token up by hash through the token cache; `evaluatedAt` is when the served record was read. */
export function lookupAccessToken(ctx: PolicyContext, config: OAuthV2Config, token: string): { record: TokenRecord; evaluatedAt: number; fromCache: boolean } | undefined {
  const ws = ctx.services.workspace()
  const now = ctx.services.clock.now()
  const hash = hashToken(token)
  const ttl = cacheSecondsFor(ctx, config, ws)
  const cache = tokenCacheFor(ctx.services.tokens)
  if (ttl > 0) {
    const cached = cache.lookup(hash, now, ttl)
    if (cached) return { record: cached.record, evaluatedAt: cached.cachedAt, fromCache: true }
  }
  const record = ctx.services.tokens.get('access_token', hash)
  if (!record) return undefined
  if (ttl > 0) cache.remember(record, now)
  return { record, evaluatedAt: now, fromCache: false }
}

/**
 * The checks after the token itself: its credential now, the product match on the credential's current
 * entries (for a JWT, those its `aud` names), the scope. Returns what the variables are built from.
 */
export function authorizeTokenUse(
  ctx: PolicyContext,
  config: OAuthV2Config,
  clientId: string,
  scope: string,
  jwt?: { audience: readonly string[]; onAudienceExcluded: () => void }
): { resolved: ResolvedCredential; match: ProductMatch } {
  const ws = ctx.services.workspace()
  const decision = checkCredential(ws, clientId, ctx.services.clock.now())
  if (!decision.ok) throw verifyFault(ctx, verifyTokenCredentialFault(decision.failure), decision.reason)
  const resolved: ResolvedCredential = { app: decision.app, developer: decision.developer, credential: decision.credential }
  const call = currentApiCall(ctx)
  // A JWT is for the products its aud names: the credential's other products do not count (RFC 9068 4).
  const entries = jwt ? decision.credential.apiProducts.filter((e) => jwt.audience.includes(e.apiproduct)) : decision.credential.apiProducts
  const match = resolveProductMatch(ws, entries, call)
  if (!match.product && jwt) {
    const without = resolveProductMatch(ws, decision.credential.apiProducts, call).product
    if (without) {
      jwt.onAudienceExcluded()
      const reason = `The JWT's aud (${jwt.audience.join(', ')}) does not name ${without.name}, the product on ${decision.app.name}'s key that covers this call`
      throw verifyFault(ctx, verifyFaults.InvalidAPICallAsNoApiProductMatchFound, reason)
    }
  }
  if (!match.product) {
    const reason = describeNoMatch(decision.app.name, match, call)
    if (onlyResourceMisses(ws, match)) {
      const spec = withFaultstring(verifyFaults.apiresource_doesnot_exist, verifyFaults.apiresource_doesnot_exist.faultstring.replace('{0}', call.pathsuffix))
      // Apigee's wire body escapes the slashes of the path (`APIResource \/a\/b does not exist`).
      const body = faultEnvelope(spec.faultstring, spec.errorcode).replace(/\//g, '\\/')
      throw verifyFault(ctx, spec, reason, { body })
    }
    throw verifyFault(ctx, verifyFaults.InvalidAPICallAsNoApiProductMatchFound, reason)
  }
  if (config.requiredScopes.length > 0) {
    const held = scope.split(/\s+/).filter((s) => s !== '')
    if (!config.requiredScopes.some((s) => held.includes(s))) {
      const spec = withFaultstring(verifyFaults.InsufficientScope, verifyFaults.InsufficientScope.faultstring.replace('{0}', javaList(config.requiredScopes)))
      throw verifyFault(ctx, spec, `The token's scope "${scope}" holds none of ${config.requiredScopes.join(', ')}`)
    }
  }
  return { resolved, match }
}

/**
 * [U] apiresource_doesnot_exist only for legacy products that restrict neither environments nor proxies and
 * fail on the path alone (reference 3, last rows); everything else is InvalidAPICallAsNoApiProductMatchFound.
 */
function onlyResourceMisses(ws: Workspace, match: ProductMatch): boolean {
  const approved = match.evaluations.filter((e) => e.exists && e.approval.ok)
  if (approved.length === 0 || approved.length !== match.evaluations.length) return false
  return approved.every((e) => {
    const product = ws.apiProducts.find((p) => p.name === e.product)
    if (!product || product.operationGroup?.operationConfigs.length) return false
    return product.environments.length === 0 && product.proxies.length === 0 && e.environment.ok && e.proxy.ok && !e.resource.ok
  })
}

/** Sets the unprefixed token, app, developer and product variables of reference 5.3. */
export function setVerifyVariables(
  ctx: PolicyContext,
  token: string,
  record: Pick<TokenRecord, 'clientId' | 'issuedAt' | 'expiresAt' | 'status' | 'scope' | 'attributes' | 'grantType' | 'appEndUser' | 'organization'>,
  authorized: { resolved: ResolvedCredential; match: ProductMatch },
  withGrantType: boolean
): void {
  const ws = ctx.services.workspace()
  const vars: Record<string, string> = credentialVariables(ws, authorized.resolved)
  Object.assign(vars, productVariables(authorized.match), operationVariables(authorized.match))
  vars['organization_name'] = record.organization ?? ws.organization.name
  vars['client_id'] = record.clientId
  if (withGrantType && record.grantType) vars['grant_type'] = record.grantType
  vars['token_type'] = 'BearerToken'
  vars['access_token'] = token
  vars['issued_at'] = String(record.issuedAt)
  vars['expires_in'] = String(secondsLeft(record.expiresAt, ctx.services.clock.now()))
  vars['status'] = record.status
  vars['scope'] = record.scope ?? ''
  if (record.appEndUser !== undefined) vars['app_enduser'] = record.appEndUser
  for (const a of record.attributes ?? []) vars[`accesstoken.${a.name}`] = a.value
  // The client secret is never a variable of a verified token (no `delete`: it would slow the object down).
  for (const [k, v] of Object.entries(vars)) if (k !== 'client_secret') ctx.variables.set(k, v)
}

/** Verifies an opaque (or stored JWT) access token presented to the proxy. */
export function verifyAccessToken(config: OAuthV2Config, ctx: PolicyContext): void {
  const token = extractAccessToken(ctx, config)
  const found = lookupAccessToken(ctx, config, token)
  if (!found) throw verifyFault(ctx, verifyFaults.invalid_access_token, 'No access token with this value exists (never issued, deleted or purged)')
  const { record, evaluatedAt, fromCache } = found
  // Who the token belongs to is known from here on; traces and explanations need it even when a later check fails.
  ctx.variables.set('client_id', record.clientId)
  if (record.appName) ctx.variables.set('developer.app.name', record.appName)
  if (fromCache) ctx.note(`token served from the token cache (cached at ${new Date(evaluatedAt).toISOString()})`)
  if (isExpired(record, evaluatedAt)) throw verifyFault(ctx, verifyFaults.access_token_expired, `The access token expired at ${new Date(record.expiresAt).toISOString()}`)
  if (record.status !== 'approved') throw verifyFault(ctx, verifyFaults.access_token_not_approved, `The access token is revoked${record.revokeReason ? ` (${record.revokeReason})` : ''}`)
  const authorized = authorizeTokenUse(ctx, config, record.clientId, record.scope ?? '')
  setVerifyVariables(ctx, token, record, authorized, true)
  const left = secondsLeft(record.expiresAt, ctx.services.clock.now())
  ctx.note(`token of ${authorized.resolved.app.name} valid${left >= 0 ? `, expires in ${left} s` : ''}; product ${authorized.match.product?.name ?? ''}`)
}
