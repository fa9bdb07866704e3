/** GenerateAccessTokenImplicitGrant: response_type=token, access token straight to the redirect URI fragment. */
import { resolveRequestedScope } from '../../kms'
import type { PolicyContext } from '../types'
import { appEndUser, issueTokens, requestedScope, resolveAttributes, secondsLeft, setAccessTokenVariables, tokenResponseFields, type Grant } from './common'
import type { OAuthV2Config } from './config'
import { authorizeClient } from './generate-authorization-code'
import { tokenEndpointFault, withFragment, writeRedirect } from './responses'

/** Validates the authorize request, issues an access token (never a refresh token) and redirects with it. */
export function generateImplicitToken(config: OAuthV2Config, ctx: PolicyContext): void {
  const { resolved, redirectUri, state } = authorizeClient(ctx, config, 'token')
  const scope = resolveRequestedScope(ctx.services.workspace(), resolved.credential, requestedScope(ctx, config))
  if (!scope.ok) throw tokenEndpointFault(ctx, config, 'InvalidScope', undefined, `None of the requested scopes is granted by ${resolved.app.name}'s API products`)
  const grant: Grant = { resolved, grantType: 'implicit', scope: scope.scope, attributes: resolveAttributes(ctx, config), withRefresh: false, refreshCount: 0 }
  const user = appEndUser(ctx, config)
  if (user !== undefined) grant.appEndUser = user
  const external = config.externalAccessToken ? ctx.variables.getString(config.externalAccessToken) : undefined
  if (external !== undefined && external !== '') grant.externalAccessToken = external
  const issued = issueTokens(ctx, config, grant)
  const fields = tokenResponseFields(ctx, config, issued, undefined)
  setAccessTokenVariables(ctx, fields, issued)
  ctx.variables.set('oauthv2accesstoken.access_token', issued.accessToken)
  ctx.note(`issued implicit access token for ${resolved.app.name}, redirecting to ${redirectUri}`)
  if (config.generateResponse) {
    const params: Array<[string, string]> = [
      ['access_token', issued.accessToken],
      ['token_type', config.rfcCompliant ? 'Bearer' : 'BearerToken'],
      ['expires_in', String(secondsLeft(issued.access.expiresAt, ctx.services.clock.now()))]
    ]
    if (issued.access.scope) params.push(['scope', issued.access.scope])
    if (state !== undefined) params.push(['state', state])
    writeRedirect(ctx, config, withFragment(redirectUri, params))
  }
}
