/**
 * Diagnoses of key-management failures (VerifyAPIKey, VerifyAccessToken, token endpoint client
 * checks): reruns kms.decideAccess for the trace's call and key, explains it per product, and
 * proposes fixes whose effect is checked on a copy of the workspace.
 */
import type { ApiProduct, Workspace } from '../../shared/model'
import type { Diagnosis, DiagnosisCode, Evidence, Fix } from '../../shared/explain'
import {
  checkCredential,
  decideAccess,
  evaluateProduct,
  findCredential,
  isCredentialExpired,
  matchesResourcePath,
  usesOperationGroup,
  type AccessDecision,
  type ApiCall,
  type CredentialFailure,
  type ProductEvaluation
} from '../kms'
import { applyFix, fixResolves, type Attempt } from './simulate'

/** What a key-management diagnosis starts from. */
export interface AccessContext {
  ws: Workspace
  now: number
  call: ApiCall
  consumerKey: string
  faultName: string
  clientView: Diagnosis['clientView']
  /** `key`: an API key was presented; `token`: an access token issued to this key. */
  presented: 'key' | 'token'
  /** Extra lines for the gateway view (e.g. the token's facts). */
  extraGatewayView?: string[]
}

const pathLabel = (suffix: string): string => (suffix === '' ? '(bare base path)' : suffix)

/** The call as the gateway saw it, as plain lines. */
export function callLines(ws: Workspace, call: ApiCall): string[] {
  const proxy = ws.proxies.find((p) => p.name === call.proxy)
  return [
    `Environment: ${call.environment}`,
    `Proxy: ${call.proxy}${proxy ? ` (base path ${proxy.basePath})` : ''}`,
    `Path suffix: ${pathLabel(call.pathsuffix)}`,
    `Verb: ${call.verb}`
  ]
}

function credentialLines(ws: Workspace, consumerKey: string): string[] {
  const found = findCredential(ws, consumerKey)
  if (!found) return [`Consumer key ${consumerKey}: not found in the organization`]
  const developer = ws.developers.find((d) => d.developerId === found.app.developerId)
  const entries = found.credential.apiProducts.map((e) => `${e.apiproduct} (${e.status})`)
  return [
    `App: ${found.app.name} (${found.app.status}), key ${consumerKey} (${found.credential.status})`,
    `Developer: ${developer ? `${developer.email} (${developer.status})` : `${found.app.developerId} (missing)`}`,
    `Products on the key: ${entries.length ? entries.join(', ') : 'none'}`
  ]
}

function credentialEvidence(ws: Workspace, consumerKey: string, now: number): Evidence[] {
  const found = findCredential(ws, consumerKey)
  if (!found) return [{ label: 'Consumer key', ok: false, detail: `${consumerKey} belongs to no app` }]
  const { app, credential } = found
  const developer = ws.developers.find((d) => d.developerId === app.developerId)
  const expired = isCredentialExpired(credential, now)
  return [
    { label: 'Key status', ok: credential.status === 'approved', detail: `${app.name}'s key is ${credential.status}` },
    {
      label: 'Key expiry',
      ok: !expired,
      detail: credential.expiresAt < 0 ? 'never expires' : `${expired ? 'expired' : 'expires'} at ${new Date(credential.expiresAt).toISOString()}`
    },
    { label: 'App status', ok: app.status === 'approved', detail: `${app.name} is ${app.status}` },
    {
      label: 'Developer status',
      ok: developer?.status === 'active',
      detail: developer ? `${developer.email} is ${developer.status}` : `developer ${app.developerId} does not exist`
    }
  ]
}

function productEvidence(evaluation: ProductEvaluation): Evidence {
  const checks = ['approval', 'proxy', 'environment', 'resource', 'method'] as const
  const failing = evaluation.exists ? checks.filter((c) => !evaluation[c].ok).map((c) => evaluation[c].detail) : [evaluation.proxy.detail]
  return {
    label: evaluation.product,
    ok: evaluation.matched,
    detail: evaluation.matched ? `${evaluation.product} covers this call` : failing.join('; ')
  }
}

function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/** A products.update patch that makes `product` cover the call, with its label; null when nothing product-side fails. */
function productPatchFix(product: ApiProduct, evaluation: ProductEvaluation, call: ApiCall): Fix | null {
  const patch: Partial<ApiProduct> = {}
  const parts: string[] = []
  const resource = call.pathsuffix === '' ? '/' : call.pathsuffix
  if (!evaluation.environment.ok) {
    patch.environments = [...product.environments, call.environment]
    parts.push(`environment ${call.environment}`)
  }
  if (usesOperationGroup(product)) {
    if (!evaluation.proxy.ok || !evaluation.resource.ok || !evaluation.method.ok) {
      const group = structuredClone(product.operationGroup!)
      const configs = group.operationConfigs.filter((c) => c.apiSource === call.proxy)
      if (configs.length === 0) {
        group.operationConfigs.push({ apiSource: call.proxy, operations: [{ resource, methods: [call.verb] }], attributes: [] })
      } else if (!evaluation.resource.ok) {
        configs[0]!.operations.push({ resource, methods: [call.verb] })
      } else {
        // Path matches but the verb does not: extend the first operation that matches the path.
        const op = configs.flatMap((c) => c.operations).find((o) => matchesResourcePath(o.resource, call.pathsuffix))
        if (op) op.methods.push(call.verb)
        else configs[0]!.operations.push({ resource, methods: [call.verb] })
      }
      patch.operationGroup = group
      parts.push(`operation ${call.verb} ${resource} on ${call.proxy}`)
    }
  } else {
    if (!evaluation.proxy.ok) {
      patch.proxies = [...product.proxies, call.proxy]
      parts.unshift(call.proxy)
    }
    if (!evaluation.resource.ok) {
      patch.apiResources = [...product.apiResources, resource]
      parts.push(`resource ${resource}`)
    }
  }
  if (parts.length === 0) return null
  return {
    id: `update-product:${product.name}`,
    label: `Add ${joinWords(parts)} to ${product.name}`,
    method: 'products.update',
    input: { name: product.name, patch },
    resend: false
  }
}

/** Every environment where the same key would be allowed the same call on a deployment of the proxy. */
function otherEnvironments(ws: Workspace, consumerKey: string, call: ApiCall, now: number): string[] {
  const proxy = ws.proxies.find((p) => p.name === call.proxy)
  if (!proxy) return []
  return proxy.environments.filter(
    (env) => env !== call.environment && decideAccess(ws, consumerKey, { ...call, environment: env }, now).allowed
  )
}

/** Credentials of other apps that the gateway would accept for this call. */
function workingCredentials(ws: Workspace, consumerKey: string, call: ApiCall, now: number): Array<{ app: string; consumerKey: string }> {
  const out: Array<{ app: string; consumerKey: string }> = []
  for (const app of ws.apps) {
    for (const credential of app.credentials) {
      if (credential.consumerKey === consumerKey) continue
      if (decideAccess(ws, credential.consumerKey, call, now).allowed) out.push({ app: app.name, consumerKey: credential.consumerKey })
    }
  }
  return out
}

/** "Use <app>'s credentials" for every other credential the gateway would accept for this call. */
export function workingCredentialFixes(ws: Workspace, consumerKey: string, call: ApiCall, now: number): Fix[] {
  return workingCredentials(ws, consumerKey, call, now).map((other) => ({
    id: `use-credential:${other.consumerKey}`,
    label: `Use ${other.app}'s credentials`,
    method: 'workbench.useCredential',
    input: { app: other.app, consumerKey: other.consumerKey },
    resend: true
  }))
}

function alternativeFixes(ctx: AccessContext): Fix[] {
  const { ws, now, call, consumerKey } = ctx
  const fixes: Fix[] = workingCredentialFixes(ws, consumerKey, call, now)
  for (const env of otherEnvironments(ws, consumerKey, call, now)) {
    fixes.push({
      id: `use-environment:${env}`,
      label: `Call ${call.proxy} in ${env}`,
      method: 'workbench.useEnvironment',
      input: { environment: env },
      resend: true
    })
  }
  return fixes
}

function noMatchFixes(ctx: AccessContext, appName: string, evaluations: ProductEvaluation[]): Fix[] {
  const { ws, call, consumerKey } = ctx
  const fixes: Fix[] = []
  for (const e of evaluations) {
    if (!e.exists) continue
    if (!e.approval.ok) {
      fixes.push({
        id: `approve-product:${e.product}`,
        label: `Approve ${e.product} on ${appName}'s key`,
        method: 'apps.setProductStatus',
        input: { app: appName, consumerKey, product: e.product, status: 'approved' },
        resend: false
      })
    }
    const product = ws.apiProducts.find((p) => p.name === e.product)
    const patch = product ? productPatchFix(product, e, call) : null
    if (patch) fixes.push(patch)
  }
  const onKey = new Set(evaluations.map((e) => e.product))
  for (const product of ws.apiProducts) {
    if (onKey.has(product.name)) continue
    const candidate = evaluateProduct(ws, { apiproduct: product.name, status: 'approved' }, call)
    if (!candidate.matched) continue
    fixes.push({
      id: `add-product:${product.name}`,
      label: `Add ${product.name} to ${appName}'s key${product.approvalType === 'manual' ? ' (manual approval: approve it afterwards)' : ''}`,
      method: 'apps.addProducts',
      input: { app: appName, consumerKey, products: [product.name] },
      resend: false
    })
  }
  return fixes
}

function credentialFixes(ctx: AccessContext, failure: CredentialFailure): Fix[] {
  const { ws, consumerKey } = ctx
  const found = findCredential(ws, consumerKey)
  if (!found) return []
  const { app, credential } = found
  const developer = ws.developers.find((d) => d.developerId === app.developerId)
  switch (failure) {
    case 'credential-revoked':
      return [
        {
          id: `approve-key:${consumerKey}`,
          label: `Approve ${app.name}'s key`,
          method: 'apps.setCredentialStatus',
          input: { app: app.name, consumerKey, status: 'approved' },
          resend: false
        }
      ]
    case 'credential-expired':
      return [
        {
          id: `new-key:${app.name}`,
          label: `Generate a new key for ${app.name} (the client must then use it)`,
          method: 'apps.generateCredential',
          input: { app: app.name, products: credential.apiProducts.filter((p) => p.status === 'approved').map((p) => p.apiproduct) },
          resend: false
        }
      ]
    case 'app-revoked':
      return [{ id: `approve-app:${app.name}`, label: `Approve the app ${app.name}`, method: 'apps.setStatus', input: { app: app.name, status: 'approved' }, resend: false }]
    case 'developer-inactive':
      return developer
        ? [
            {
              id: `activate-developer:${developer.email}`,
              label: `Activate the developer ${developer.email}`,
              method: 'developers.setStatus',
              input: { email: developer.email, status: 'active' },
              resend: false
            }
          ]
        : []
    case 'unknown-key':
      return []
  }
}

/** Marks each fix with whether it alone makes the call pass; working fixes first, duplicates dropped. */
export function checkFixes(attempt: Attempt, fixes: Fix[], now: number): Fix[] {
  const seen = new Set<string>()
  const checked: Fix[] = []
  for (const fix of fixes) {
    if (seen.has(fix.id)) continue
    seen.add(fix.id)
    const resend = fix.method.startsWith('workbench.') ? fix.resend && fixResolves(attempt, fix, now) : fixResolves(attempt, fix, now)
    checked.push({ ...fix, resend })
  }
  return [...checked.filter((f) => f.resend), ...checked.filter((f) => !f.resend)]
}

const credentialCauses: Record<CredentialFailure, DiagnosisCode> = {
  'unknown-key': 'unknown-key',
  'credential-revoked': 'credential-revoked',
  'credential-expired': 'credential-expired',
  'app-revoked': 'app-revoked',
  'developer-inactive': 'developer-inactive'
}

/** Explains a key-management failure for a key (or a token's key) and a call. */
export function explainAccess(ctx: AccessContext): Diagnosis {
  const { ws, now, call, consumerKey } = ctx
  const decision: AccessDecision = decideAccess(ws, consumerKey, call, now)
  const attempt: Attempt = { ws, consumerKey, call }
  const found = findCredential(ws, consumerKey)
  const appName = found?.app.name
  const gatewayView = [...callLines(ws, call), ...credentialLines(ws, consumerKey), ...(ctx.extraGatewayView ?? [])]
  const evidence = credentialEvidence(ws, consumerKey, now)
  const base = { faultName: ctx.faultName, clientView: ctx.clientView, gatewayView }
  const what = ctx.presented === 'key' ? 'key' : 'token'
  if (decision.allowed) {
    return {
      ...base,
      code: 'setup-changed',
      cause: `With the workspace as it is now, ${appName}'s ${what} would be accepted through ${decision.match.product?.name}: the setup changed after this request${ws.organization.tokenCacheSeconds > 0 ? ' or the gateway cache still held the old state' : ''}`,
      evidence: [...evidence, ...decision.match.evaluations.map(productEvidence)],
      fixes: [{ id: 'resend', label: 'Send the request again', method: 'workbench.resend', input: {}, resend: true }]
    }
  }
  if (decision.stage === 'credential') {
    const cause = ctx.presented === 'token' ? `${decision.reason}, so its tokens are rejected` : decision.reason
    const fixes = checkFixes(attempt, [...credentialFixes(ctx, decision.failure), ...alternativeFixes(ctx)], now)
    return { ...base, code: credentialCauses[decision.failure], cause, evidence, fixes }
  }
  const fixes = checkFixes(attempt, [...noMatchFixes(ctx, appName!, decision.match.evaluations), ...alternativeFixes(ctx)], now)
  const productRows = decision.match.evaluations.map(productEvidence)
  return {
    ...base,
    code: 'no-product-match',
    cause: decision.reason,
    evidence: [...evidence, ...(productRows.length ? productRows : [{ label: 'Products', ok: false, detail: `${appName}'s key has no API products` }])],
    fixes
  }
}

/** Explains a credential presented where the gateway only checks the credential itself (token endpoint). */
export function explainClient(ctx: Omit<AccessContext, 'presented'>): Diagnosis | null {
  const result = checkCredential(ctx.ws, ctx.consumerKey, ctx.now)
  if (result.ok) return null
  const gatewayView = [...credentialLines(ctx.ws, ctx.consumerKey), ...(ctx.extraGatewayView ?? [])]
  const attempt: Attempt = { ws: ctx.ws, consumerKey: ctx.consumerKey, call: ctx.call }
  const fixes = credentialFixes({ ...ctx, presented: 'key' }, result.failure).map((f) => {
    const after = applyFix(attempt, f)
    return { ...f, resend: after !== null && checkCredential(after.ws, after.consumerKey, ctx.now).ok }
  })
  return {
    faultName: ctx.faultName,
    code: credentialCauses[result.failure],
    clientView: ctx.clientView,
    gatewayView,
    cause: result.reason,
    evidence: credentialEvidence(ctx.ws, ctx.consumerKey, ctx.now),
    fixes
  }
}
