/** Mediation and extension policies (AssignMessage, RaiseFault, ...), owned by the runtime. */
import type { PolicyHandler } from './types'

export const standardPolicies: PolicyHandler<any>[] = []
