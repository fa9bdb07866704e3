/** Token hashing: tokens and codes are stored and looked up by SHA-256, never kept in clear. */
import { createHash, timingSafeEqual } from 'node:crypto'

/** SHA-256 of a token or code string, lower-case hex. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex')
}

/** Compares two secrets in constant time (hashing first so unequal lengths leak nothing either). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest()
  const hb = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(ha, hb) && a.length === b.length
}
