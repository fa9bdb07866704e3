/** Fault types, the fault envelope and the runtime's own fault catalogue. */
export { PolicyFault, faultEnvelope, withFaultstring } from './fault'
export type { FaultSpec, FaultOptions, FaultResponse } from './fault'
export * from './runtime'
