/** A fault as the fault catalogue describes it. */
export interface FaultSpec {
  /** `fault.name`: the last segment of the documented fault code, e.g. `invalid_access_token`. */
  name: string
  status: number
  /** The `errorcode` written into the response body, e.g. `keymanagement.service.invalid_access_token`. */
  errorcode: string
  faultstring: string
}

/** A complete response that replaces the default fault envelope (token endpoint `{ErrorCode,Error}` bodies). */
export interface FaultResponse {
  status: number
  /** Reason phrase; the standard one for `status` when absent. */
  reasonPhrase?: string
  headers: Array<[string, string]>
  body: string
}

export interface FaultOptions {
  /** The policy that raised it; the runtime fills it in when the policy does not. */
  policy?: string
  /** `fault.cause` / `<prefix>.<policy>.fault.cause`: extra plain-language detail. */
  cause?: string
  /** Response headers added to the envelope, e.g. WWW-Authenticate on VerifyAccessToken failures. */
  headers?: Array<[string, string]>
  /** A body and status that replace the default envelope. */
  response?: FaultResponse
  /** `fault.category`, default `Step`. */
  category?: string
  subcategory?: string
  /** Extra `detail` keys in the envelope (Apigee X messaging faults carry `reason`). */
  detail?: Record<string, string>
}

/**
 * Thrown by a policy or the runtime to put the flow into error state.
 * Errors are data: callers switch on `spec.name` / `spec.errorcode`, never on message text.
 */
export class PolicyFault extends Error {
  constructor(
    readonly spec: FaultSpec,
    readonly options: FaultOptions = {}
  ) {
    super(`${spec.errorcode}: ${spec.faultstring}`)
    this.name = 'PolicyFault'
  }
}

/** Apigee's runtime fault envelope, compact JSON, exactly as the gateway writes it. */
export function faultEnvelope(faultstring: string, errorcode: string, detail: Record<string, string> = {}): string {
  return JSON.stringify({ fault: { faultstring, detail: { errorcode, ...detail } } })
}

/** A fault spec with `{0}`-style placeholders filled in. */
export function withFaultstring(spec: FaultSpec, faultstring: string): FaultSpec {
  return { ...spec, faultstring }
}
