/** Explanations for the protection policies' faults (CORS, JSON/XML threat protection), by policy type and fault name. */
import type { DiagnosisCode } from '../../shared/explain'

export const PROTECTION_POLICY_TYPES = new Set(['CORS', 'JSONThreatProtection', 'XMLThreatProtection'])

/** The diagnosis code, cause and gateway-side lines of a protection policy's fault. */
export function explainProtectionFault(
  policyType: string,
  policy: string,
  fault: { name: string; faultstring: string }
): { code: DiagnosisCode; cause: string; view: string[] } {
  const view = [`Policy: ${policyType} ${policy}`]
  const payload = policyType === 'JSONThreatProtection' ? 'JSON' : 'XML'
  switch (fault.name) {
    case 'ExecutionFailed':
      return {
        code: 'payload-rejected',
        cause: `${policyType} ${policy} refused the ${payload} payload before anything else read it (${fault.faultstring}): send a payload within its limits, or raise the limit in the policy if such payloads are legitimate`,
        view
      }
    case 'InvalidXMLPayload':
      return { code: 'payload-rejected', cause: `The payload is declared as XML but is not well-formed, so ${policy} refused it (${fault.faultstring})`, view }
    case 'SourceUnavailable':
    case 'NonMessageVariable':
      return { code: 'payload-rejected', cause: `The <Source> of ${policy} does not name a message the policy can inspect (${fault.faultstring}): use request, response or a message variable`, view }
    case 'UnresolvedVariable':
      return {
        code: 'payload-rejected',
        cause: `<AllowOrigins> of ${policy} references a variable with no value (${fault.faultstring}): set it before the CORS step, or set <IgnoreUnresolvedVariables> to true`,
        view
      }
    default:
      return { code: 'unknown-fault', cause: `${policyType} ${policy} raised ${fault.name} (${fault.faultstring})`, view }
  }
}
