/** Mediation policies that convert payloads (XMLToJSON, JSONToXML). */
import type { PolicyHandler } from '../types'
import { jsonToXmlPolicy } from './json-to-xml'
import { xmlToJsonPolicy } from './xml-to-json'

export const mediationPolicies: PolicyHandler<any>[] = [xmlToJsonPolicy, jsonToXmlPolicy]
