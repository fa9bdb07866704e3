/** A JWT access token taken apart for the console: decoded parts and whether a key of the workspace verifies it. */
export interface JwtInspection {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  signature: {
    /** true: a key of a JWT policy verifies it; false: no known key does; null: nothing to check against. */
    verified: boolean | null
    detail: string
    /** The policy, proxy and environment whose key verified it. */
    policy?: string
    proxy?: string
    environment?: string
  }
}
