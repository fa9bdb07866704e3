/**
 * InvalidateToken and ValidateToken (reference 6.2): revoke or re-approve the tokens named in
 * `<Tokens><Token type cascade>`. An access token always takes its refresh token along; a refresh token
 * takes its access token along unless cascade="false". Unknown tokens are silently accepted. JWT access
 * tokens issued here are revoked like opaque ones (their stored record, found by the hash of the JWT), a
 * deliberate departure from reference 6.2 rule 8 (docs/fidelity.md).
 */
import type { TokenRecord } from '../../../shared/tokens'
import { PolicyFault, withFaultstring } from '../../faults/fault'
import { policyFaults } from '../../faults/oauth'
import { hashToken } from '../../tokens/hash'
import type { PolicyContext } from '../types'
import type { OAuthV2Config } from './config'

type Action = 'revoke' | 'approve'

function apply(ctx: PolicyContext, record: TokenRecord, action: Action): void {
  const updated: TokenRecord = { ...record, status: action === 'revoke' ? 'revoked' : 'approved' }
  if (action === 'revoke') updated.revokeReason = 'TOKEN_REVOKED'
  else delete updated.revokeReason
  ctx.services.tokens.put(updated)
}

function applyToAccessToken(ctx: PolicyContext, access: TokenRecord, action: Action): void {
  apply(ctx, access, action)
  const refresh = access.pairedHash ? ctx.services.tokens.get('refresh_token', access.pairedHash) : undefined
  if (refresh) apply(ctx, refresh, action)
}

/** Revokes (InvalidateToken) or re-approves (ValidateToken) every configured token. */
export function changeTokenStatus(config: OAuthV2Config, ctx: PolicyContext, action: Action): void {
  const store = ctx.services.tokens
  for (const token of config.tokens) {
    if (token.type !== 'accesstoken' && token.type !== 'refreshtoken') {
      const spec = policyFaults.InvalidTokenType
      throw new PolicyFault(withFaultstring(spec, spec.faultstring.replace('{0}', token.type)), { policy: ctx.policyName, cause: `type must be accesstoken or refreshtoken, found "${token.type}"` })
    }
    const value = ctx.variables.getString(token.variable)
    if (value === undefined) {
      const spec = policyFaults.FailedToResolveToken
      throw new PolicyFault(withFaultstring(spec, spec.faultstring.replace('{0}', token.variable)), { policy: ctx.policyName, cause: `The variable ${token.variable} does not resolve` })
    }
    const hash = hashToken(value)
    const verb = action === 'revoke' ? 'revoked' : 're-approved'
    if (token.type === 'refreshtoken') {
      const refresh = store.get('refresh_token', hash)
      if (refresh) {
        apply(ctx, refresh, action)
        const access = token.cascade && refresh.pairedHash ? store.get('access_token', refresh.pairedHash) : undefined
        if (access) apply(ctx, access, action)
        ctx.note(`${verb} the refresh token${access ? ' and its access token' : ''}`)
        continue
      }
    }
    const access = store.get('access_token', hash)
    if (access) {
      applyToAccessToken(ctx, access, action)
      ctx.note(`${verb} the ${access.jwt ? 'JWT ' : ''}access token and its refresh token`)
    } else {
      ctx.note(`no such token; nothing ${verb} (accepted silently, as on Apigee)`)
    }
  }
}
