/**
 * Fault catalogue of ServiceCallout and the cache policies (Apigee's policy references, "Runtime errors").
 * Bodies are the default envelope. Faultstrings marked [U] are explained in docs/fidelity.md ("ServiceCallout and caches").
 */
import type { FaultSpec } from './fault'

const spec = (family: string, name: string, status: number, faultstring: string): FaultSpec => ({
  name,
  status,
  errorcode: `steps.${family}.${name}`,
  faultstring
})

/** ServiceCallout runtime faults. `{0}` is the policy name. */
export const serviceCalloutFaults = {
  /** `{1}` is the reason (connection refused, timeout, ...). */
  ExecutionFailed: spec('servicecallout', 'ExecutionFailed', 500, 'Execution of ServiceCallout {0} failed. Reason: {1}'),
  /** `{1}` is the status code the service answered with. */
  ResponseCodeOutOfRange: spec('servicecallout', 'ResponseCodeOutOfRange', 500, 'Execution of ServiceCallout {0} failed. Reason: ResponseCode {1} is treated as error'),
  /** [U] wording. `{1}` is the `<Request variable>`. */
  RequestVariableNotMessageType: spec('servicecallout', 'RequestVariableNotMessageType', 500, 'ServiceCallout[{0}]: request variable {1} value is not of type Message'),
  /** [U] wording. `{1}` is the `<Request variable>`. */
  RequestVariableNotRequestMessageType: spec('servicecallout', 'RequestVariableNotRequestMessageType', 500, 'ServiceCallout[{0}]: request variable {1} value is not of type Request Message')
} as const satisfies Record<string, FaultSpec>

/** PopulateCache runtime faults (errorcode `policies.populatecache.<name>`). `{0}` is the policy name. */
export const populateCacheFaults = {
  /** `{1}` is the cache key. */
  EntryCannotBeCached: {
    name: 'EntryCannotBeCached',
    status: 500,
    errorcode: 'policies.populatecache.EntryCannotBeCached',
    faultstring: 'Entry {1} can not be cached. Only serializable entries are cached.'
  }
} as const satisfies Record<string, FaultSpec>

/** Fills `{0}`, `{1}`, ... of a faultstring. */
export function fill(spec: FaultSpec, ...values: string[]): FaultSpec {
  return { ...spec, faultstring: spec.faultstring.replace(/\{(\d)\}/g, (m, i: string) => values[Number(i)] ?? m) }
}
