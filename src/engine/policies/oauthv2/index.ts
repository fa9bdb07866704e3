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

/** The OAuthV2 policy handler (fault variables `oauthV2.<policy>.*`). */
export const oauthV2Handler: PolicyHandler<OAuthV2Config> = {
  type: 'OAuthV2',
  faultVariablePrefix: 'oauthV2',
  compile: compileOAuthV2,
  execute: (config, ctx) => operations[config.operation](config, ctx)
}
