/**
 * grant_type=authorization_code: exchanges a code for tokens. The code is looked up, checked and consumed
 * with no await in between, so two concurrent exchanges of one code yield exactly one token.
 */
import { PolicyFault, withFaultstring } from '../../../faults/fault'
import { policyFaults } from '../../../faults/oauth'
import { resolveRequestedScope } from '../../../kms'
import { hashToken } from '../../../tokens/hash'
import type { PolicyContext } from '../../types'
import { appEndUser, authenticateClient, isExpired, mergeAttributes, readParam, requestedScope, resolveAttributes, type Grant } from '../common'
import type { OAuthV2Config } from '../config'
import { tokenEndpointFault } from '../responses'

/** Authenticates the client, validates and consumes the code, and returns the grant the code carried. */
export function authorizationCodeGrant(ctx: PolicyContext, config: OAuthV2Config): Grant {
  const resolved = authenticateClient(ctx, config, true)
  const external = config.externalAuthorizationCode ? ctx.variables.getString(config.externalAuthorizationCode) : undefined
  if (external !== undefined && external !== '') {
    // A third-party code is trusted as is: there is no Apigee record to check it against.
    const scope = resolveRequestedScope(ctx.services.workspace(), resolved.credential, requestedScope(ctx, config))
    if (!scope.ok) throw tokenEndpointFault(ctx, config, 'InvalidScope', undefined, `None of the requested scopes is granted by ${resolved.app.name}'s API products`)
    return withEndUser(ctx, config, { resolved, grantType: 'authorization_code', scope: scope.scope, attributes: resolveAttributes(ctx, config), withRefresh: true, refreshCount: 0 })
  }
  const code = readParam(ctx, config.code)
  if (code === undefined) {
    if (config.code.explicit) {
      const variable = config.code.variables[0] ?? ''
      const spec = policyFaults.FailedToResolveAuthorizationCode
      throw new PolicyFault(withFaultstring(spec, spec.faultstring.replace('{0}', variable)), { policy: ctx.policyName, cause: `The variable ${variable} named in <Code> does not resolve` })
    }
    throw tokenEndpointFault(ctx, config, 'MissingCode', undefined, 'No code in the request')
  }
  const redirectUri = readParam(ctx, config.redirectUri)
  if (redirectUri === undefined) throw tokenEndpointFault(ctx, config, 'MissingRedirectUriAtToken', undefined, 'The token request has no redirect_uri')
  // From here to the delete below there is no await: check-and-consume is atomic for this engine.
  const store = ctx.services.tokens
  const record = store.get('authorization_code', hashToken(code))
  const now = ctx.services.clock.now()
  if (!record) throw tokenEndpointFault(ctx, config, 'InvalidCode', undefined, 'The code was never issued, was already used or was deleted')
  if (record.clientId !== resolved.credential.consumerKey) throw tokenEndpointFault(ctx, config, 'InvalidCode', undefined, `The code was issued to another client (${record.clientId})`)
  if (record.status !== 'approved') throw tokenEndpointFault(ctx, config, 'InvalidCode', undefined, 'The code is revoked')
  if (isExpired(record, now)) throw tokenEndpointFault(ctx, config, 'InvalidCode', undefined, `The code expired at ${new Date(record.expiresAt).toISOString()}`)
  if (record.redirectUri !== undefined && record.redirectUri !== redirectUri) {
    throw tokenEndpointFault(ctx, config, 'InvalidRedirectUriAtToken', redirectUri, `The code was issued for redirect_uri ${record.redirectUri}`)
  }
  store.delete('authorization_code', record.hash)
  const grant: Grant = {
    resolved,
    grantType: 'authorization_code',
    scope: record.scope ?? '',
    attributes: mergeAttributes(record.attributes, resolveAttributes(ctx, config)),
    withRefresh: true,
    refreshCount: 0
  }
  if (record.appEndUser !== undefined) grant.appEndUser = record.appEndUser
  return withEndUser(ctx, config, grant)
}

function withEndUser(ctx: PolicyContext, config: OAuthV2Config, grant: Grant): Grant {
  const user = appEndUser(ctx, config)
  if (user !== undefined) grant.appEndUser = user
  return grant
}
