/**
 * What XMLToJSON and JSONToXML share: their fault tables (same names, 500s, `steps.<family>.*` codes)
 * and how `<Source>` and `<OutputVariable>` resolve to a message or a string variable.
 */
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import { HttpMessage } from '../../runtime/message'
import type { PolicyContext } from '../types'
import { PayloadError } from './xml-document'

export type ConversionPolicy = 'XMLToJSON' | 'JSONToXML'

const spec = (policyType: ConversionPolicy, name: string, faultstring: string): FaultSpec => ({
  name,
  status: 500,
  errorcode: `steps.${policyType.toLowerCase()}.${name}`,
  faultstring
})

/** The runtime faults of XMLToJSON / JSONToXML, faultstrings as Apigee words them. */
export const conversionFaults = {
  sourceUnavailable: (t: ConversionPolicy, policy: string, source: string) => spec(t, 'SourceUnavailable', `${t}[${policy}]: Source ${source} is not available`),
  invalidSourceType: (t: ConversionPolicy, policy: string, type: string) =>
    spec(t, 'InvalidSourceType', `${t}[${policy}]: Invalid source type ${type}. It must be either message or string`),
  outputVariableIsNotAvailable: (t: ConversionPolicy, policy: string) => spec(t, 'OutputVariableIsNotAvailable', `${t}[${policy}]: Output variable is not available.`),
  inCompatibleTypes: (t: ConversionPolicy, policy: string) => spec(t, 'InCompatibleTypes', `${t}[${policy}]: String can not be assigned to message`),
  executionFailed: (t: ConversionPolicy, policy: string, reason: string) =>
    spec(t, 'ExecutionFailed', t === 'XMLToJSON' ? `${t}[${policy}]: Execution failed. reason: ${reason}` : `${t}[${policy}]: Execution failed due to reason: ${reason}`),
  outOfMemory: (t: ConversionPolicy, policy: string, reason: string) => spec(t, 'OutOfMemory', `${t}[${policy}]: Execution failed. reason: ${reason}`)
}

export type ConversionInput = { kind: 'message'; message: HttpMessage; name: string } | { kind: 'string'; text: string; name: string }

/** Resolves `<Source>` (default: the flow's message) to a message or a string, or raises the documented fault. */
export function resolveSource(t: ConversionPolicy, source: string | null, ctx: PolicyContext): ConversionInput {
  const name = source ?? 'message'
  const value = ctx.variables.get(name)
  if (value === undefined || value === null) throw new PolicyFault(conversionFaults.sourceUnavailable(t, ctx.policyName, name))
  if (value instanceof HttpMessage) return { kind: 'message', message: value, name }
  if (typeof value === 'string') return { kind: 'string', text: value, name }
  throw new PolicyFault(conversionFaults.invalidSourceType(t, ctx.policyName, typeof value))
}

/**
 * Writes the converted text to `<OutputVariable>` (default: the source message itself). A message output
 * gets the text as its body and `contentType` as its Content-Type; any other name becomes a string variable.
 */
export function writeOutput(t: ConversionPolicy, input: ConversionInput, output: string | null, text: string, contentType: string, ctx: PolicyContext): void {
  if (output === null && input.kind === 'string') throw new PolicyFault(conversionFaults.outputVariableIsNotAvailable(t, ctx.policyName))
  const name = output ?? input.name
  const target = ctx.variables.get(name)
  if (target instanceof HttpMessage) {
    if (input.kind === 'string') throw new PolicyFault(conversionFaults.inCompatibleTypes(t, ctx.policyName))
    target.content = text
    target.setHeader('Content-Type', contentType)
    ctx.note(`wrote ${text.length} characters of ${contentType} to ${name}`)
    return
  }
  ctx.variables.set(name, text)
  ctx.note(`wrote ${text.length} characters to the variable ${name}`)
}

/** Turns a PayloadError into the policy's ExecutionFailed or (over a limit) OutOfMemory fault. */
export function payloadFault(t: ConversionPolicy, policy: string, e: unknown): unknown {
  if (!(e instanceof PayloadError)) return e
  return new PolicyFault(e.kind === 'limit' ? conversionFaults.outOfMemory(t, policy, e.message) : conversionFaults.executionFailed(t, policy, e.message))
}
