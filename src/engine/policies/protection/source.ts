/** The message a threat protection policy inspects: `<Source>`, or the flow's own message. */
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import { HttpMessage } from '../../runtime/message'
import type { PolicyContext } from '../types'

export interface SourceFaults {
  sourceUnavailable(policy: string, source: string): FaultSpec
  nonMessageVariable(policy: string, source: string): FaultSpec
}

/** Resolves `source` (default: `request` in the request flow, `response` otherwise) to a message, or raises. */
export function sourceMessage(source: string | null, ctx: PolicyContext, faults: SourceFaults): { name: string; message: HttpMessage } {
  const name = source ?? (ctx.flow === 'request' ? 'request' : 'response')
  const value = ctx.variables.get(name)
  if (value === undefined || value === null) throw new PolicyFault(faults.sourceUnavailable(ctx.policyName, name))
  if (!(value instanceof HttpMessage)) throw new PolicyFault(faults.nonMessageVariable(ctx.policyName, name))
  return { name, message: value }
}

/**
 * The payload a threat protection checks: the source's body when its Content-Type is `kind` (per `accepts`)
 * and it is not empty; otherwise null, and the trace says why nothing is checked.
 */
export function payloadToCheck(
  source: string | null,
  ctx: PolicyContext,
  faults: SourceFaults,
  kind: 'JSON' | 'XML',
  accepts: (mediaType: string) => boolean
): { name: string; body: string } | null {
  const { name, message } = sourceMessage(source, ctx, faults)
  const type = mediaType(message)
  if (!accepts(type)) {
    ctx.note(`${name} is not ${kind} (Content-Type "${type}"): nothing to check`)
    return null
  }
  const body = message.content
  if (body === '') {
    ctx.note(`${name} has no payload: nothing to check`)
    return null
  }
  return { name, body }
}

/** The media type of a message without parameters, lower case ('' when absent). */
export function mediaType(message: HttpMessage): string {
  return (message.getHeader('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
}

/** A limit element: absent, empty or negative means no limit [U]; anything but a whole number is an error. */
export function limitValue(text: string | undefined): number | null | 'invalid' {
  if (text === undefined || text.trim() === '') return null
  const t = text.trim()
  if (!/^-?\d+$/.test(t) || !Number.isSafeInteger(Number(t))) return 'invalid'
  return Number(t) < 0 ? null : Number(t)
}
