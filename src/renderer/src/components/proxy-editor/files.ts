import type { ApiProxy } from '@shared/model'
import type { DeploymentError, DeploymentWarning, ProxyDeployment } from '@shared/deployment'

/** A bundle file as the editor lists it; `key` uses the deployment errors' `file` form (`policies/X.xml`). */
export interface BundleFile {
  key: string
  group: 'proxies' | 'targets' | 'policies' | 'resources'
  /** Endpoint, policy or resource name, e.g. `default`, `OAuthV2-Verify-Access-Token`, `jsc/check.js`. */
  name: string
}

const prefixes = { proxies: 'proxies/', targets: 'targets/', policies: 'policies/', resources: 'resources/' } as const

/** Every file of a proxy's bundle by key, with its text. */
export function bundleFiles(proxy: ApiProxy): Record<string, string> {
  const files: Record<string, string> = {}
  for (const [name, xml] of Object.entries(proxy.proxyEndpoints)) files[`proxies/${name}.xml`] = xml
  for (const [name, xml] of Object.entries(proxy.targetEndpoints)) files[`targets/${name}.xml`] = xml
  for (const [name, xml] of Object.entries(proxy.policies)) files[`policies/${name}.xml`] = xml
  for (const [path, text] of Object.entries(proxy.resources)) files[`resources/${path}`] = text
  return files
}

/** Splits a file key into its group and name. */
export function describeFile(key: string): BundleFile | null {
  for (const group of ['proxies', 'targets', 'policies', 'resources'] as const) {
    const prefix = prefixes[group]
    if (!key.startsWith(prefix)) continue
    const rest = key.slice(prefix.length)
    if (group === 'resources') return { key, group, name: rest }
    return rest.endsWith('.xml') ? { key, group, name: rest.slice(0, -4) } : null
  }
  return null
}

/** The proxy patch for a set of files: the four bundle maps, as `proxies.update` takes them. */
export function bundlePatch(files: Record<string, string>): Pick<ApiProxy, 'proxyEndpoints' | 'targetEndpoints' | 'policies' | 'resources'> {
  const patch: Pick<ApiProxy, 'proxyEndpoints' | 'targetEndpoints' | 'policies' | 'resources'> = { proxyEndpoints: {}, targetEndpoints: {}, policies: {}, resources: {} }
  for (const [key, text] of Object.entries(files)) {
    const file = describeFile(key)
    if (!file) continue
    const target = { proxies: patch.proxyEndpoints, targets: patch.targetEndpoints, policies: patch.policies, resources: patch.resources }[file.group]
    target[file.name] = text
  }
  return patch
}

/** A deployment error with every environment it was reported for (the same bundle fails the same way everywhere). */
export interface GroupedError extends DeploymentError {
  environments: string[]
}

/** Deployment errors of a proxy, one entry per distinct error, in file and line order. */
export function groupErrors(deployments: ProxyDeployment[]): GroupedError[] {
  const byKey = new Map<string, GroupedError>()
  for (const deployment of deployments) {
    for (const error of deployment.errors) {
      const key = [error.code, error.file, error.path ?? '', error.line ?? '', error.column ?? '', error.message].join('\u0000')
      const existing = byKey.get(key)
      if (existing) existing.environments.push(deployment.environment)
      else byKey.set(key, { ...error, environments: [deployment.environment] })
    }
  }
  return [...byKey.values()].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}

/** Deployment warnings of a proxy, each once (the same bundle warns the same way in every environment), in file order. */
export function uniqueWarnings(deployments: ProxyDeployment[]): DeploymentWarning[] {
  const byKey = new Map<string, DeploymentWarning>()
  for (const deployment of deployments) {
    for (const warning of deployment.warnings) byKey.set([warning.code, warning.file, warning.message].join('\u0000'), warning)
  }
  return [...byKey.values()].sort((a, b) => a.file.localeCompare(b.file))
}

/** One sentence on what serves an environment after a failed deployment. */
export function servingNote(deployment: ProxyDeployment): string {
  if (deployment.state === 'deployed') return `revision ${deployment.revision} serves ${deployment.environment}`
  return deployment.revision !== null
    ? `revision ${deployment.revision} still serves ${deployment.environment}`
    : `nothing serves ${deployment.environment}: no revision of ${deployment.proxy} ever deployed there`
}
