/** Opaque token and code minting from the engine's RandomSource. */
import type { RandomSource } from '../ports'

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
/** Largest multiple of 62 below 256: bytes at or above it are dropped so every character is equally likely. */
const UNBIASED_LIMIT = 248

/** Length of minted opaque tokens and codes: 32 base62 characters (about 190 bits). */
export const OPAQUE_TOKEN_LENGTH = 32

/** An opaque token or code: `length` base62 characters drawn without modulo bias. */
export function mintOpaqueToken(random: RandomSource, length: number = OPAQUE_TOKEN_LENGTH): string {
  let out = ''
  while (out.length < length) {
    for (const byte of random.bytes(length)) {
      if (byte >= UNBIASED_LIMIT) continue
      out += BASE62[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}

/** A base64url id (JWT `jti`) from 16 random bytes. */
export function mintJwtId(random: RandomSource): string {
  return Buffer.from(random.bytes(16)).toString('base64url')
}
