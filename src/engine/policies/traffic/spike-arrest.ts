/**
 * SpikeArrest: smooths traffic to `<Rate>` (NNps or NNpm). As on Apigee, 10ps means one request per
 * 100 ms window, not ten per second; with `<UseEffectiveCount>true` the rate is a sliding count over
 * the last second or minute instead. Counts per `<Identifier>` on the engine clock.
 */
import { child, xmlBoolean } from '../../bundle/xml'
import { PolicyFault } from '../../faults/fault'
import { fillFaultstring, spikeArrestFaults } from '../../faults/ratelimit'
import type { PolicyHandler } from '../types'
import { identifier, messageWeight, refOrText, resolve, type RefOrText } from './common'

export interface SpikeArrestConfig {
  rate: RefOrText | null
  identifierRef: string | null
  weightRef: string | null
  useEffectiveCount: boolean
}

interface Rate {
  count: number
  perMinute: boolean
}

/** `10ps` / `30pm`, or undefined. */
function parseRate(text: string): Rate | undefined {
  const m = /^(\d+)\s*(ps|pm)$/i.exec(text.trim())
  if (!m) return undefined
  const count = Number(m[1])
  return count >= 1 && Number.isSafeInteger(count) ? { count, perMinute: m[2]!.toLowerCase() === 'pm' } : undefined
}

/** Smoothed: the start of the first window a request may use. Effective count: [time, weight] of the last period. */
interface SpikeState {
  nextWindow?: number
  log?: Array<[number, number]>
}

/** The SpikeArrest policy handler. */
export const spikeArrestPolicy: PolicyHandler<SpikeArrestConfig> = {
  type: 'SpikeArrest',
  faultVariablePrefix: 'ratelimit',
  compile(root, ctx) {
    const rateEl = child(root, 'Rate')
    const rate = refOrText(rateEl)
    if (!rateEl || (!rate?.ref && !rate?.text)) ctx.error('InvalidAllowedRate', 'SpikeArrest needs <Rate> with a rate such as 10ps or 30pm, or a ref', rateEl ?? root)
    else if (rate?.text && !parseRate(rate.text)) {
      ctx.error('InvalidAllowedRate', `<Rate> "${rate.text}" is not a positive integer followed by ps or pm`, rateEl)
    }
    return {
      rate,
      identifierRef: child(root, 'Identifier')?.attributes['ref']?.trim() || null,
      weightRef: child(root, 'MessageWeight')?.attributes['ref']?.trim() || null,
      useEffectiveCount: xmlBoolean(child(root, 'UseEffectiveCount')?.text, false)
    }
  },
  execute(config, ctx) {
    const rateText = resolve(config.rate, ctx.variables)
    const rate = rateText === undefined ? undefined : parseRate(rateText)
    if (!rate) {
      const ref = config.rate?.ref ?? 'Rate'
      throw new PolicyFault(fillFaultstring(spikeArrestFaults.FailedToResolveSpikeArrestRate, ctx.policyName, ref), {
        cause: rateText === undefined ? `${ref} is unresolved and <Rate> has no value` : `rate "${rateText}" is not NNps or NNpm`
      })
    }
    const weight = messageWeight(config.weightRef, ctx)
    const id = identifier(config.identifierRef, ctx.variables)
    const key = ['spikearrest', ctx.environment.name, ctx.proxy.name, ctx.policyName, id].join('\u0000')
    const counters = ctx.services.counters
    const now = ctx.services.clock.now()
    const period = rate.perMinute ? 60_000 : 1000
    const state = counters.get<SpikeState>(key) ?? {}
    let allowed: boolean
    if (config.useEffectiveCount) {
      const log = (state.log ?? []).filter(([t]) => t > now - period)
      const used = log.reduce((sum, [, w]) => sum + w, 0)
      allowed = used + weight <= rate.count
      if (allowed) log.push([now, weight])
      counters.set(key, { log }, now + period)
      ctx.note(`${allowed ? used + weight : used} of ${rate.count} in the last ${rate.perMinute ? 'minute' : 'second'} for ${id}`)
    } else {
      const windowMs = period / rate.count
      const windowStart = Math.floor(now / windowMs) * windowMs
      allowed = windowStart >= (state.nextWindow ?? -Infinity)
      const nextWindow = allowed ? windowStart + weight * windowMs : state.nextWindow!
      counters.set(key, { nextWindow }, nextWindow)
      ctx.note(
        `${rateText} smoothed to one request per ${+windowMs.toFixed(3)} ms for ${id}; ` +
          (allowed ? 'this window was free' : `next request allowed from ${new Date(nextWindow).toISOString()}`)
      )
    }
    ctx.variables.set(`ratelimit.${ctx.policyName}.failed`, !allowed)
    if (!allowed) {
      throw new PolicyFault(fillFaultstring(spikeArrestFaults.SpikeArrestViolation, ctx.policyName, String(rate.count), rate.perMinute ? 'Minutes' : 'Seconds'), {
        cause: `more than ${rateText} for ${id}`
      })
    }
  }
}
