/**
 * Apigee's policy types (X/hybrid policy reference), by XML root element name, for the types Gatelab has no
 * handler for. Such a type never blocks a bundle: it deploys with a warning and its steps raise
 * `gatelab.UnsupportedPolicy` unless the proxy marks them skip. A root name in neither this list nor the
 * handlers is a typo and stays a deployment error (`UnknownPolicyType`).
 */
import { PolicyFault, type FaultSpec } from '../faults/fault'
import type { PolicyHandler } from './types'

/** Why Gatelab does not run a type: it needs something no desktop has, or it is not written yet. */
export type UnsupportedReason = 'desktop' | 'not-implemented'

/**
 * Types that need a JVM, a Python runtime or a Google Cloud service (Application Integration, Integration
 * Connectors, Pub/Sub, IAM, Model Armor, Vertex AI): they cannot run on a desktop.
 */
const cannotRunOnDesktop = [
  'JavaCallout',
  'Script',
  'IntegrationCallout',
  'SetIntegrationRequest',
  'ConnectorCallout',
  'PublishMessage',
  'VerifyIAM',
  'SanitizeUserPrompt',
  'SanitizeModelResponse',
  'SemanticCacheLookup',
  'SemanticCachePopulate',
  'MonetizationLimitsCheck'
] as const

/** Apigee types Gatelab could run but does not implement yet (some are being added). */
const notImplementedYet = [
  'AccessControl',
  'ConcurrentRatelimit',
  'DecodeJWS',
  'DeleteOAuthV1Info',
  'ExternalCallout',
  'FlowCallout',
  'GenerateJWS',
  'GenerateSAMLAssertion',
  'GetOAuthV1Info',
  'GraphQL',
  'MessageValidation',
  'OASValidation',
  'OAuthV1',
  'RevokeOAuthV2',
  'TraceCapture',
  'ValidateSAMLAssertion',
  'VerifyJWS',
  'XSL'
] as const

/** Every Apigee type Gatelab has no handler for, with why (docs/policies.md lists them with the implemented ones). */
export const unsupportedPolicyTypes: ReadonlyMap<string, UnsupportedReason> = new Map<string, UnsupportedReason>([
  ...cannotRunOnDesktop.map((t) => [t, 'desktop'] as const),
  ...notImplementedYet.map((t) => [t, 'not-implemented'] as const)
])

/**
 * Why an Apigee policy type cannot run in Gatelab, or undefined when it is not an Apigee type Gatelab lacks.
 * `handlers` wins: a type that gains a handler is implemented, whatever this list says.
 */
export function unsupportedReason(type: string, handlers: ReadonlyMap<string, PolicyHandler>): UnsupportedReason | undefined {
  return handlers.has(type) ? undefined : unsupportedPolicyTypes.get(type)
}

/** The trace's and the warning's name for a type (`Script` is Apigee's Python Script policy). */
export function policyTypeLabel(type: string): string {
  return type === 'Script' ? 'Python Script' : type
}

/** The fault a step of such a policy raises at runtime. */
export function unsupportedPolicyFault(policy: string, type: string, reason: UnsupportedReason): FaultSpec {
  const why = reason === 'desktop' ? 'on a desktop' : 'yet'
  return {
    name: 'UnsupportedPolicy',
    status: 500,
    errorcode: 'gatelab.UnsupportedPolicy',
    faultstring: `Gatelab cannot run ${policyTypeLabel(type)} policy "${policy}" ${why}; mark the step to skip it in the proxy editor`
  }
}

/** The stand-in handler of an unsupported type: compiles nothing, raises UnsupportedPolicy when run. */
export function unsupportedHandler(type: string, reason: UnsupportedReason): PolicyHandler<null> {
  return {
    type,
    faultVariablePrefix: type.toLowerCase(),
    compile: () => null,
    execute(_config, ctx) {
      throw new PolicyFault(unsupportedPolicyFault(ctx.policyName, type, reason), { policy: ctx.policyName })
    }
  }
}
