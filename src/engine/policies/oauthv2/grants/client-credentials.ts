/** grant_type=client_credentials: the client authenticates itself; no refresh token. */
import { resolveRequestedScope } from '../../../kms'
import type { PolicyContext } from '../../types'
import { appEndUser, authenticateClient, requestedScope, resolveAttributes, type Grant } from '../common'
import type { OAuthV2Config } from '../config'
import { tokenEndpointFault } from '../responses'

/** Authenticates the client and works out the grant (scope filter of reference 4.2 rule 6). */
export function clientCredentialsGrant(ctx: PolicyContext, config: OAuthV2Config): Grant {
  const resolved = authenticateClient(ctx, config, true)
  const scope = resolveRequestedScope(ctx.services.workspace(), resolved.credential, requestedScope(ctx, config))
  if (!scope.ok) throw tokenEndpointFault(ctx, config, 'InvalidScope', undefined, `None of the requested scopes is granted by ${resolved.app.name}'s API products`)
  const grant: Grant = { resolved, grantType: 'client_credentials', scope: scope.scope, attributes: resolveAttributes(ctx, config), withRefresh: false, refreshCount: 0 }
  const user = appEndUser(ctx, config)
  if (user !== undefined) grant.appEndUser = user
  return grant
}
