/** JWT access tokens (GenerateJWTAccessToken and friends), every JWT operation through jose. */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { SignJWT, jwtVerify, decodeProtectedHeader, decodeJwt, errors as joseErrors, type JWTPayload } from 'jose'

export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512'
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512']
/** The `typ` header Apigee writes and requires on JWT access tokens. */
export const ACCESS_TOKEN_JWT_TYPE = 'at+JWT'
/** Apigee's minimum HMAC key lengths in bytes. */
export const MIN_HMAC_KEY_BYTES: Record<'HS256' | 'HS384' | 'HS512', number> = { HS256: 32, HS384: 48, HS512: 64 }
/** Claims a JWT access token must carry to be accepted: RFC 9068 section 2.2's required set. */
export const MANDATORY_JWT_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'] as const
/**
 * How far `nbf` and `iat` may lie ahead of the engine clock (RFC 7519 4.1.5 allows "a small leeway"), for
 * tokens minted by a system whose clock runs a little fast. `exp` gets none: expiry is exact, as for opaque tokens.
 */
export const JWT_CLOCK_SKEW_SECONDS = 30

/** Whether an algorithm is an HMAC one. */
export function isHmac(alg: JwtAlgorithm): alg is 'HS256' | 'HS384' | 'HS512' {
  return alg.startsWith('HS')
}

/** Byte length of an HMAC secret as UTF-8 (how Apigee measures it). */
export function hmacKeyBytes(secret: string): number {
  return new TextEncoder().encode(secret).length
}

export type JwtKeyError = 'insufficient-key-length' | 'invalid-key'

/** The signing key for an algorithm: the UTF-8 secret for HS*, a private KeyObject from PEM for RS*. */
export function signingKey(alg: JwtAlgorithm, material: string): { ok: true; key: Uint8Array | KeyObject } | { ok: false; error: JwtKeyError } {
  if (isHmac(alg)) {
    if (hmacKeyBytes(material) < MIN_HMAC_KEY_BYTES[alg]) return { ok: false, error: 'insufficient-key-length' }
    return { ok: true, key: new TextEncoder().encode(material) }
  }
  try {
    return { ok: true, key: createPrivateKey(material) }
  } catch {
    return { ok: false, error: 'invalid-key' }
  }
}

/** The verification key: the secret for HS*, a public key from a PEM public key, certificate or private key for RS*. */
export function verificationKey(alg: JwtAlgorithm, material: string): { ok: true; key: Uint8Array | KeyObject } | { ok: false; error: JwtKeyError } {
  if (isHmac(alg)) {
    if (hmacKeyBytes(material) < MIN_HMAC_KEY_BYTES[alg]) return { ok: false, error: 'insufficient-key-length' }
    return { ok: true, key: new TextEncoder().encode(material) }
  }
  try {
    return { ok: true, key: createPublicKey(material) }
  } catch {
    return { ok: false, error: 'invalid-key' }
  }
}

/**
 * The `iss` of the JWT access tokens a proxy issues: Apigee's `http(s)://{domain-name-for-proxy}/{proxy-basePath}`,
 * with the environment's first host alias as the domain (`localhost:<port>` when it has none). The request's own
 * Host header is not used: the client chooses it.
 */
export function accessJwtIssuer(environment: { port: number; hostAliases: readonly string[] }, basePath: string): string {
  const domain = environment.hostAliases[0] ?? `localhost:${environment.port}`
  return `http://${domain}${basePath.startsWith('/') ? basePath : `/${basePath}`}`
}

/** Signs a JWT access token with `typ: at+JWT`. Rejects (jose error) when the key does not fit the algorithm. */
export async function signAccessJwt(alg: JwtAlgorithm, key: Uint8Array | KeyObject, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: ACCESS_TOKEN_JWT_TYPE }).sign(key)
}

/** Why a JWT access token was refused; a stable code that faults, traces and explanations switch on. */
export type JwtVerifyFailure =
  | 'decoding-failed'
  | 'algorithm-mismatch'
  | 'invalid-algorithm'
  | 'invalid-type'
  | 'invalid-signature'
  | 'missing-claims'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'wrong-issuer'

/** What a verification checks the claims against. */
export interface AccessJwtExpectations {
  /** The engine clock, epoch ms. */
  now: number
  /** Accepted `iss` values. */
  issuers: readonly string[]
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Whether every segment is base64url in its one canonical spelling. Decoders ignore the spare bits of the last
 * character and trailing `=`, so without this one signature has several spellings, and a revoked token (stored by
 * the hash of its exact text) would come back under another one.
 */
function canonicalSegments(token: string): boolean {
  const segments = token.split('.')
  return segments.length === 3 && segments.every((s) => BASE64URL.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s)
}

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== ''

/** Whether the claims that jose does not type-check have their registered types. */
function wellTypedClaims(claims: JWTPayload): boolean {
  const aud = claims.aud
  const audOk = isNonEmptyString(aud) || (Array.isArray(aud) && aud.length > 0 && aud.every(isNonEmptyString))
  return audOk && isNonEmptyString(claims.iss) && isNonEmptyString(claims.sub) && isNonEmptyString(claims.jti) && isNonEmptyString(claims['client_id'])
}

function claimFailure(error: InstanceType<typeof joseErrors.JWTClaimValidationFailed>): JwtVerifyFailure {
  if (error.reason === 'check_failed') {
    if (error.claim === 'iss') return 'wrong-issuer'
    if (error.claim === 'nbf') return 'not-yet-valid'
    if (error.claim === 'iat') return 'issued-in-future'
  }
  // Absent, or present with the wrong type (`"exp": "9999999999"`): either way the claim is not there as required.
  return 'missing-claims'
}

/**
 * Verifies a JWT access token in Apigee's order: decodable -> algorithm present and supported -> algorithm
 * equals the policy's -> typ at+JWT -> signature (and `crit`) -> mandatory claims -> issuer -> `nbf` -> expiry
 * -> `iat`, all on the engine clock. `nbf` and `iat` may be up to JWT_CLOCK_SKEW_SECONDS ahead; `exp` is exact.
 */
export async function verifyAccessJwt(
  token: string,
  alg: JwtAlgorithm,
  key: Uint8Array | KeyObject,
  expect: AccessJwtExpectations
): Promise<{ ok: true; claims: JWTPayload } | { ok: false; failure: JwtVerifyFailure }> {
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(token)
    decodeJwt(token)
  } catch {
    return { ok: false, failure: 'decoding-failed' }
  }
  if (!canonicalSegments(token)) return { ok: false, failure: 'decoding-failed' }
  if (typeof header.alg !== 'string' || !(JWT_ALGORITHMS as readonly string[]).includes(header.alg)) {
    return { ok: false, failure: 'invalid-algorithm' }
  }
  if (header.alg !== alg) return { ok: false, failure: 'algorithm-mismatch' }
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== ACCESS_TOKEN_JWT_TYPE.toLowerCase()) {
    return { ok: false, failure: 'invalid-type' }
  }
  let claims: JWTPayload
  try {
    const verified = await jwtVerify(token, key, {
      algorithms: [alg],
      currentDate: new Date(expect.now),
      clockTolerance: JWT_CLOCK_SKEW_SECONDS,
      requiredClaims: [...MANDATORY_JWT_CLAIMS],
      issuer: [...expect.issuers],
      // Any age is fine (exp bounds it); setting it makes jose refuse an `iat` in the future.
      maxTokenAge: Number.MAX_SAFE_INTEGER
    })
    claims = verified.payload
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { ok: false, failure: 'expired' }
    if (error instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, failure: claimFailure(error) }
    // A wrong signature, an unknown `crit` extension, an unencoded payload: the signature cannot be verified.
    return { ok: false, failure: 'invalid-signature' }
  }
  if (!wellTypedClaims(claims)) return { ok: false, failure: 'missing-claims' }
  // jose allowed the clock skew on exp too; expiry itself is exact.
  if (typeof claims.exp !== 'number' || expect.now >= claims.exp * 1000) return { ok: false, failure: 'expired' }
  return { ok: true, claims }
}
