/**
 * GenerateJWTAccessToken, RefreshJWTAccessToken and VerifyJWTAccessToken: the same grants as the opaque
 * operations, with the access token a JWT (`typ: at+JWT`) signed through jose. The JWT's hash is stored
 * too, so refresh, GetOAuthV2Info and revocation by app find it.
 */
import { PolicyFault, withFaultstring } from '../../faults/fault'
import { verifyFaults } from '../../faults/oauth'
import { hashToken } from '../../tokens/hash'
import { signAccessJwt, signingKey, verificationKey, verifyAccessJwt, MIN_HMAC_KEY_BYTES, type JwtVerifyFailure } from '../../tokens/jwt'
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
    const claims: Record<string, unknown> = {
      jti: mintJwtId(ctx.services.random),
      iat: Math.floor(now / 1000),
      exp: Math.floor((now + (lifetime < 0 ? NEVER_EXPIRING_JWT_MS : lifetime)) / 1000),
      client_id: credential.consumerKey,
      scope: grant.scope,
      application_name: app.appId,
      'developer.email': developer.email,
      api_product_list: credential.apiProducts.map((p) => p.apiproduct),
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
  expired: 'access_token_expired'
}

/** VerifyJWTAccessToken: signature and claims first, then revocation, credential, product and scope as for opaque tokens. */
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
  const verified = await verifyAccessJwt(token, alg, key.key, now)
  if (!verified.ok) throw verifyFault(ctx, verifyFaults[jwtFailureFaults[verified.failure]], `JWT check failed: ${verified.failure}`)
  const claims = verified.claims
  const record = ctx.services.tokens.get('access_token', hashToken(token))
  if (record && record.status !== 'approved') throw verifyFault(ctx, verifyFaults.access_token_not_approved, 'The JWT access token was revoked')
  const clientId = String(claims['client_id'])
  const scope = typeof claims['scope'] === 'string' ? claims['scope'] : ''
  const authorized = authorizeTokenUse(ctx, config, clientId, scope)
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
