import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { countCrossings, layoutLayers, orderLayers, placeInOrder, type LayeredGraph } from '../../src/renderer/src/components/bindings/layout'
import { bindingsGraph, keyForGrant, keyForNewProduct } from '../../src/renderer/src/components/bindings/graph'
import type { ApiProduct, ApiProxy, Developer, DeveloperApp, Environment } from '../../src/shared/model'

describe('crossing count', () => {
  it.each([
    ['parallel edges', [['a', 'b'], ['x', 'y']], [['a', 'x'], ['b', 'y']], 0],
    ['one crossing', [['a', 'b'], ['x', 'y']], [['a', 'y'], ['b', 'x']], 1],
    ['edges from one node never cross each other', [['a'], ['x', 'y', 'z']], [['a', 'x'], ['a', 'y'], ['a', 'z']], 0],
    ['two crossings over three columns', [['a', 'b'], ['m', 'n'], ['x', 'y']], [['a', 'n'], ['b', 'm'], ['m', 'y'], ['n', 'x']], 2]
  ] as const)('%s', (_name, layers, edges, expected) => {
    expect(countCrossings(layers.map((l) => [...l]), edges.map(([a, b]) => [a, b] as [string, string]))).toBe(expected)
  })
})

describe('barycentric ordering', () => {
  it('untangles a graph that can be drawn without crossings', () => {
    const graph: LayeredGraph = {
      layers: [
        ['d1', 'd2', 'd3'],
        ['a1', 'a2', 'a3', 'a4'],
        ['p1', 'p2', 'p3']
      ],
      // d1 owns a4, d3 owns a1 ...: in alphabetical order everything crosses.
      edges: [
        ['d1', 'a4'],
        ['d2', 'a2'],
        ['d2', 'a3'],
        ['d3', 'a1'],
        ['a1', 'p3'],
        ['a2', 'p2'],
        ['a3', 'p2'],
        ['a4', 'p1']
      ]
    }
    expect(countCrossings(graph.layers, graph.edges)).toBeGreaterThan(0)
    const ordered = orderLayers(graph)
    expect(countCrossings(ordered, graph.edges)).toBe(0)
    // Every column keeps exactly its own nodes.
    expect(ordered.map((l) => [...l].sort())).toEqual(graph.layers.map((l) => [...l].sort()))
  })

  it('never returns more crossings than the initial order, for any graph (property)', () => {
    const arbitraryGraph = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }))
      .chain(([a, b, c]) => {
        const layers = [Array.from({ length: a }, (_, i) => `a${i}`), Array.from({ length: b }, (_, i) => `b${i}`), Array.from({ length: c }, (_, i) => `c${i}`)]
        const pairs = [...layers[0]!.flatMap((x) => layers[1]!.map((y) => [x, y] as [string, string])), ...layers[1]!.flatMap((x) => layers[2]!.map((y) => [x, y] as [string, string]))]
        return fc.subarray(pairs).map((edges) => ({ layers, edges }))
      })
    fc.assert(
      fc.property(arbitraryGraph, (graph) => {
        const ordered = orderLayers(graph)
        return countCrossings(ordered, graph.edges) <= countCrossings(graph.layers, graph.edges)
      })
    )
  })
})

describe('placing rows in order', () => {
  it.each([
    ['free rows stay where they want', [0, 100, 300], [0, 100, 300]],
    ['a crowd centres on its wishes instead of piling downward', [100, 100, 100], [50, 100, 150]],
    ['rows out of order are pooled', [200, 0], [75, 125]]
  ])('%s', (_name, wanted, expected) => {
    expect(placeInOrder(wanted, 50)).toEqual(expected)
  })
})

describe('positions', () => {
  it('puts columns at fixed x and keeps rows of a column at least one row apart, in order', () => {
    const graph: LayeredGraph = {
      layers: [['d1'], ['a1', 'a2', 'a3', 'a4', 'a5'], ['p1', 'p2']],
      edges: [['d1', 'a1'], ['d1', 'a2'], ['d1', 'a3'], ['d1', 'a4'], ['d1', 'a5'], ['a1', 'p1'], ['a2', 'p1'], ['a5', 'p2']]
    }
    const { layers, positions } = layoutLayers(graph, { columnWidth: 100, rowHeight: 50 })
    layers.forEach((layer, column) => {
      const ys = layer.map((id) => positions.get(id)!.y)
      layer.forEach((id) => expect(positions.get(id)!.x).toBe(column * 100))
      for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(50)
    })
    // The widest column is evenly spaced; the developer sits at the mean of its apps (which is also its even share);
    // p1 wants halfway between its apps' mean (25) and the top (0), p2 halfway between a5 (200) and the bottom (200).
    expect(layers[1]!.map((id) => positions.get(id)!.y)).toEqual([0, 50, 100, 150, 200])
    expect(positions.get('d1')!.y).toBe(100)
    expect(positions.get('p1')!.y).toBe(12.5)
    expect(positions.get('p2')!.y).toBe(200)
  })

  it('lays out 50 apps x 20 products with no overlaps and fewer crossings than alphabetical order', () => {
    const developers = Array.from({ length: 8 }, (_, i) => `dev:${i}`)
    const apps = Array.from({ length: 50 }, (_, i) => `app:${String(i).padStart(2, '0')}`)
    const products = Array.from({ length: 20 }, (_, i) => `product:${String(i).padStart(2, '0')}`)
    const proxies = Array.from({ length: 6 }, (_, i) => `proxy:${i}`)
    const envs = ['env:test', 'env:prod']
    const edges: Array<[string, string]> = []
    apps.forEach((app, i) => {
      edges.push([developers[(i * 5) % developers.length]!, app])
      // Each app holds 2 products in a band that drifts against the alphabetical order.
      edges.push([app, products[(i * 7) % 20]!], [app, products[(i * 7 + 3) % 20]!])
    })
    products.forEach((p, i) => {
      edges.push([p, proxies[i % proxies.length]!], [p, envs[i % 2]!])
    })
    const graph: LayeredGraph = { layers: [developers, apps, products, proxies, envs], edges }
    const { positions, crossings } = layoutLayers(graph)
    expect(crossings).toBeLessThan(countCrossings(graph.layers, edges))
    for (const column of graph.layers) {
      const ys = column.map((id) => positions.get(id)!.y).sort((a, b) => a - b)
      for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(56)
    }
  })
})

describe('bindings graph', () => {
  const developer = (id: string, email: string): Developer => ({ developerId: id, email, firstName: id, lastName: '', userName: '', status: 'active', attributes: [] })
  const product = (name: string, over: Partial<ApiProduct> = {}): ApiProduct => ({
    name,
    displayName: '',
    description: '',
    approvalType: 'auto',
    environments: [],
    proxies: [],
    apiResources: [],
    scopes: [],
    attributes: [],
    quota: '',
    quotaInterval: '',
    quotaTimeUnit: '',
    ...over
  })
  const proxy = (name: string): ApiProxy => ({ name, description: '', basePath: `/${name}`, environments: ['test'], proxyEndpoints: {}, targetEndpoints: {}, policies: {}, resources: {} })
  const env = (name: string, port: number): Environment => ({ name, description: '', port, hostAliases: [], restrictHosts: true, variables: [] })
  const app = (name: string, developerId: string, credentials: DeveloperApp['credentials']): DeveloperApp => ({
    appId: name,
    name,
    developerId,
    callbackUrl: '',
    status: 'approved',
    attributes: [],
    scopes: [],
    createdAt: 0,
    credentials
  })
  const key = (consumerKey: string, status: 'approved' | 'revoked', products: Array<[string, 'approved' | 'pending' | 'revoked']>) => ({
    consumerKey,
    consumerSecret: 's',
    status,
    issuedAt: 0,
    expiresAt: -1,
    apiProducts: products.map(([apiproduct, s]) => ({ apiproduct, status: s })),
    scopes: [],
    attributes: []
  })

  const two = app('Two', 'd1', [key('old', 'revoked', [['Gold', 'revoked']]), key('new', 'approved', [['Gold', 'pending'], ['Silver', 'approved']])])
  const input = {
    developers: [developer('d1', 'one@example.com')],
    apps: [app('One', 'd1', [key('k1', 'approved', [['Gold', 'approved'], ['Ghost', 'approved']])]), two],
    products: [product('Gold', { proxies: ['orders'], environments: ['test'] }), product('Silver')],
    proxies: [proxy('orders'), proxy('users')],
    environments: [env('test', 9001), env('prod', 9002)]
  }

  it('draws one grant per app and product, for the approved key first; an empty product list means every proxy and environment', () => {
    const { edges, layered } = bindingsGraph(input)
    const grants = edges.filter((e) => e.kind === 'grant').map((e) => `${e.app}->${e.product} ${e.status} ${e.consumerKey}`)
    expect(grants).toEqual(['One->Gold approved k1', 'Two->Gold pending new', 'Two->Silver approved new'])
    expect(edges.filter((e) => e.kind === 'proxy').map((e) => `${e.product}->${e.target}${e.implicit ? ' (implicit)' : ''}`)).toEqual([
      'Gold->proxy:orders',
      'Silver->proxy:orders (implicit)',
      'Silver->proxy:users (implicit)'
    ])
    expect(edges.filter((e) => e.kind === 'environment').map((e) => `${e.product}->${e.target}`)).toEqual(['Gold->environment:test', 'Silver->environment:test', 'Silver->environment:prod'])
    expect(layered.layers).toEqual([['developer:d1'], ['app:One', 'app:Two'], ['product:Gold', 'product:Silver'], ['proxy:orders', 'proxy:users'], ['environment:prod', 'environment:test']])
    // The dangling product Ghost is not drawn.
    expect(edges.some((e) => e.target === 'product:Ghost')).toBe(false)
  })

  it('picks the key for actions: the approved key holding the product, and the first approved key for new products', () => {
    expect(keyForGrant(two, 'Gold')).toEqual({ consumerKey: 'new', status: 'pending' })
    expect(keyForGrant(two, 'Bronze')).toBeNull()
    expect(keyForNewProduct(two)).toBe('new')
    expect(keyForNewProduct(app('None', 'd1', []))).toBeNull()
  })
})
