/**
 * The bindings graph as data: who owns which app, which products each app's keys hold (and in
 * which approval state), which proxies and environments each product opens. Pure, so the view
 * and the tests build it the same way.
 */
import type { InjectionKey } from 'vue'
import type { ApiProduct, ApiProxy, Developer, DeveloperApp, Environment } from '@shared/model'
import type { LayeredGraph } from './layout'

export type BindingKind = 'developer' | 'app' | 'product' | 'proxy' | 'environment'
export const columns: Array<{ kind: BindingKind; title: string }> = [
  { kind: 'developer', title: 'Developers' },
  { kind: 'app', title: 'Apps' },
  { kind: 'product', title: 'API products' },
  { kind: 'proxy', title: 'API proxies' },
  { kind: 'environment', title: 'Environments' }
]

export interface BindingNode {
  id: string
  kind: BindingKind
  name: string
  subtitle: string
  /** Shown as a small tag: app or developer status, product approval type. */
  tag: string | null
  /** Dimmed: a revoked app, an inactive developer. */
  inactive: boolean
}

export type GrantStatus = 'approved' | 'pending' | 'revoked'

export interface BindingEdge {
  id: string
  source: string
  target: string
  kind: 'owns' | 'grant' | 'proxy' | 'environment'
  /** Grants: the product's status on the key the edge stands for. */
  status: GrantStatus | null
  /** Grants: the app, product and key the actions apply to. */
  app: string | null
  product: string | null
  consumerKey: string | null
  /** Product edges drawn because the product lists none (an empty list means "all" on Apigee). */
  implicit: boolean
}

export interface BindingsInput {
  developers: Developer[]
  apps: DeveloperApp[]
  products: ApiProduct[]
  proxies: ApiProxy[]
  environments: Environment[]
}

/** How the view tells nodes about hover focus and drop targets without rebuilding the node list. */
export interface BindingsFocus {
  isFocused(id: string): boolean
  isDimmed(id: string): boolean
  isDropTarget(id: string): boolean
}
export const bindingsFocusKey: InjectionKey<BindingsFocus> = Symbol('bindingsFocus')

export const nodeId = (kind: BindingKind, name: string): string => `${kind}:${name}`

/** The key an action on an app's product applies to: the first approved key holding it, else the first key holding it. */
export function keyForGrant(app: DeveloperApp, product: string): { consumerKey: string; status: GrantStatus } | null {
  const holding = app.credentials
    .map((c) => ({ credential: c, entry: c.apiProducts.find((p) => p.apiproduct === product) }))
    .filter((h) => h.entry !== undefined)
  const chosen = holding.find((h) => h.credential.status === 'approved') ?? holding[0]
  return chosen ? { consumerKey: chosen.credential.consumerKey, status: chosen.entry!.status } : null
}

/** The key a dropped product is added to: the app's first approved key, else its first key. */
export function keyForNewProduct(app: DeveloperApp): string | null {
  return (app.credentials.find((c) => c.status === 'approved') ?? app.credentials[0])?.consumerKey ?? null
}

/** Nodes, edges and the layered form for the layout. Names sort alphabetically before the crossing reduction. */
export function bindingsGraph(input: BindingsInput): { nodes: BindingNode[]; edges: BindingEdge[]; layered: LayeredGraph } {
  const byName = <T>(items: T[], name: (t: T) => string): T[] => [...items].sort((a, b) => name(a).localeCompare(name(b)))
  const nodes: BindingNode[] = []
  const edges: BindingEdge[] = []
  const developerById = new Map(input.developers.map((d) => [d.developerId, d]))

  for (const d of byName(input.developers, (d) => d.email))
    nodes.push({
      id: nodeId('developer', d.developerId),
      kind: 'developer',
      name: [d.firstName, d.lastName].filter(Boolean).join(' ') || d.userName || d.email,
      subtitle: d.email,
      tag: d.status === 'inactive' ? 'inactive' : null,
      inactive: d.status === 'inactive'
    })
  for (const a of byName(input.apps, (a) => a.name)) {
    const keys = a.credentials.length
    nodes.push({
      id: nodeId('app', a.name),
      kind: 'app',
      name: a.name,
      subtitle: `${keys} key${keys === 1 ? '' : 's'} · ${developerById.get(a.developerId)?.email ?? a.developerId}`,
      tag: a.status === 'revoked' ? 'revoked' : null,
      inactive: a.status === 'revoked'
    })
    if (developerById.has(a.developerId))
      edges.push({ id: `owns:${a.developerId}:${a.name}`, source: nodeId('developer', a.developerId), target: nodeId('app', a.name), kind: 'owns', status: null, app: a.name, product: null, consumerKey: null, implicit: false })
    const products = [...new Set(a.credentials.flatMap((c) => c.apiProducts.map((p) => p.apiproduct)))]
    for (const product of products) {
      const key = keyForGrant(a, product)!
      edges.push({
        id: `grant:${a.name}:${product}`,
        source: nodeId('app', a.name),
        target: nodeId('product', product),
        kind: 'grant',
        status: key.status,
        app: a.name,
        product,
        consumerKey: key.consumerKey,
        implicit: false
      })
    }
  }
  const proxyNames = input.proxies.map((p) => p.name)
  const environmentNames = input.environments.map((e) => e.name)
  for (const p of byName(input.products, (p) => p.name)) {
    nodes.push({
      id: nodeId('product', p.name),
      kind: 'product',
      name: p.name,
      subtitle: `${p.approvalType} approval · ${p.environments.length ? p.environments.join(', ') : 'all environments'}`,
      tag: p.approvalType === 'manual' ? 'manual' : 'auto',
      inactive: false
    })
    const fromOperations = p.operationGroup?.operationConfigType === 'proxy' ? p.operationGroup.operationConfigs.map((c) => c.apiSource) : []
    const listed = [...new Set([...p.proxies, ...fromOperations])]
    const proxies = listed.length ? listed : proxyNames
    for (const proxy of proxies)
      edges.push({ id: `proxy:${p.name}:${proxy}`, source: nodeId('product', p.name), target: nodeId('proxy', proxy), kind: 'proxy', status: null, app: null, product: p.name, consumerKey: null, implicit: !listed.length })
    const envs = p.environments.length ? p.environments : environmentNames
    for (const env of envs)
      edges.push({ id: `env:${p.name}:${env}`, source: nodeId('product', p.name), target: nodeId('environment', env), kind: 'environment', status: null, app: null, product: p.name, consumerKey: null, implicit: !p.environments.length })
  }
  for (const p of byName(input.proxies, (p) => p.name))
    nodes.push({ id: nodeId('proxy', p.name), kind: 'proxy', name: p.name, subtitle: `${p.basePath} · ${p.environments.length ? p.environments.join(', ') : 'not deployed'}`, tag: null, inactive: !p.environments.length })
  for (const e of byName(input.environments, (e) => e.name))
    nodes.push({ id: nodeId('environment', e.name), kind: 'environment', name: e.name, subtitle: `port ${e.port}`, tag: null, inactive: false })

  // Edges to entities that do not exist (a dangling product name) are dropped, not drawn to nowhere.
  const known = new Set(nodes.map((n) => n.id))
  const drawn = edges.filter((e) => known.has(e.source) && known.has(e.target))
  const layered: LayeredGraph = {
    layers: columns.map((c) => nodes.filter((n) => n.kind === c.kind).map((n) => n.id)),
    edges: drawn.map((e) => [e.source, e.target])
  }
  return { nodes, edges: drawn, layered }
}
