/** Trace storage and secret masking. */
export { TraceBuffer, toTraceSummary, DEFAULT_TRACE_LIMIT, DEFAULT_TRACE_MAX_BYTES } from './buffer'
export type { TraceListener } from './buffer'
export { SecretMasker, secretKindOfVariable, maskWithPrefix, maskAuthorization, FULL_MASK } from './mask'
export { collectExchangeSecrets } from './secrets'
export type { ExchangeSecrets } from './secrets'
export type { SecretKind } from './mask'
