/** Stored OAuth artefacts (owned by the OAuth engine; this is the persisted shape). */
export interface TokenRecord {
  kind: 'access_token' | 'refresh_token' | 'authorization_code'
  /** SHA-256 (hex) of the token or code string. */
  hash: string
  issuedAt: number
  /** Epoch ms; -1 = never. */
  expiresAt: number
  status: 'approved' | 'revoked'
  clientId: string
}
