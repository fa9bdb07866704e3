/** GenerateAccessToken: the token endpoint for client_credentials, password and authorization_code. */
import type { PolicyContext } from '../types'
import { issueTokens, setAccessTokenVariables, tokenResponseFields, readParam, type Grant, type Issued } from './common'
import type { OAuthV2Config } from './config'
import { authorizationCodeGrant } from './grants/authorization-code'
import { clientCredentialsGrant } from './grants/client-credentials'
import { passwordGrant } from './grants/password'
import { tokenEndpointFault, writeTokenJson } from './responses'

/** Signs a JWT access token for a grant (GenerateJWTAccessToken / RefreshJWTAccessToken); absent for opaque tokens. */
export type AccessTokenSigner = (grant: Grant) => Promise<string>

const grantModules: Record<string, (ctx: PolicyContext, config: OAuthV2Config) => Grant> = {
  client_credentials: clientCredentialsGrant,
  password: passwordGrant,
  authorization_code: authorizationCodeGrant
}

/** Sets the variables and, with GenerateResponse, the JSON response for newly issued tokens. */
export function respondWithTokens(ctx: PolicyContext, config: OAuthV2Config, issued: Issued): void {
  const fields = tokenResponseFields(ctx, config, issued, issued.refreshToken)
  setAccessTokenVariables(ctx, fields, issued)
  ctx.note(`issued ${issued.access.grantType} access token for ${issued.access.appName ?? issued.access.clientId}, scope "${issued.access.scope ?? ''}"`)
  if (config.generateResponse) writeTokenJson(ctx, config, fields)
}

/** Runs the grant named by grant_type and issues the tokens. */
export async function generateAccessToken(config: OAuthV2Config, ctx: PolicyContext, signer?: AccessTokenSigner): Promise<void> {
  const grantType = readParam(ctx, config.grantType)
  if (grantType === undefined) throw tokenEndpointFault(ctx, config, 'MissingGrantType', undefined, `No grant_type in ${config.grantType.variables.join(' or ')}`)
  const grantModule = grantModules[grantType]
  if (!grantModule || !config.supportedGrantTypes.includes(grantType)) {
    throw tokenEndpointFault(ctx, config, 'UnsupportedGrantType', grantType, `grant_type ${grantType} is not among the policy's supported grant types (${config.supportedGrantTypes.join(', ')})`)
  }
  // The grant (including consuming an authorization code) completes synchronously, before any await.
  const grant = grantModule(ctx, config)
  const external = config.externalAccessToken ? ctx.variables.getString(config.externalAccessToken) : undefined
  if (external !== undefined && external !== '') grant.externalAccessToken = external
  const externalRefresh = config.externalRefreshToken ? ctx.variables.getString(config.externalRefreshToken) : undefined
  if (externalRefresh !== undefined && externalRefresh !== '') grant.externalRefreshToken = externalRefresh
  const jwt = signer ? await signer(grant) : undefined
  respondWithTokens(ctx, config, issueTokens(ctx, config, grant, jwt))
}
