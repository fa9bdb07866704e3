/**
 * Access decisions as the console shows them: which app credential can call which proxy in which
 * environment, and why. Computed in the engine by the same key-management decision the gateway uses.
 */

/** The API call a key or token is presented for. */
export interface ApiCall {
  proxy: string
  environment: string
  pathsuffix: string
  verb: string
}

export interface ProductCheck {
  ok: boolean
  /** Plain words, e.g. "Product_One is enabled for test only, not prod". */
  detail: string
}

export interface MatchedOperation {
  resource: string
  methods: string[]
  attributes: Record<string, string>
  /** The operation config's quota, which overrides the product quota (reference 4.2 rule 5). */
  quota?: { limit: string; interval: string; timeUnit: string }
}

/** One product on the credential, checked against the call: which of approval, environment, proxy, path, method failed. */
export interface ProductEvaluation {
  product: string
  exists: boolean
  entryStatus: 'approved' | 'pending' | 'revoked'
  approval: ProductCheck
  environment: ProductCheck
  proxy: ProductCheck
  resource: ProductCheck
  method: ProductCheck
  matched: boolean
  operation?: MatchedOperation
}

/** How a proxy checks its callers, read from its policies. */
export type KeyCheck = 'access-token' | 'api-key' | 'none'

export interface AccessColumn {
  proxy: string
  environment: string
  basePath: string
  keyCheck: KeyCheck
  /** The representative call each cell is decided for, e.g. `GET /api-one/`. */
  call: ApiCall
}

export interface AccessCell {
  proxy: string
  environment: string
  allowed: boolean
  /** The fault the gateway would raise, or null when allowed. */
  fault: { name: string; status: number; errorcode: string; faultstring: string } | null
  /** One sentence: why allowed (which product) or why not. */
  reason: string
  /** The product that authorizes the call, when allowed. */
  product: string | null
  evaluations: ProductEvaluation[]
}

export interface AccessRow {
  app: string
  developer: string
  consumerKey: string
  credentialStatus: 'approved' | 'revoked'
  cells: AccessCell[]
}

export interface AccessMatrix {
  columns: AccessColumn[]
  rows: AccessRow[]
  computedAt: number
}
