/** RefreshAccessToken: grant_type=refresh_token; a new access token, the refresh token reused or replaced. */
import type { TokenRecord } from '../../../shared/tokens'
import { PolicyFault, withFaultstring } from '../../faults/fault'
import { policyFaults } from '../../faults/oauth'
import { hashToken } from '../../tokens/hash'
import type { PolicyContext } from '../types'
import { appEndUser, authenticateClient, isExpired, issueTokens, mergeAttributes, readParam, requestedScope, resolveAttributes, type Grant } from './common'
import type { OAuthV2Config } from './config'
import type { AccessTokenSigner } from './generate-access-token'
import { respondWithTokens } from './generate-access-token'
import { tokenEndpointFault } from './responses'

/** Checks the refresh request and issues the new tokens; the previous access token is revoked. */
export async function refreshAccessToken(config: OAuthV2Config, ctx: PolicyContext, signer?: AccessTokenSigner): Promise<void> {
  const grantType = readParam(ctx, config.grantType)
  if (grantType === undefined) throw tokenEndpointFault(ctx, config, 'MissingGrantType', undefined, `No grant_type in ${config.grantType.variables.join(' or ')}`)
  if (grantType !== 'refresh_token') throw tokenEndpointFault(ctx, config, 'UnsupportedGrantType', grantType, 'RefreshAccessToken needs grant_type=refresh_token')
  const resolved = authenticateClient(ctx, config, true)
  const external = config.externalRefreshToken ? ctx.variables.getString(config.externalRefreshToken) : undefined
  const value = external !== undefined && external !== '' ? external : readParam(ctx, config.refreshToken)
  if (value === undefined) {
    if (config.refreshToken.explicit) {
      const variable = config.refreshToken.variables[0] ?? ''
      const spec = policyFaults.FailedToResolveRefreshToken
      throw new PolicyFault(withFaultstring(spec, spec.faultstring.replace('{0}', variable)), { policy: ctx.policyName, cause: `The variable ${variable} named in <RefreshToken> does not resolve` })
    }
    throw tokenEndpointFault(ctx, config, 'MissingRefreshToken', undefined, 'No refresh_token in the request')
  }
  const store = ctx.services.tokens
  const now = ctx.services.clock.now()
  // Check and retire the old refresh token with no await in between, like authorization codes.
  const old = store.get('refresh_token', hashToken(value))
  if (!old) throw tokenEndpointFault(ctx, config, 'InvalidRefreshToken', undefined, 'The refresh token was never issued, was replaced or was purged')
  if (old.clientId !== resolved.credential.consumerKey) throw tokenEndpointFault(ctx, config, 'InvalidRefreshToken', undefined, `The refresh token belongs to another client (${old.clientId})`)
  if (old.status !== 'approved') throw tokenEndpointFault(ctx, config, 'InvalidRefreshToken', undefined, 'The refresh token is revoked')
  if (isExpired(old, now)) throw tokenEndpointFault(ctx, config, 'ExpiredRefreshToken', undefined, `The refresh token expired at ${new Date(old.expiresAt).toISOString()}`)
  const granted = (old.scope ?? '').split(/\s+/).filter((s) => s !== '')
  const asked = (requestedScope(ctx, config) ?? '').split(/\s+/).filter((s) => s !== '')
  let scope = granted.join(' ')
  if (asked.length > 0) {
    const kept = [...new Set(asked.filter((s) => granted.includes(s)))]
    if (kept.length === 0) throw tokenEndpointFault(ctx, config, 'InvalidScope', undefined, `The requested scopes are outside the original grant (${scope})`)
    scope = kept.join(' ')
  }
  const previousAccess = old.pairedHash ? store.get('access_token', old.pairedHash) : undefined
  const refreshCount = (old.refreshCount ?? 0) + 1
  const grant: Grant = {
    resolved,
    grantType: old.grantType ?? 'authorization_code',
    scope,
    attributes: mergeAttributes(previousAccess?.attributes ?? old.attributes, resolveAttributes(ctx, config)),
    withRefresh: true,
    refreshCount
  }
  const user = appEndUser(ctx, config) ?? old.appEndUser
  if (user !== undefined) grant.appEndUser = user
  if (config.reuseRefreshToken) grant.reusedRefresh = { record: old, value }
  else store.put({ ...old, status: 'revoked', revokeReason: 'TOKEN_REVOKED' } satisfies TokenRecord)
  if (previousAccess) store.put({ ...previousAccess, status: 'revoked', revokeReason: 'TOKEN_REVOKED' })
  const externalAccess = config.externalAccessToken ? ctx.variables.getString(config.externalAccessToken) : undefined
  if (externalAccess !== undefined && externalAccess !== '') grant.externalAccessToken = externalAccess
  const jwt = signer ? await signer(grant) : undefined
  respondWithTokens(ctx, config, issueTokens(ctx, config, grant, jwt))
}
