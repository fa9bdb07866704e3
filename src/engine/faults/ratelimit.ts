/**
 * Fault catalogue of Quota and SpikeArrest (Apigee's policy references, "Runtime errors" and
 * "Deployment errors"). Bodies are the default envelope `{"fault":{"faultstring","detail":{"errorcode"}}}`.
 * Entries marked [U] are explained in docs/fidelity.md ("Quota and SpikeArrest").
 */
import type { FaultSpec } from './fault'

const spec = (name: string, status: number, faultstring: string): FaultSpec => ({
  name,
  status,
  errorcode: `policies.ratelimit.${name}`,
  faultstring
})

/** Quota runtime faults by fault.name. `{0}` is the policy name. */
export const quotaFaults = {
  /** `{1}` is the identifier, `_default` without `<Identifier>`. The reference's double space is kept: the limit is left out. */
  QuotaViolation: spec('QuotaViolation', 429, 'Rate limit quota violation. Quota limit  exceeded. Identifier : {1}'),
  FailedToResolveQuotaIntervalReference: spec(
    'FailedToResolveQuotaIntervalReference',
    500,
    'Failed to resolve quota interval reference {2} in quota policy {0}'
  ),
  FailedToResolveQuotaIntervalTimeUnitReference: spec(
    'FailedToResolveQuotaIntervalTimeUnitReference',
    500,
    'Failed to resolve quota time unit reference {2} in quota policy {0}'
  ),
  /** [U] name: the reference has no fault for an `<Allow countRef>` that resolves to nothing usable without a `count`. */
  FailedToResolveAllowCountReference: spec(
    'FailedToResolveAllowCountReference',
    500,
    'Failed to resolve allow count reference {2} in quota policy {0}'
  ),
  InvalidMessageWeight: spec('InvalidMessageWeight', 500, 'Invalid message weight value {2}')
} as const satisfies Record<string, FaultSpec>

/** SpikeArrest runtime faults by fault.name. */
export const spikeArrestFaults = {
  /** `{1}` is the rate, `{2}` its period: `Seconds` or `Minutes`. */
  SpikeArrestViolation: spec('SpikeArrestViolation', 429, 'Spike arrest violation. Allowed rate : MessageRate{capacity={1}, period={2}}'),
  FailedToResolveSpikeArrestRate: spec('FailedToResolveSpikeArrestRate', 500, 'Failed to resolve Spike Arrest Rate reference {1} in SpikeArrest policy {0}'),
  InvalidMessageWeight: quotaFaults.InvalidMessageWeight
} as const satisfies Record<string, FaultSpec>

/** Fills `{0}`, `{1}`, ... of a faultstring. */
export function fillFaultstring(spec: FaultSpec, ...values: string[]): FaultSpec {
  return { ...spec, faultstring: spec.faultstring.replace(/\{(\d)\}/g, (m, i: string) => values[Number(i)] ?? m) }
}

/** ResetQuota runtime faults by fault.name (errorcode `policies.resetquota.<name>`). `{0}` is the policy name. */
export const resetQuotaFaults = {
  /** `{1}` is the Quota policy `<Quota name>` names. */
  InvalidRLPolicy: { name: 'InvalidRLPolicy', status: 500, errorcode: 'policies.resetquota.InvalidRLPolicy', faultstring: 'Invalid rate limit policy {1}' },
  /** `{1}` is the variable `<Allow ref>` names. */
  FailedToResolveAllowCountRef: {
    name: 'FailedToResolveAllowCountRef',
    status: 500,
    errorcode: 'policies.resetquota.FailedToResolveAllowCountRef',
    faultstring: 'Failed to resolve allow count reference {1} for identifier {2} in policy {0}'
  },
  /** `{1}` is the variable `<Identifier ref>` names. */
  FailedToResolveRLPolicy: {
    name: 'FailedToResolveRLPolicy',
    status: 500,
    errorcode: 'policies.resetquota.FailedToResolveRLPolicy',
    faultstring: 'Failed to resolve rate limit identifier reference {1} in policy {0}'
  }
} as const satisfies Record<string, FaultSpec>
