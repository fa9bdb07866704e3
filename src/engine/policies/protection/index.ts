/** Protection policies: CORS, the payload threat protections, and AccessEntity (reads the workspace's entities). */
import type { PolicyHandler } from '../types'
import { corsPolicy } from './cors'
import { jsonThreatProtectionPolicy } from './json-threat-protection'
import { xmlThreatProtectionPolicy } from './xml-threat-protection'
import { accessEntityPolicy } from './access-entity'

export const protectionPolicies: PolicyHandler<any>[] = [corsPolicy, jsonThreatProtectionPolicy, xmlThreatProtectionPolicy, accessEntityPolicy]
