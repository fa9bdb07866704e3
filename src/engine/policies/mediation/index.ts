/** Mediation policies that convert or read payloads (XMLToJSON, JSONToXML). */
import type { PolicyHandler } from '../types'
import { xmlToJsonPolicy } from './xml-to-json'

export const mediationPolicies: PolicyHandler<any>[] = [xmlToJsonPolicy]
