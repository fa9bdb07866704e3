/** Mediation and extension policies (AssignMessage, RaiseFault, ...), owned by the runtime. */
import type { PolicyHandler } from './types'
import { assignMessagePolicy } from './assign-message'
import { basicAuthenticationPolicy } from './basic-authentication'
import { extractVariablesPolicy } from './extract-variables'
import { javascriptPolicy } from './javascript'
import { keyValueMapPolicy } from './key-value-map'
import { raiseFaultPolicy } from './raise-fault'

/** The standard policy handlers, registered by root element name in policies/index.ts. */
export const standardPolicies: PolicyHandler<any>[] = [
  assignMessagePolicy,
  raiseFaultPolicy,
  basicAuthenticationPolicy,
  extractVariablesPolicy,
  keyValueMapPolicy,
  javascriptPolicy
]
