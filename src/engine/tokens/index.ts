/** Tokens: the store port, an in-memory store, hashing, minting (opaque and JWT), cache emulation, purge, listing. */
export type { TokenStore } from './store'
export { createMemoryTokenStore, type MemoryTokenStore } from './memory-store'
export { hashToken, secretsEqual } from './hash'
export { mintOpaqueToken, mintJwtId, OPAQUE_TOKEN_LENGTH } from './mint'
export { purgeExpired, grantExpiry, PURGE_DELAY_MS } from './purge'
export { listTokens, type TokenSummary } from './list'
export { TokenCache, tokenCacheFor, effectiveCacheSeconds, MAX_CACHE_SECONDS, type CachedToken } from './cache'
export {
  signAccessJwt,
  verifyAccessJwt,
  accessJwtIssuer,
  signingKey,
  verificationKey,
  isHmac,
  hmacKeyBytes,
  JWT_ALGORITHMS,
  MIN_HMAC_KEY_BYTES,
  ACCESS_TOKEN_JWT_TYPE,
  JWT_CLOCK_SKEW_SECONDS,
  MANDATORY_JWT_CLAIMS,
  type JwtAlgorithm,
  type JwtVerifyFailure,
  type AccessJwtExpectations,
  type JwtKeyError
} from './jwt'
