/**
 * GenerateJWTAccessToken, RefreshJWTAccessToken and VerifyJWTAccessToken: the same grants as the opaque
 * operations, with the access token a JWT (`typ: at+JWT`, RFC 9068 claims) signed through jose. The JWT's hash
 * is stored too, so refresh, GetOAuthV2Info, InvalidateToken and revocation by app find it, and
 * VerifyJWTAccessToken refuses it once revoked.
 */
import { PolicyFault, withFaultstring } from '../../faults/fault'
import { verifyFaults } from '../../faults/oauth'
import { hashToken } from '../../tokens/hash'
import { accessJwtIssuer, signAccessJwt, signingKey, verificationKey, verifyAccessJwt, JWT_CLOCK_SKEW_SECONDS, MIN_HMAC_KEY_BYTES, type JwtVerifyFailure } from '../../tokens/jwt'
import { mintJwtId } from '../../tokens/mint'
import type { PolicyContext } from '../types'
import { DEFAULT_ACCESS_TOKEN_MS, resolveLifetimeMs, type Grant } from './common'
import type { KeyConfig, OAuthV2Config } from './config'
import { generateAccessToken, type AccessTokenSigner } from './generate-access-token'
import { refreshAccessToken } from './refresh-access-token'
import { authorizeTokenUse, extractAccessToken, setVerifyVariables, verifyFault } from './verify-access-token'

/** A JWT for -1 ("maximum") lifetimes still needs an exp claim: 10 years. */
const NEVER_EXPIRING_JWT_MS = 315_360_000_000

function keyMaterial(ctx: PolicyContext, key: KeyConfig | undefined): string | undefined {
  if (!key) return undefined
  const fromRef = key.ref ? ctx.variables.getString(key.ref) : undefined
  return fromRef ?? key.value
}

function signingFailed(ctx: PolicyContext, cause: string): PolicyFault {
  ctx.note(cause)
  return new PolicyFault(verifyFaults.JWTSigningFailed, { policy: ctx.policyName, cause })
}

function insufficientKeyLength(ctx: PolicyContext, config: OAuthV2Config, verifying = false): PolicyFault {
  const alg = config.algorithm ?? 'HS256'
  const spec = withFaultstring(verifyFaults.InsufficientKeyLength, verifyFaults.InsufficientKeyLength.faultstring.replace('{0}', alg))
  const cause = `${alg} needs a key of at least ${MIN_HMAC_KEY_BYTES[alg as 'HS256'] ?? 0} bytes`
  // A 401 raised while verifying a token carries WWW-Authenticate like every other verify failure (reference 1.2).
  if (verifying) return verifyFault(ctx, spec, cause)
  ctx.note(cause)
  return new PolicyFault(spec, { policy: ctx.policyName, cause })
}

/** Builds the signer for the policy's algorithm and key (resolved per request: keys live in private.* variables). */
export function jwtSigner(config: OAuthV2Config, ctx: PolicyContext): AccessTokenSigner {
  return async (grant: Grant) => {
    const alg = config.algorithm
    if (!alg) throw signingFailed(ctx, 'The policy has no valid <Algorithm>')
    const material = keyMaterial(ctx, alg.startsWith('HS') ? config.secretKey : config.privateKey)
    if (material === undefined || material === '') throw signingFailed(ctx, 'The signing key variable does not resolve')
    const key = signingKey(alg, material)
    if (!key.ok) throw key.error === 'insufficient-key-length' ? insufficientKeyLength(ctx, config) : signingFailed(ctx, 'The private key is not a PEM RSA private key')
    const now = ctx.services.clock.now()
    const lifetime = resolveLifetimeMs(ctx, config.expiresIn, DEFAULT_ACCESS_TOKEN_MS)
    const { app, developer, credential } = grant.resolved
    const products = credential.apiProducts.map((p) => p.apiproduct)
    const claims: Record<string, unknown> = {
      // RFC 9068 2.2: iss, sub, aud, exp, iat, jti, client_id. Apigee's iss and sub; aud names the API products
      // the token is for (the resource server of an Apigee call is the product that covers it).
      iss: accessJwtIssuer(ctx.environment, ctx.proxy.basePath),
      sub: grant.appEndUser ?? credential.consumerKey,
      aud: products,
      jti: mintJwtId(ctx.services.random),
      iat: Math.floor(now / 1000),
      exp: Math.floor((now + (lifetime < 0 ? NEVER_EXPIRING_JWT_MS : lifetime)) / 1000),
      client_id: credential.consumerKey,
      scope: grant.scope,
      application_name: app.appId,
      'developer.email': developer.email,
      api_product_list: products,
      organization_name: ctx.services.workspace().organization.name,
      grant_type: grant.grantType
    }
    if (grant.appEndUser !== undefined) claims['app_enduser'] = grant.appEndUser
    for (const a of grant.attributes) if (a.display && !(a.name in claims)) claims[a.name] = a.value
    try {
      return await signAccessJwt(alg, key.key, claims)
    } catch (error) {
      throw signingFailed(ctx, `jose could not sign: ${(error as Error).message}`)
    }
  }
}

/** GenerateJWTAccessToken. */
export function generateJwtAccessToken(config: OAuthV2Config, ctx: PolicyContext): Promise<void> {
  return generateAccessToken(config, ctx, jwtSigner(config, ctx))
}

/** RefreshJWTAccessToken. */
export function refreshJwtAccessToken(config: OAuthV2Config, ctx: PolicyContext): Promise<void> {
  return refreshAccessToken(config, ctx, jwtSigner(config, ctx))
}

const jwtFailureFaults: Record<JwtVerifyFailure, keyof typeof verifyFaults> = {
  'decoding-failed': 'JWTDecodingFailed',
  'invalid-algorithm': 'InvalidValueForJWTAlgorithm',
  'algorithm-mismatch': 'JWTAlgorithmMismatch',
  'invalid-type': 'InvalidTypeInJWTHeader',
  'invalid-signature': 'InvalidJWTSignature',
  'missing-claims': 'MissingMandatoryClaimsInJWT',
  expired: 'access_token_expired',
  // The reference names no fault for these three: its generic "the access token sent from the client is invalid".
  'not-yet-valid': 'invalid_access_token',
  'issued-in-future': 'invalid_access_token',
  'wrong-issuer': 'invalid_access_token'
}

/** Why a JWT check failed, in words for the trace. */
const jwtFailureCauses: Record<JwtVerifyFailure | 'revoked', string> = {
  'decoding-failed': 'The token is not a JWT in compact form with canonical base64url segments and JSON header and payload',
  'invalid-algorithm': 'The JWT header names no algorithm, or one that is not HS256/384/512 or RS256/384/512 (such as none)',
  'algorithm-mismatch': "The JWT header's alg differs from the policy's <Algorithm>",
  'invalid-type': 'The JWT header typ is not at+JWT',
  'invalid-signature': "The JWT's signature does not verify with the policy's key (or the header lists a crit extension the gateway does not support)",
  'missing-claims': 'The JWT lacks one of iss, sub, aud, exp, iat, jti, client_id, or one of them has the wrong type',
  expired: 'The JWT access token has expired (exp is in the past)',
  'not-yet-valid': `The JWT's nbf lies more than ${JWT_CLOCK_SKEW_SECONDS} s in the future`,
  'issued-in-future': `The JWT's iat lies more than ${JWT_CLOCK_SKEW_SECONDS} s in the future`,
  'wrong-issuer': "The JWT's iss is not an issuer of this environment",
  revoked: 'The JWT access token was revoked'
}

/**
 * The flow variable that says which JWT check failed (`oauthV2.<policy>.jwt.failure`): a stable code for
 * FaultRules and explanations, since several checks share one documented fault.
 */
export const jwtFailureVariable = (policy: string): string => `oauthV2.${policy}.jwt.failure`

function jwtRefused(ctx: PolicyContext, failure: JwtVerifyFailure | 'revoked'): PolicyFault {
  ctx.variables.set(jwtFailureVariable(ctx.policyName), failure)
  const spec = verifyFaults[failure === 'revoked' ? 'access_token_not_approved' : jwtFailureFaults[failure]]
  return verifyFault(ctx, spec, jwtFailureCauses[failure])
}

/** The `iss` values accepted here: those of the proxies deployed to this environment (this one included). */
function acceptedIssuers(ctx: PolicyContext): string[] {
  const env = ctx.environment
  const basePaths = ctx.services
    .workspace()
    .proxies.filter((p) => p.environments.includes(env.name))
    .map((p) => p.basePath)
  return [...new Set([ctx.proxy.basePath, ...basePaths])].map((basePath) => accessJwtIssuer(env, basePath))
}

/** The `aud` claim as a list (a string or an array of strings once verified). */
function audienceOf(aud: unknown): string[] {
  return Array.isArray(aud) ? aud.map(String) : [String(aud)]
}

/**
 * VerifyJWTAccessToken: signature, header and claims first, then revocation (the stored record of the token),
 * then credential, product (among the token's aud) and scope as for opaque tokens.
 */
export async function verifyJwtAccessToken(config: OAuthV2Config, ctx: PolicyContext): Promise<void> {
  const token = extractAccessToken(ctx, config)
  const alg = config.algorithm
  if (!alg) throw verifyFault(ctx, verifyFaults.InvalidValueForJWTAlgorithm, 'The policy has no valid <Algorithm>')
  const material = keyMaterial(ctx, alg.startsWith('HS') ? config.secretKey : config.publicKey)
  if (material === undefined || material === '') throw verifyFault(ctx, verifyFaults.InvalidJWTSignature, 'The verification key variable does not resolve')
  const key = verificationKey(alg, material)
  if (!key.ok) {
    if (key.error === 'insufficient-key-length') throw insufficientKeyLength(ctx, config, true)
    throw verifyFault(ctx, verifyFaults.InvalidJWTSignature, 'The public key is not a PEM public key or certificate')
  }
  const now = ctx.services.clock.now()
  const verified = await verifyAccessJwt(token, alg, key.key, { now, issuers: acceptedIssuers(ctx) })
  if (!verified.ok) throw jwtRefused(ctx, verified.failure)
  const claims = verified.claims
  const clientId = String(claims['client_id'])
  // Segments are canonical once verified, so the hash is the one the token was stored (and revoked) under.
  const record = ctx.services.tokens.get('access_token', hashToken(token))
  // Who the token belongs to is known from here on; traces and explanations need it even when a later check fails.
  ctx.variables.set('client_id', clientId)
  if (record?.appName) ctx.variables.set('developer.app.name', record.appName)
  if (record && record.status !== 'approved') throw jwtRefused(ctx, 'revoked')
  const scope = typeof claims['scope'] === 'string' ? claims['scope'] : ''
  const audience = audienceOf(claims.aud)
  const authorized = authorizeTokenUse(ctx, config, clientId, scope, {
    audience,
    onAudienceExcluded: () => ctx.variables.set(jwtFailureVariable(ctx.policyName), 'audience')
  })
  const view = {
    clientId,
    issuedAt: (claims.iat ?? 0) * 1000,
    expiresAt: (claims.exp ?? 0) * 1000,
    status: 'approved' as const,
    scope,
    attributes: record?.attributes ?? [],
    ...(record?.appEndUser !== undefined ? { appEndUser: record.appEndUser } : {}),
    ...(typeof claims['organization_name'] === 'string' ? { organization: claims['organization_name'] } : {})
  }
  setVerifyVariables(ctx, token, view, authorized, false)
  ctx.note(`JWT access token of ${authorized.resolved.app.name} verified with ${alg}`)
}
