/** What Quota and SpikeArrest share: `ref`-or-text values, the message weight and the identifier. */
import type { XmlElement } from '../../bundle/xml'
import { PolicyFault } from '../../faults/fault'
import { fillFaultstring, quotaFaults } from '../../faults/ratelimit'
import type { FlowVariables, PolicyContext } from '../types'

/** An element's `ref` attribute and its text, the text being the fallback when the ref is unresolved. */
export interface RefOrText {
  ref: string | null
  text: string | null
}

export function refOrText(el: XmlElement | undefined, refAttribute = 'ref'): RefOrText | null {
  if (!el) return null
  const ref = el.attributes[refAttribute]?.trim() || null
  const text = el.text.trim() || null
  return { ref, text }
}

/** The ref's value when it resolves to a non-empty string, else the text; undefined when neither. */
export function resolve(value: RefOrText | null, variables: FlowVariables): string | undefined {
  if (!value) return undefined
  if (value.ref) {
    const resolved = variables.getString(value.ref)
    if (resolved !== undefined && resolved.trim() !== '') return resolved.trim()
  }
  return value.text ?? undefined
}

/** `<MessageWeight ref>`: 1 when absent or unresolved; a non-integer or non-positive value is InvalidMessageWeight. */
export function messageWeight(ref: string | null, ctx: PolicyContext): number {
  if (!ref) return 1
  const text = ctx.variables.getString(ref)
  if (text === undefined) return 1
  const weight = Number(text.trim())
  if (!/^\d+$/.test(text.trim()) || weight < 1) {
    throw new PolicyFault(fillFaultstring(quotaFaults.InvalidMessageWeight, ctx.policyName, '', text), {
      cause: `${ref} is "${text}", not a positive integer`
    })
  }
  return weight
}

/** `<Identifier ref>`'s value; `_default` (one counter for every client) when absent or unresolved. */
export function identifier(ref: string | null, variables: FlowVariables): string {
  if (!ref) return '_default'
  const value = variables.getString(ref)
  return value === undefined || value === '' ? '_default' : value
}

/** A positive integer, or undefined. */
export function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined
  const n = Number(text.trim())
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined
}
