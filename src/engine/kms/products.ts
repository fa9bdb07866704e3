/**
 * API-product matching (reference 4.2): which of a credential's products authorizes a call, with the
 * reason for every product, so that the runtime, the access matrix and the explanations agree.
 */
import type { ApiProduct, CredentialProduct, Workspace } from '../../shared/model'
import type { ApiCall, MatchedOperation, ProductCheck, ProductEvaluation } from '../../shared/access'
import { matchesResourcePath } from './resource-path'

export type { ApiCall, ProductCheck, MatchedOperation, ProductEvaluation } from '../../shared/access'

export interface ProductMatch {
  product: ApiProduct | null
  operation?: ProductEvaluation['operation']
  evaluations: ProductEvaluation[]
}

const listOf = (items: string[]): string => (items.length === 0 ? 'nothing' : items.join(', '))
const displayPath = (suffix: string): string => (suffix === '' ? '(bare base path)' : suffix)

/** Whether the product uses operation groups, which replace product-level proxy and resource checks. */
export function usesOperationGroup(product: ApiProduct): boolean {
  return (product.operationGroup?.operationConfigs.length ?? 0) > 0
}

/** The proxies a product names, from its proxy list or its operation configs. */
export function productProxies(product: ApiProduct): string[] {
  if (usesOperationGroup(product)) {
    return [...new Set(product.operationGroup!.operationConfigs.map((c) => c.apiSource))]
  }
  return product.proxies
}

function methodAllowed(methods: string[], verb: string): boolean {
  return methods.length === 0 || methods.some((m) => m.toUpperCase() === verb.toUpperCase())
}

function checkApproval(name: string, status: CredentialProduct['status']): ProductCheck {
  if (status === 'approved') return { ok: true, detail: `${name} is approved on this key` }
  if (status === 'pending') return { ok: false, detail: `${name} is pending approval on this key` }
  return { ok: false, detail: `${name} is revoked on this key` }
}

function checkEnvironment(product: ApiProduct, environment: string): ProductCheck {
  if (product.environments.length === 0) return { ok: true, detail: `${product.name} is enabled for every environment` }
  if (product.environments.includes(environment)) return { ok: true, detail: `${product.name} is enabled for ${environment}` }
  const only = product.environments.length === 1 ? `${product.environments[0]} only` : listOf(product.environments)
  return { ok: false, detail: `${product.name} is enabled for ${only}, not ${environment}` }
}

type PathChecks = Pick<ProductEvaluation, 'proxy' | 'resource' | 'method' | 'operation'>

function checkLegacyPaths(product: ApiProduct, call: ApiCall): PathChecks {
  const proxy: ProductCheck =
    product.proxies.length === 0
      ? { ok: true, detail: `${product.name} covers every proxy of the organization` }
      : product.proxies.includes(call.proxy)
        ? { ok: true, detail: `${product.name} includes ${call.proxy}` }
        : { ok: false, detail: `${product.name} does not include ${call.proxy} (it covers ${listOf(product.proxies)})` }
  let resource: ProductCheck
  if (product.apiResources.length === 0) {
    resource = { ok: true, detail: `${product.name} allows every path` }
  } else {
    const hit = product.apiResources.find((p) => matchesResourcePath(p, call.pathsuffix))
    resource = hit
      ? { ok: true, detail: `Path ${displayPath(call.pathsuffix)} matches resource ${hit} of ${product.name}` }
      : {
          ok: false,
          detail: `Path ${displayPath(call.pathsuffix)} matches none of ${product.name}'s resources (${listOf(product.apiResources)})`
        }
  }
  const method: ProductCheck = { ok: true, detail: `${product.name} does not restrict methods (no operation group)` }
  return { proxy, resource, method }
}

function checkOperations(product: ApiProduct, call: ApiCall): PathChecks {
  const configs = product.operationGroup!.operationConfigs.filter((c) => c.apiSource === call.proxy)
  const sources = productProxies(product)
  if (configs.length === 0) {
    const detail = `${product.name} has no operation for ${call.proxy} (its operations cover ${listOf(sources)})`
    return {
      proxy: { ok: false, detail },
      resource: { ok: false, detail: `${product.name} has no operation for ${call.proxy}` },
      method: { ok: false, detail: `${product.name} has no operation for ${call.proxy}` }
    }
  }
  const proxy: ProductCheck = { ok: true, detail: `${product.name} has operations for ${call.proxy}` }
  type Candidate = MatchedOperation
  const candidates: Candidate[] = []
  for (const config of configs) {
    const attributes = Object.fromEntries(config.attributes.map((a) => [a.name, a.value]))
    const quota = config.quota && config.quota.limit !== '' ? { quota: { ...config.quota } } : {}
    // An operation config without operations authorizes every path and verb of its API source ([U], docs/fidelity.md).
    if (config.operations.length === 0) candidates.push({ resource: '/', methods: [], attributes, ...quota })
    for (const op of config.operations) candidates.push({ resource: op.resource, methods: op.methods, attributes, ...quota })
  }
  const onPath = candidates.filter((c) => matchesResourcePath(c.resource, call.pathsuffix))
  const resource: ProductCheck =
    onPath.length > 0
      ? { ok: true, detail: `Path ${displayPath(call.pathsuffix)} matches operation ${onPath[0]!.resource} of ${product.name}` }
      : {
          ok: false,
          detail: `Path ${displayPath(call.pathsuffix)} matches none of ${product.name}'s operations on ${call.proxy} (${listOf([...new Set(candidates.map((c) => c.resource))])})`
        }
  const full = onPath.find((c) => methodAllowed(c.methods, call.verb))
  if (full) {
    return {
      proxy,
      resource,
      method: { ok: true, detail: `${call.verb} is allowed by operation ${full.resource} of ${product.name}` },
      operation: {
        resource: full.resource,
        methods: [...full.methods],
        attributes: { ...full.attributes },
        ...(full.quota ? { quota: { ...full.quota } } : {})
      }
    }
  }
  const pool = onPath.length > 0 ? onPath : candidates
  const allowed = [...new Set(pool.flatMap((c) => c.methods.map((m) => m.toUpperCase())))]
  const where = onPath.length > 0 ? `on ${displayPath(call.pathsuffix)}` : `on ${call.proxy}`
  const anyVerbSomewhere = pool.some((c) => methodAllowed(c.methods, call.verb))
  const method: ProductCheck = anyVerbSomewhere
    ? { ok: true, detail: `${call.verb} is allowed by some operation of ${product.name} on ${call.proxy}, but not for this path` }
    : { ok: false, detail: `${product.name} allows only ${listOf(allowed)} ${where}, not ${call.verb}` }
  return { proxy, resource, method }
}

/** Evaluates one product entry of a credential against a call, every check with its reason. */
export function evaluateProduct(ws: Workspace, entry: CredentialProduct, call: ApiCall): ProductEvaluation {
  const product = ws.apiProducts.find((p) => p.name === entry.apiproduct)
  const approval = checkApproval(entry.apiproduct, entry.status)
  if (!product) {
    const missing: ProductCheck = { ok: false, detail: `${entry.apiproduct} does not exist in the organization` }
    return {
      product: entry.apiproduct,
      exists: false,
      entryStatus: entry.status,
      approval,
      environment: missing,
      proxy: missing,
      resource: missing,
      method: missing,
      matched: false
    }
  }
  const environment = checkEnvironment(product, call.environment)
  const paths = usesOperationGroup(product) ? checkOperations(product, call) : checkLegacyPaths(product, call)
  const matched = approval.ok && environment.ok && paths.proxy.ok && paths.resource.ok && paths.method.ok
  const evaluation: ProductEvaluation = {
    product: product.name,
    exists: true,
    entryStatus: entry.status,
    approval,
    environment,
    proxy: paths.proxy,
    resource: paths.resource,
    method: paths.method,
    matched
  }
  if (matched && paths.operation) evaluation.operation = paths.operation
  return evaluation
}

/** Matches the credential's product entries against the call (reference 4.2/4.3), with the reason per product. */
export function resolveProductMatch(ws: Workspace, entries: CredentialProduct[], call: ApiCall): ProductMatch {
  const evaluations = entries.map((entry) => evaluateProduct(ws, entry, call))
  // The first matching entry (credential order) supplies apiproduct.* ([U] order, docs/fidelity.md).
  const first = evaluations.find((e) => e.matched)
  if (!first) return { product: null, evaluations }
  const product = ws.apiProducts.find((p) => p.name === first.product) ?? null
  return first.operation ? { product, operation: first.operation, evaluations } : { product, evaluations }
}

/** The first failing check of a product evaluation, in the order a person would fix them. */
export function firstFailure(
  evaluation: ProductEvaluation
): { check: 'exists' | 'approval' | 'proxy' | 'environment' | 'resource' | 'method'; detail: string } | null {
  if (!evaluation.exists) return { check: 'exists', detail: evaluation.proxy.detail }
  const order = ['approval', 'proxy', 'environment', 'resource', 'method'] as const
  for (const check of order) if (!evaluation[check].ok) return { check, detail: evaluation[check].detail }
  return null
}

/** One plain sentence saying why none of a key's products matched the call. */
export function describeNoMatch(appName: string, match: ProductMatch, call: ApiCall): string {
  const evals = match.evaluations
  if (evals.length === 0) return `${appName}'s key has no API products`
  const clause = (e: ProductEvaluation): string => {
    const f = firstFailure(e)
    if (!f) return `${e.product} matches`
    switch (f.check) {
      case 'exists':
        return `${e.product} does not exist`
      case 'approval':
        return e.entryStatus === 'pending' ? `${e.product} is still pending approval on it` : `${e.product} is revoked on it`
      case 'proxy':
        return `${e.product} does not include ${call.proxy}`
      case 'environment':
        return f.detail
      case 'resource':
        return `${e.product} does not allow path ${displayPath(call.pathsuffix)} of ${call.proxy}`
      case 'method':
        return `${e.product} does not allow ${call.verb} ${displayPath(call.pathsuffix)} on ${call.proxy}`
    }
  }
  if (evals.length === 1) {
    const e = evals[0]!
    const f = firstFailure(e)
    if (f?.check === 'proxy') return `${appName}'s key has only ${e.product}, which does not include ${call.proxy}`
    if (f?.check === 'environment') {
      return `${appName}'s key has only ${e.product}, which ${f.detail.slice(e.product.length + 1)}`
    }
    if (f?.check === 'approval') {
      const state = e.entryStatus === 'pending' ? 'still pending approval' : 'revoked'
      return `${appName}'s key has only ${e.product}, which is ${state} on that key`
    }
    return `${appName}'s key has only ${e.product}, and ${clause(e)}`
  }
  return `None of the ${evals.length} products on ${appName}'s key covers ${call.verb} ${call.proxy}${displayPath(call.pathsuffix) === '(bare base path)' ? '' : ' ' + call.pathsuffix} in ${call.environment}: ${evals.map(clause).join('; ')}`
}
