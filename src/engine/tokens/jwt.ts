/** JWT access tokens (GenerateJWTAccessToken and friends), every JWT operation through jose. */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { SignJWT, jwtVerify, decodeProtectedHeader, decodeJwt, errors as joseErrors, type JWTPayload } from 'jose'

export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512'
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512']
/** The `typ` header Apigee writes and requires on JWT access tokens. */
export const ACCESS_TOKEN_JWT_TYPE = 'at+JWT'
/** Apigee's minimum HMAC key lengths in bytes. */
export const MIN_HMAC_KEY_BYTES: Record<'HS256' | 'HS384' | 'HS512', number> = { HS256: 32, HS384: 48, HS512: 64 }
/** Claims a JWT access token must carry to be accepted. */
export const MANDATORY_JWT_CLAIMS = ['jti', 'iat', 'exp', 'client_id'] as const

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

/** Signs a JWT access token with `typ: at+JWT`. Rejects (jose error) when the key does not fit the algorithm. */
export async function signAccessJwt(alg: JwtAlgorithm, key: Uint8Array | KeyObject, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: ACCESS_TOKEN_JWT_TYPE }).sign(key)
}

export type JwtVerifyFailure =
  | 'decoding-failed'
  | 'algorithm-mismatch'
  | 'invalid-algorithm'
  | 'invalid-type'
  | 'invalid-signature'
  | 'missing-claims'
  | 'expired'

/**
 * Verifies a JWT access token in Apigee's order: decodable -> algorithm present and supported -> algorithm
 * equals the policy's -> typ at+JWT -> signature -> mandatory claims -> expiry (`now` from the engine clock).
 */
export async function verifyAccessJwt(
  token: string,
  alg: JwtAlgorithm,
  key: Uint8Array | KeyObject,
  now: number
): Promise<{ ok: true; claims: JWTPayload } | { ok: false; failure: JwtVerifyFailure }> {
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(token)
    decodeJwt(token)
  } catch {
    return { ok: false, failure: 'decoding-failed' }
  }
  if (typeof header.alg !== 'string' || !(JWT_ALGORITHMS as readonly string[]).includes(header.alg)) {
    return { ok: false, failure: 'invalid-algorithm' }
  }
  if (header.alg !== alg) return { ok: false, failure: 'algorithm-mismatch' }
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== ACCESS_TOKEN_JWT_TYPE.toLowerCase()) {
    return { ok: false, failure: 'invalid-type' }
  }
  let claims: JWTPayload
  try {
    // Expiry is judged below against the engine clock, not the wall clock.
    const verified = await jwtVerify(token, key, { algorithms: [alg], currentDate: new Date(now), clockTolerance: Number.MAX_SAFE_INTEGER })
    claims = verified.payload
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, failure: 'invalid-signature' }
    if (error instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, failure: 'missing-claims' }
    return { ok: false, failure: 'invalid-signature' }
  }
  for (const claim of MANDATORY_JWT_CLAIMS) if (claims[claim] === undefined) return { ok: false, failure: 'missing-claims' }
  if (typeof claims.exp !== 'number' || now >= claims.exp * 1000) return { ok: false, failure: 'expired' }
  return { ok: true, claims }
}
