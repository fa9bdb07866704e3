/**
 * The engine's public entry: create an engine, deploy a workspace, handle requests, read traces.
 * Main (listeners, console services) imports the engine only through this file.
 */
export { createEngine, pathSuffixOf } from './runtime'
export type { Engine, EngineDeps, DeploymentReport, ProxyDeploymentResult, DeploymentInfo } from './runtime/engine'
export type { GatewayRequest, GatewayResponse } from './runtime/exchange'
export { TraceBuffer, toTraceSummary, DEFAULT_TRACE_LIMIT, DEFAULT_TRACE_MAX_BYTES } from './trace/buffer'
export type { TraceListener } from './trace/buffer'
export { SecretMasker, FULL_MASK } from './trace/mask'
export { PolicyFault, faultEnvelope } from './faults/fault'
export type { FaultSpec, FaultOptions, FaultResponse } from './faults/fault'
export { applicationNotFound, requestTooLarge } from './faults/runtime'
export { policyHandlers } from './policies'
export type { DeploymentError, PolicyHandler, PolicyContext } from './policies/types'
export { OutboundError, systemClock, cryptoRandom } from './ports'
export type { Clock, RandomSource, HttpClient, OutboundRequest, OutboundResponse, OutboundErrorCode } from './ports'
export type { TokenStore } from './tokens/store'
export { explainTrace, applyFix, fixResolves, accessMatrix, keyCheckOf, inspectJwt } from './explain'
export type { ExplainLookup } from './explain'
export { listTokens, hashToken, purgeExpired } from './tokens'
export { DEFAULT_SANDBOX_LIMITS, DEFAULT_REGEX_TIME_LIMIT_MS } from './sandbox'
export type { SandboxLimits } from './sandbox'
