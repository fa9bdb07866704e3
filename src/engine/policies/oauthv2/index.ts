/** The OAuthV2 policy: one module per operation, dispatched from the compiled `<Operation>`. */
import type { PolicyContext, PolicyHandler } from '../types'
import { compileOAuthV2, type OAuthOperation, type OAuthV2Config } from './config'
import { generateAccessToken } from './generate-access-token'
import { generateAuthorizationCode } from './generate-authorization-code'
import { generateImplicitToken } from './implicit'
import { generateJwtAccessToken, refreshJwtAccessToken, verifyJwtAccessToken } from './jwt-access-token'
import { refreshAccessToken } from './refresh-access-token'
import { changeTokenStatus } from './token-status'
import { verifyAccessToken } from './verify-access-token'

export { compileOAuthV2, OPERATIONS, GRANT_TYPES, type OAuthV2Config, type OAuthOperation } from './config'
export { wwwAuthenticate } from './verify-access-token'
export { apigeeErrorBody, rfcErrorBody, tokenErrorResponse } from './responses'

const operations: Record<OAuthOperation, (config: OAuthV2Config, ctx: PolicyContext) => void | Promise<void>> = {
  GenerateAccessToken: (config, ctx) => generateAccessToken(config, ctx),
  GenerateAccessTokenImplicitGrant: generateImplicitToken,
  GenerateAuthorizationCode: generateAuthorizationCode,
  RefreshAccessToken: (config, ctx) => refreshAccessToken(config, ctx),
  VerifyAccessToken: verifyAccessToken,
  InvalidateToken: (config, ctx) => changeTokenStatus(config, ctx, 'revoke'),
  ValidateToken: (config, ctx) => changeTokenStatus(config, ctx, 'approve'),
  GenerateJWTAccessToken: generateJwtAccessToken,
  VerifyJWTAccessToken: verifyJwtAccessToken,
  RefreshJWTAccessToken: refreshJwtAccessToken
}

/**
 * `oauthV2.failed` and `oauthV2.<policy>.failed` hold the outcome of the latest OAuthV2 execution: the reference's
 * example FaultRule tests the unscoped one. On failure the runtime sets the scoped one with the other fault variables.
 */
function recordOutcome(ctx: PolicyContext, failed: boolean): void {
  ctx.variables.set('oauthV2.failed', failed)
  if (!failed) ctx.variables.set(`oauthV2.${ctx.policyName}.failed`, false)
}

function executeOperation(config: OAuthV2Config, ctx: PolicyContext): void | Promise<void> {
  let pending: void | Promise<void>
  try {
    pending = operations[config.operation](config, ctx)
  } catch (e) {
    recordOutcome(ctx, true)
    throw e
  }
  if (!pending) return recordOutcome(ctx, false)
  return pending.then(
    () => recordOutcome(ctx, false),
    (e: unknown) => {
      recordOutcome(ctx, true)
      throw e
    }
  )
}

/** The OAuthV2 policy handler (fault variables `oauthV2.<policy>.*`). */
export const oauthV2Handler: PolicyHandler<OAuthV2Config> = {
  type: 'OAuthV2',
  faultVariablePrefix: 'oauthV2',
  compile: compileOAuthV2,
  execute: executeOperation
}
