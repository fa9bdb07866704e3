/** GenerateAuthorizationCode: the authorize endpoint (response_type=code), answering a 302 to the redirect URI. */
import type { TokenRecord } from '../../../shared/tokens'
import { PolicyFault } from '../../faults/fault'
import { policyFaults } from '../../faults/oauth'
import { findCredential, resolveRequestedScope, type ResolvedCredential } from '../../kms'
import { hashToken } from '../../tokens/hash'
import { mintOpaqueToken } from '../../tokens/mint'
import type { PolicyContext } from '../types'
import {
  appEndUser,
  checkedCredential,
  DEFAULT_AUTH_CODE_MS,
  expiryFor,
  failedToResolveClientId,
  readParam,
  requestedScope,
  resolveAttributes,
  resolveLifetimeMs
} from './common'
import type { OAuthV2Config } from './config'
import { tokenEndpointFault, withQuery, writeRedirect } from './responses'

export interface AuthorizedClient {
  resolved: ResolvedCredential
  /** The redirect URI to answer to, after the three callback rules. */
  redirectUri: string
  state?: string
}

/**
 * The checks an authorize request shares between code and implicit: client_id, response_type, grant type
 * support, client status, then the redirect URI rules (registered callback must match exactly; absent ->
 * registered one; none registered -> redirect_uri required and any URL accepted).
 */
export function authorizeClient(ctx: PolicyContext, config: OAuthV2Config, responseType: 'code' | 'token'): AuthorizedClient {
  const externalCode = config.externalAuthorizationCode ? ctx.variables.getString(config.externalAuthorizationCode) : undefined
  const externalToken = config.externalAccessToken ? ctx.variables.getString(config.externalAccessToken) : undefined
  if (externalCode && externalToken) {
    throw new PolicyFault(policyFaults.InvalidParameter, { policy: ctx.policyName, cause: 'Both an external access token and an external authorization code were given' })
  }
  const clientId = readParam(ctx, config.clientId)
  if (clientId === undefined) {
    if (config.clientId.explicit) throw failedToResolveClientId(ctx, config)
    throw tokenEndpointFault(ctx, config, 'MissingClientIdAtAuthorize', undefined, 'The authorize request has no client_id')
  }
  const presented = readParam(ctx, config.responseType)
  if (presented === undefined) throw tokenEndpointFault(ctx, config, 'MissingResponseType', undefined, 'The authorize request has no response_type')
  if (presented !== responseType) {
    throw tokenEndpointFault(ctx, config, responseType === 'code' ? 'ResponseTypeNotCode' : 'ResponseTypeNotToken', undefined, `response_type is ${presented}`)
  }
  const grantType = responseType === 'code' ? 'authorization_code' : 'implicit'
  if (!config.supportedGrantTypes.includes(grantType)) {
    throw tokenEndpointFault(ctx, config, 'UnsupportedGrantType', grantType, `${grantType} is not among the policy's supported grant types`)
  }
  const ws = ctx.services.workspace()
  if (!findCredential(ws, clientId)) throw tokenEndpointFault(ctx, config, 'UnknownClientIdAtAuthorize', clientId, `No app has the client_id ${clientId}`)
  const resolved = checkedCredential(ctx, config, ws, clientId)
  const registered = resolved.app.callbackUrl.trim()
  const requested = readParam(ctx, config.redirectUri)
  let redirectUri: string
  if (registered !== '') {
    if (requested !== undefined && requested !== registered) {
      throw tokenEndpointFault(ctx, config, 'InvalidRedirectionUri', requested, `${resolved.app.name}'s registered callback is ${registered}`)
    }
    redirectUri = registered
  } else {
    if (requested === undefined) throw tokenEndpointFault(ctx, config, 'MissingRedirectionUri', undefined, `${resolved.app.name} has no callback URL and the request has no redirect_uri`)
    redirectUri = requested
  }
  const state = readParam(ctx, config.state)
  return state === undefined ? { resolved, redirectUri } : { resolved, redirectUri, state }
}

/** Issues a single-use authorization code bound to the client and redirect URI. */
export function generateAuthorizationCode(config: OAuthV2Config, ctx: PolicyContext): void {
  const { resolved, redirectUri, state } = authorizeClient(ctx, config, 'code')
  const ws = ctx.services.workspace()
  const scope = resolveRequestedScope(ws, resolved.credential, requestedScope(ctx, config))
  if (!scope.ok) throw tokenEndpointFault(ctx, config, 'InvalidScope', undefined, `None of the requested scopes is granted by ${resolved.app.name}'s API products`)
  const now = ctx.services.clock.now()
  const external = config.externalAuthorizationCode ? ctx.variables.getString(config.externalAuthorizationCode) : undefined
  const code = external !== undefined && external !== '' ? external : mintOpaqueToken(ctx.services.random)
  const attributes = resolveAttributes(ctx, config)
  const record: TokenRecord = {
    kind: 'authorization_code',
    hash: hashToken(code),
    issuedAt: now,
    expiresAt: expiryFor(now, resolveLifetimeMs(ctx, config.expiresIn, DEFAULT_AUTH_CODE_MS)),
    status: 'approved',
    clientId: resolved.credential.consumerKey,
    appId: resolved.app.appId,
    appName: resolved.app.name,
    developerId: resolved.developer.developerId,
    developerEmail: resolved.developer.email,
    products: resolved.credential.apiProducts.map((p) => p.apiproduct),
    scope: scope.scope,
    grantType: 'authorization_code',
    attributes,
    redirectUri,
    organization: ws.organization.name,
    environment: ctx.environment.name
  }
  if (state !== undefined) record.state = state
  const user = appEndUser(ctx, config)
  if (user !== undefined) record.appEndUser = user
  // An external code is stored too, so that the token exchange can find it like any other code.
  ctx.services.tokens.put(record)
  const prefix = `oauthv2authcode.${ctx.policyName}.`
  ctx.variables.set(prefix + 'code', code)
  ctx.variables.set(prefix + 'redirect_uri', redirectUri)
  ctx.variables.set(prefix + 'scope', scope.scope)
  ctx.variables.set(prefix + 'client_id', resolved.credential.consumerKey)
  if (state !== undefined) ctx.variables.set(prefix + 'state', state)
  for (const a of attributes) ctx.variables.set(prefix + a.name, a.value)
  ctx.note(`issued an authorization code for ${resolved.app.name}, redirect ${redirectUri}`)
  if (config.generateResponse) {
    const params: Array<[string, string]> = [['code', code]]
    if (state !== undefined) params.push(['state', state])
    writeRedirect(ctx, config, withQuery(redirectUri, params))
  }
}
