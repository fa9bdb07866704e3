/**
 * JSONThreatProtection: checks a JSON payload against size and structure limits with a streaming scan
 * (json-scan.ts) before any other policy parses it. Only JSON messages are inspected [U: see fidelity].
 */
import { childText, child } from '../../bundle/xml'
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import type { PolicyHandler } from '../types'
import { scanJson, type JsonLimits } from './json-scan'
import { limitValue, payloadToCheck } from './source'

export interface JsonThreatProtectionConfig {
  limits: JsonLimits
  source: string | null
}

const spec = (name: string, faultstring: string): FaultSpec => ({ name, status: 500, errorcode: `steps.jsonthreatprotection.${name}`, faultstring })

/** JSONThreatProtection runtime faults, faultstrings as the reference's error pages write them. */
export const jsonThreatProtectionFaults = {
  /** A limit exceeded: the reason repeats the policy prefix. */
  limitExceeded: (policy: string, what: string, line: number) =>
    spec('ExecutionFailed', `JSONThreatProtection[${policy}]: Execution failed. reason: JSONThreatProtection[${policy}]: ${what} at line ${line}`),
  /** The payload is not JSON ([U] wording of the parser's reason). */
  invalidJson: (policy: string, expected: string, line: number) =>
    spec('ExecutionFailed', `JSONThreatProtection[${policy}]: Execution failed. reason: Expecting ${expected} at line ${line}`),
  sourceUnavailable: (policy: string, source: string) => spec('SourceUnavailable', `JSONThreatProtection[${policy}]:: Source ${source} is not available`),
  nonMessageVariable: (_policy: string, source: string) => spec('NonMessageVariable', `Variable ${source} does not resolve to a Message`)
}

const LIMITS = {
  arrayElementCount: 'ArrayElementCount',
  containerDepth: 'ContainerDepth',
  objectEntryCount: 'ObjectEntryCount',
  objectEntryNameLength: 'ObjectEntryNameLength',
  stringValueLength: 'StringValueLength'
} as const satisfies Record<keyof JsonLimits, string>

/** The JSONThreatProtection policy handler. */
export const jsonThreatProtectionPolicy: PolicyHandler<JsonThreatProtectionConfig> = {
  type: 'JSONThreatProtection',
  faultVariablePrefix: 'jsonattack',
  compile(root, ctx) {
    const limits = {} as JsonLimits
    for (const [key, element] of Object.entries(LIMITS) as Array<[keyof JsonLimits, string]>) {
      const value = limitValue(childText(root, element))
      if (value === 'invalid') {
        ctx.error('InvalidLimit', `<${element}> must be a whole number, got "${childText(root, element)}"`, child(root, element))
        limits[key] = null
      } else limits[key] = value
    }
    const source = childText(root, 'Source')
    return { limits, source: source === undefined || source === '' ? null : source }
  },
  execute(config, ctx) {
    const payload = payloadToCheck(config.source, ctx, jsonThreatProtectionFaults, 'JSON', (type) => type === 'application/json' || type.endsWith('+json'))
    if (!payload) return
    const { name, body } = payload
    const result = scanJson(body, config.limits)
    if (result.ok) {
      ctx.note(`${name} payload (${body.length} characters) within every limit`)
      return
    }
    ctx.variables.set('jsonattack.failed', true)
    throw new PolicyFault(
      result.kind === 'limit'
        ? jsonThreatProtectionFaults.limitExceeded(ctx.policyName, result.violation, result.line)
        : jsonThreatProtectionFaults.invalidJson(ctx.policyName, result.expected, result.line)
    )
  }
}
