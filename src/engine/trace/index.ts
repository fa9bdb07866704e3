/** Trace storage and secret masking. */
export { TraceBuffer, toTraceSummary, DEFAULT_TRACE_LIMIT, DEFAULT_TRACE_MAX_BYTES } from './buffer'
export type { TraceListener } from './buffer'
export { SecretMasker, secretKindOfVariable, maskWithPrefix, maskAuthorization, FULL_MASK } from './mask'
export type { SecretKind } from './mask'
