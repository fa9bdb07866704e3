/**
 * VerifyAPIKey (reference 2.2, 3, 5.2): resolves the key, runs the key-management checks of kms in
 * Apigee's order and populates `verifyapikey.<policy>.*`. Faults use the `oauthV2` variable prefix.
 */
import { child, type XmlElement } from '../bundle/xml'
import { PolicyFault, withFaultstring } from '../faults/fault'
import { keyPolicyDeploymentErrors, verifyApiKeyCredentialFault, verifyApiKeyFaults } from '../faults/keys'
import {
  checkCredential,
  credentialVariables,
  describeNoMatch,
  operationVariables,
  productVariables,
  resolveProductMatch,
  type ApiCall
} from '../kms'
import type { CompileContext, PolicyContext, PolicyHandler } from './types'

/** Where the key comes from: a variable (`ref`), a literal, or both (the literal is the fallback). */
export interface VerifyApiKeyConfig {
  ref?: string
  value?: string
  /** `<CacheExpiryInSeconds>`; kept for fidelity, the organization's cache setting governs. */
  cacheExpiryInSeconds?: number
}

/** Reads the API call a policy is checking from the flow variables the runtime set. */
export function apiCallOf(ctx: PolicyContext): ApiCall {
  return {
    proxy: ctx.variables.getString('apiproxy.name') ?? ctx.proxy.name,
    environment: ctx.variables.getString('environment.name') ?? ctx.environment.name,
    pathsuffix: ctx.variables.getString('proxy.pathsuffix') ?? '',
    verb: (ctx.variables.getString('request.verb') ?? '').toUpperCase()
  }
}

function compileVerifyApiKey(root: XmlElement, ctx: CompileContext): VerifyApiKeyConfig {
  const apiKey = child(root, 'APIKey')
  const ref = apiKey?.attributes['ref']?.trim()
  const value = apiKey?.text
  if (!ref && !value) {
    ctx.error(
      keyPolicyDeploymentErrors.SpecifyValueOrRefApiKey,
      'The APIKey element must name a variable in its ref attribute or hold a key value',
      apiKey ?? root
    )
  }
  const config: VerifyApiKeyConfig = {}
  if (ref) config.ref = ref
  if (value) config.value = value
  const cache = child(root, 'CacheExpiryInSeconds')
  if (cache && /^\d+$/.test(cache.text)) config.cacheExpiryInSeconds = Number(cache.text)
  return config
}

function setAll(ctx: PolicyContext, prefix: string, vars: Record<string, string>): void {
  for (const [name, value] of Object.entries(vars)) ctx.variables.set(`${prefix}${name}`, value)
}

/**
 * The unprefixed caller variables (client_id, developer.app.name, developer.id), set as soon as the key is
 * known, also when a later check fails ([U]): traces list the app and explanations start from it.
 */
function identifyCaller(ctx: PolicyContext, clientId: string, appName: string, developerId: string): void {
  ctx.variables.set('client_id', clientId)
  ctx.variables.set('developer.app.name', appName)
  ctx.variables.set('developer.id', developerId)
}

function executeVerifyApiKey(config: VerifyApiKeyConfig, ctx: PolicyContext): void {
  const prefix = `verifyapikey.${ctx.policyName}.`
  const fail = (spec: Parameters<typeof withFaultstring>[0], cause: string): never => {
    ctx.variables.set(`${prefix}failed`, 'true')
    ctx.note(cause)
    throw new PolicyFault(spec, { policy: ctx.policyName, cause })
  }
  let key: string | undefined
  if (config.ref) key = ctx.variables.getString(config.ref)
  if (key === undefined) key = config.value
  if (key === undefined) {
    const ref = config.ref ?? ''
    const spec = verifyApiKeyFaults.FailedToResolveAPIKey
    fail(withFaultstring(spec, spec.faultstring.replace('{0}', ref)), `The variable ${ref} holds no API key`)
    return
  }
  const ws = ctx.services.workspace()
  const credential = checkCredential(ws, key, ctx.services.clock.now())
  if (!credential.ok) {
    // What the gateway learned about the key is kept even on failure: explanations and traces use it ([U]).
    if (credential.resolved.app) {
      setAll(ctx, prefix, credentialVariables(ws, credential.resolved))
      identifyCaller(ctx, credential.resolved.credential?.consumerKey ?? key, credential.resolved.app.name, credential.resolved.app.developerId)
    }
    fail(verifyApiKeyCredentialFault(credential.failure), credential.reason)
    return
  }
  const resolved = { app: credential.app, developer: credential.developer, credential: credential.credential }
  const identity = credentialVariables(ws, resolved)
  setAll(ctx, prefix, identity)
  const call = apiCallOf(ctx)
  const match = resolveProductMatch(ws, credential.credential.apiProducts, call)
  if (!match.product) {
    identifyCaller(ctx, credential.credential.consumerKey, credential.app.name, credential.app.developerId)
    fail(verifyApiKeyFaults.InvalidApiKeyForGivenResource, describeNoMatch(credential.app.name, match, call))
    return
  }
  const product = productVariables(match)
  setAll(ctx, prefix, product)
  // The unprefixed identity and product variables that Quota, analytics and conditions read after VerifyAPIKey;
  // each is also set in its `verifyapikey.<policy>.` form.
  const unprefixed = {
    client_id: credential.credential.consumerKey,
    'developer.app.name': credential.app.name,
    'developer.id': credential.app.developerId,
    'apiproduct.name': match.product.name,
    ...operationVariables(match)
  }
  setAll(ctx, '', unprefixed)
  setAll(ctx, prefix, unprefixed)
  // [U] The key as a credential record: status, issued_at (ms) and expires_in (whole seconds left, -1 never).
  const now = ctx.services.clock.now()
  const expiresAt = credential.credential.expiresAt
  setAll(ctx, prefix, {
    status: credential.credential.status,
    issued_at: String(credential.credential.issuedAt),
    expires_in: String(expiresAt < 0 ? -1 : Math.max(0, Math.floor((expiresAt - now) / 1000)))
  })
  ctx.variables.set(`${prefix}failed`, 'false')
  ctx.note(`Key of ${credential.app.name} accepted through ${match.product.name}`)
}

/** The VerifyAPIKey policy handler. */
export const verifyApiKeyPolicy: PolicyHandler<VerifyApiKeyConfig> = {
  type: 'VerifyAPIKey',
  faultVariablePrefix: 'oauthV2',
  compile: compileVerifyApiKey,
  execute: executeVerifyApiKey
}
