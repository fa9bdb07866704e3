/** Protection policies: CORS and the payload threat protections. */
import type { PolicyHandler } from '../types'
import { corsPolicy } from './cors'
import { jsonThreatProtectionPolicy } from './json-threat-protection'
import { xmlThreatProtectionPolicy } from './xml-threat-protection'

export const protectionPolicies: PolicyHandler<any>[] = [corsPolicy, jsonThreatProtectionPolicy, xmlThreatProtectionPolicy]
