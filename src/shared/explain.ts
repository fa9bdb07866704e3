/**
 * Explanations of failed requests: what the client saw, what the gateway knew, why it failed and
 * fixes the console can apply. Produced by the engine (src/engine/explain), shown by the renderer.
 */

/**
 * A fix as data: the console applies it by calling `method` with `input` (a console contract method
 * such as `apps.setProductStatus`, or a workbench action `workbench.*`), then resends when `resend`.
 * Workbench actions: `workbench.useCredential` {app, consumerKey}, `workbench.useEnvironment` {environment},
 * `workbench.requestToken` {app?, consumerKey?, scope?}, `workbench.resend` {}.
 */
export interface Fix {
  /** Stable within one diagnosis, e.g. `approve-product:Product_Manual`. */
  id: string
  /** Plain words, e.g. "Approve Product_Manual on App_Three's key". */
  label: string
  method: string
  input: unknown
  /** True when this fix alone makes the same request succeed (checked against a copy of the workspace). */
  resend: boolean
}

/** One fact the diagnosis checked, with whether it was fine. */
export interface Evidence {
  label: string
  ok: boolean
  detail: string
}

/** Stable codes of diagnosed causes; the UI switches on these, never on text. */
export type DiagnosisCode =
  | 'no-product-match'
  | 'unknown-key'
  | 'credential-revoked'
  | 'credential-expired'
  | 'app-revoked'
  | 'developer-inactive'
  | 'key-missing'
  | 'token-missing'
  | 'token-unknown'
  | 'token-expired'
  | 'token-revoked'
  | 'insufficient-scope'
  | 'jwt-invalid'
  | 'token-request-invalid'
  | 'client-invalid'
  | 'scope-invalid'
  | 'grant-type-unsupported'
  | 'info-lookup-failed'
  | 'proxy-not-found'
  | 'raise-fault'
  | 'target-failed'
  | 'internal-error'
  | 'setup-changed'
  /** A protection policy (CORS, JSON/XML threat protection) refused the request. */
  | 'payload-rejected'
  | 'unknown-fault'

export interface Diagnosis {
  faultName: string
  code: DiagnosisCode
  /** What the client received. */
  clientView: { status: number; summary: string }
  /** What the gateway knew: app, credential, products, environment, proxy, path. */
  gatewayView: string[]
  /** One sentence. */
  cause: string
  evidence: Evidence[]
  fixes: Fix[]
}
