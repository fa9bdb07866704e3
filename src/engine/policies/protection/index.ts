/** Protection policies: CORS and the payload threat protections. */
import type { PolicyHandler } from '../types'
import { corsPolicy } from './cors'

export const protectionPolicies: PolicyHandler<any>[] = [corsPolicy]
