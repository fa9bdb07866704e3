/** tokens.json: the OAuth engine's token records (SHA-256 hashes only), persisted on every change. */
import { z } from 'zod'
import type { TokenRecord } from '../../shared/tokens'

export const TOKENS_SCHEMA_VERSION = 1

/** The fields every record must have; fields the OAuth engine adds later pass through untouched. */
export const tokenRecordSchema = z.looseObject({
  kind: z.enum(['access_token', 'refresh_token', 'authorization_code']),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest'),
  issuedAt: z.number().int(),
  expiresAt: z.number().int(),
  status: z.enum(['approved', 'revoked']),
  clientId: z.string()
})

export const tokensFileSchema = z.object({
  schemaVersion: z.literal(TOKENS_SCHEMA_VERSION),
  tokens: z.array(tokenRecordSchema)
})

/** The file content for a set of records, in a stable order (issue time, then kind and hash). */
export function tokensFileContent(records: TokenRecord[]): { schemaVersion: number; tokens: TokenRecord[] } {
  const tokens = [...records].sort((a, b) => a.issuedAt - b.issuedAt || a.kind.localeCompare(b.kind) || a.hash.localeCompare(b.hash))
  return { schemaVersion: TOKENS_SCHEMA_VERSION, tokens }
}
