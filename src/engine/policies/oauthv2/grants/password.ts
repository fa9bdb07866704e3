/** grant_type=password: username and password must be present (Apigee only checks presence); refresh token issued. */
import { resolveRequestedScope } from '../../../kms'
import type { PolicyContext } from '../../types'
import { appEndUser, authenticateClient, readParam, requestedScope, resolveAttributes, type Grant } from '../common'
import type { OAuthV2Config } from '../config'
import { tokenEndpointFault } from '../responses'

/** Checks username/password presence, authenticates the client and works out the grant. */
export function passwordGrant(ctx: PolicyContext, config: OAuthV2Config): Grant {
  if (readParam(ctx, config.username) === undefined) throw tokenEndpointFault(ctx, config, 'MissingUsername', undefined, `No username in ${config.username.variables.join(' or ')}`)
  if (readParam(ctx, config.password) === undefined) throw tokenEndpointFault(ctx, config, 'MissingPassword', undefined, `No password in ${config.password.variables.join(' or ')}`)
  const resolved = authenticateClient(ctx, config, true)
  const scope = resolveRequestedScope(ctx.services.workspace(), resolved.credential, requestedScope(ctx, config))
  if (!scope.ok) throw tokenEndpointFault(ctx, config, 'InvalidScope', undefined, `None of the requested scopes is granted by ${resolved.app.name}'s API products`)
  const grant: Grant = { resolved, grantType: 'password', scope: scope.scope, attributes: resolveAttributes(ctx, config), withRefresh: true, refreshCount: 0 }
  const user = appEndUser(ctx, config)
  if (user !== undefined) grant.appEndUser = user
  return grant
}
