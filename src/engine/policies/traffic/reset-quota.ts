/**
 * ResetQuota: gives quota back to a Quota policy's counter for an identifier: `<Allow>` (a count or a ref)
 * is taken off its used count. The Quota policy must be one of the same proxy.
 */
import { child, children } from '../../bundle/xml'
import { PolicyFault } from '../../faults/fault'
import { fillFaultstring, resetQuotaFaults } from '../../faults/ratelimit'
import type { PolicyHandler } from '../types'
import { refOrText, resolve, type RefOrText } from './common'
import { giveBackQuota, quotaCounterKey } from './quota'

interface ResetTarget {
  quota: string
  /** Whether the proxy has a Quota policy of that name (checked when the step runs, as Apigee does). */
  exists: boolean
  /** `name` (a literal identifier) or `ref`; both null = `_default`. */
  identifierName: string | null
  identifierRef: string | null
  allow: RefOrText
}

export interface ResetQuotaConfig {
  targets: ResetTarget[]
}

/** The ResetQuota policy handler. */
export const resetQuotaPolicy: PolicyHandler<ResetQuotaConfig> = {
  type: 'ResetQuota',
  faultVariablePrefix: 'resetquota',
  compile(root, ctx) {
    const targets: ResetTarget[] = []
    const quotas = children(root, 'Quota')
    if (quotas.length === 0) ctx.error('InvalidRLPolicy', 'ResetQuota needs <Quota name="..."> naming a Quota policy of this proxy', root)
    for (const quotaEl of quotas) {
      const quota = quotaEl.attributes['name']?.trim() ?? ''
      if (quota === '') ctx.error('InvalidRLPolicy', '<Quota> needs the name of a Quota policy of this proxy', quotaEl)
      const exists = /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<Quota[\s>/]/.test(ctx.proxy.policies[quota] ?? '')
      const identifiers = children(quotaEl, 'Identifier')
      for (const idEl of identifiers.length > 0 ? identifiers : [quotaEl]) {
        const allowEl = child(idEl, 'Allow')
        const allow = refOrText(allowEl)
        if (!allow || (!allow.ref && !allow.text)) {
          ctx.error('InvalidCount', '<Allow> needs the count to give back, or a ref', allowEl ?? idEl)
        } else if (allow.text && !/^\d+$/.test(allow.text)) {
          ctx.error('InvalidCount', `<Allow> "${allow.text}" is not a whole number`, allowEl)
        }
        targets.push({
          quota,
          exists,
          identifierName: idEl === quotaEl ? null : idEl.attributes['name']?.trim() || null,
          identifierRef: idEl === quotaEl ? null : idEl.attributes['ref']?.trim() || null,
          allow: allow ?? { ref: null, text: null }
        })
      }
    }
    return { targets }
  },
  execute(config, ctx) {
    const vars = ctx.variables
    for (const target of config.targets) {
      if (!target.exists) {
        throw new PolicyFault(fillFaultstring(resetQuotaFaults.InvalidRLPolicy, ctx.policyName, target.quota), {
          cause: `proxy ${ctx.proxy.name} has no Quota policy named ${target.quota}`
        })
      }
      let id = target.identifierName ?? '_default'
      if (target.identifierRef) {
        const value = vars.getString(target.identifierRef)
        if (value === undefined || value === '') {
          throw new PolicyFault(fillFaultstring(resetQuotaFaults.FailedToResolveRLPolicy, ctx.policyName, target.identifierRef), {
            cause: `${target.identifierRef} is unresolved`
          })
        }
        id = value
      }
      const amountText = resolve(target.allow, vars)
      if (amountText === undefined || !/^\d+$/.test(amountText)) {
        const ref = target.allow.ref ?? 'Allow'
        throw new PolicyFault(fillFaultstring(resetQuotaFaults.FailedToResolveAllowCountRef, ctx.policyName, ref, id), {
          cause: amountText === undefined ? `${ref} is unresolved` : `${ref} is "${amountText}", not a whole number`
        })
      }
      const key = quotaCounterKey(ctx.environment.name, ctx.proxy.name, target.quota, id)
      const used = giveBackQuota(ctx.services.counters, key, Number(amountText))
      ctx.note(
        used === null
          ? `${target.quota} has no open window for ${id}: nothing to reset`
          : `${target.quota} for ${id}: ${amountText} given back, ${used} now used`
      )
    }
  }
}
