/** Traffic management policies: Quota, SpikeArrest and ResetQuota, counting on the engine clock through the CounterStore port. */
import type { PolicyHandler } from '../types'
import { quotaPolicy } from './quota'
import { resetQuotaPolicy } from './reset-quota'
import { spikeArrestPolicy } from './spike-arrest'

export const trafficPolicies: PolicyHandler<any>[] = [quotaPolicy, spikeArrestPolicy, resetQuotaPolicy]
