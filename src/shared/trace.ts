/**
 * Trace records: what the gateway did for one request, like Apigee's Debug tool shows it.
 * Built by the engine, kept in a bounded buffer by main, shown by the renderer.
 */

/** Headers as an ordered list of [name, value] pairs, as they went over the wire. */
export type HeaderList = Array<[string, string]>

/** A request or response as received or sent. Bodies over the trace limit are cut and flagged. */
export interface MessageSnapshot {
  method?: string
  url?: string
  status?: number
  reasonPhrase?: string
  headers: HeaderList
  body: string
  /** Set when `body` is only the first part of the body (the trace keeps 64 KiB of each). */
  bodyTruncated?: boolean
  /** With bodyTruncated: the whole body's size in bytes. */
  bodyBytes?: number
}

/** One read or write of a flow variable by a step. Masked values read `********`. */
export interface VariableAccess {
  name: string
  value: string | null
  previous?: string | null
}

export type TracePhase =
  | 'proxy-request'
  | 'target-request'
  | 'target'
  | 'target-response'
  | 'proxy-response'
  | 'post-client'
  | 'error'

export type TraceStepKind = 'flow' | 'policy' | 'route' | 'target' | 'fault-rule' | 'info'

export interface TraceStepError {
  name: string
  errorcode: string
  faultstring: string
  status: number
}

export interface TraceStep {
  index: number
  kind: TraceStepKind
  phase: TracePhase
  /** Flow that holds the step: `PreFlow`, `PostFlow`, `Flow:<name>`, `FaultRule:<name>`, `DefaultFaultRule`. */
  flow?: string
  /** Endpoint the step belongs to: `ProxyEndpoint:default`, `TargetEndpoint:default`. */
  endpoint?: string
  policy?: string
  policyType?: string
  /** Human summary, e.g. "Flow token matched" or "RouteRule default -> TargetEndpoint default". */
  description?: string
  condition?: string
  conditionResult?: boolean
  executed: boolean
  /** `marked-skip`: a policy Gatelab cannot run, which the proxy's `skipPolicies` lists. */
  skippedReason?: 'condition-false' | 'disabled' | 'marked-skip'
  startedAt: number
  durationMs: number
  reads: VariableAccess[]
  writes: VariableAccess[]
  error?: TraceStepError
  continueOnError?: boolean
}

export interface TraceFault {
  name: string
  errorcode: string
  faultstring: string
  status: number
  policy?: string
  /** Extra plain-language cause the policy knew (e.g. `Required param : grant_type`). */
  cause?: string
  /** Every fault.* and <prefix>.<policy>.* variable at the moment the fault was raised. */
  variables: Record<string, string>
}

export interface TraceSummary {
  id: string
  messageId: string
  startedAt: number
  durationMs: number
  environment: string
  proxy: string | null
  method: string
  path: string
  status: number
  faultName: string | null
  app: string | null
  clientId: string | null
}

export interface TraceRecord extends TraceSummary {
  request: MessageSnapshot
  targetRequest?: MessageSnapshot
  targetResponse?: MessageSnapshot
  response: MessageSnapshot
  steps: TraceStep[]
  fault: TraceFault | null
  /** All flow variables at the end of the request (masked where private). */
  variables: Record<string, string>
}
