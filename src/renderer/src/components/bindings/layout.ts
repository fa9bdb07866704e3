/**
 * Layered layout for the bindings graph: fixed columns (developers, apps, products, proxies,
 * environments), rows ordered by barycentric sweeps to reduce edge crossings, then y positions
 * pulled toward each node's neighbours without overlaps, so edges stay short and mostly level.
 */

export interface LayeredGraph {
  /** Node ids per column, in their initial order (the layout starts from it and is deterministic). */
  layers: string[][]
  /** Undirected connections between nodes of different columns. */
  edges: Array<[string, string]>
}

export interface LayoutOptions {
  columnWidth: number
  rowHeight: number
  /** Barycentric sweeps (down then up counts as two). */
  sweeps: number
}

export interface LayoutResult {
  layers: string[][]
  positions: Map<string, { x: number; y: number }>
  crossings: number
}

const defaults: LayoutOptions = { columnWidth: 280, rowHeight: 56, sweeps: 8 }

function layerIndex(layers: string[][]): Map<string, number> {
  const index = new Map<string, number>()
  layers.forEach((layer, i) => layer.forEach((id) => index.set(id, i)))
  return index
}

function positionsOf(layers: string[][]): Map<string, number> {
  const pos = new Map<string, number>()
  for (const layer of layers) layer.forEach((id, i) => pos.set(id, layer.length > 1 ? i / (layer.length - 1) : 0.5))
  return pos
}

/** Edge crossings, counted between every pair of columns that edges connect (the quantity the ordering lowers). */
export function countCrossings(layers: string[][], edges: Array<[string, string]>): number {
  const layerOf = layerIndex(layers)
  const order = new Map<string, number>()
  for (const layer of layers) layer.forEach((id, i) => order.set(id, i))
  const byPair = new Map<string, Array<[number, number]>>()
  for (const [a, b] of edges) {
    const la = layerOf.get(a)
    const lb = layerOf.get(b)
    if (la === undefined || lb === undefined || la === lb) continue
    const [from, to] = la < lb ? [a, b] : [b, a]
    const key = `${Math.min(la, lb)}:${Math.max(la, lb)}`
    const list = byPair.get(key) ?? []
    list.push([order.get(from)!, order.get(to)!])
    byPair.set(key, list)
  }
  let crossings = 0
  for (const list of byPair.values()) {
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const [a1, b1] = list[i]!
        const [a2, b2] = list[j]!
        if ((a1 - a2) * (b1 - b2) < 0) crossings++
      }
  }
  return crossings
}

/**
 * Orders the rows of each column by barycentric sweeps: a node moves to the mean (normalised)
 * position of its neighbours in the columns already swept; nodes without such neighbours keep
 * their place. Returns the ordering with the fewest crossings seen (the initial one included).
 */
export function orderLayers(graph: LayeredGraph, sweeps = defaults.sweeps): string[][] {
  const layerOf = layerIndex(graph.layers)
  const neighbours = new Map<string, string[]>()
  for (const [a, b] of graph.edges) {
    if (!layerOf.has(a) || !layerOf.has(b)) continue
    neighbours.set(a, [...(neighbours.get(a) ?? []), b])
    neighbours.set(b, [...(neighbours.get(b) ?? []), a])
  }
  let layers = graph.layers.map((l) => [...l])
  let best = layers.map((l) => [...l])
  let bestCrossings = countCrossings(layers, graph.edges)

  const reorder = (index: number, towardLower: boolean): void => {
    const pos = positionsOf(layers)
    const layer = layers[index]!
    const keyed = layer.map((id, i) => {
      const ns = (neighbours.get(id) ?? []).filter((n) => (towardLower ? layerOf.get(n)! < index : layerOf.get(n)! > index))
      const own = layer.length > 1 ? i / (layer.length - 1) : 0.5
      const bary = ns.length ? ns.reduce((sum, n) => sum + pos.get(n)!, 0) / ns.length : own
      return { id, bary, i }
    })
    // Stable: equal barycenters keep their current relative order.
    keyed.sort((a, b) => a.bary - b.bary || a.i - b.i)
    layers[index] = keyed.map((k) => k.id)
  }

  for (let sweep = 0; sweep < sweeps && bestCrossings > 0; sweep++) {
    const down = sweep % 2 === 0
    if (down) for (let i = 1; i < layers.length; i++) reorder(i, true)
    else for (let i = layers.length - 2; i >= 0; i--) reorder(i, false)
    const crossings = countCrossings(layers, graph.edges)
    if (crossings < bestCrossings) {
      bestCrossings = crossings
      best = layers.map((l) => [...l])
    }
  }
  layers = best
  return layers
}

/**
 * Rows as close as possible to the wanted y values (least squares), in order and at least `gap` apart:
 * isotonic regression (pool adjacent violators) on `wanted[i] - i * gap`.
 */
export function placeInOrder(wanted: number[], gap: number): number[] {
  const blocks: Array<{ sum: number; count: number }> = []
  wanted.forEach((w, i) => {
    blocks.push({ sum: w - i * gap, count: 1 })
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!
      const prev = blocks[blocks.length - 2]!
      if (prev.sum / prev.count <= last.sum / last.count) break
      blocks.pop()
      prev.sum += last.sum
      prev.count += last.count
    }
  })
  const out: number[] = []
  for (const b of blocks) for (let k = 0; k < b.count; k++) out.push(b.sum / b.count + out.length * gap)
  return out
}

/**
 * Places every node: x by column; y by row order. The largest column is evenly spaced; every other
 * column wants each row halfway between its neighbours' mean y and its even share of the largest
 * column's height (so short columns neither bunch in the middle nor drift from their edges),
 * then sits as close to that as order and spacing allow.
 */
export function layoutLayers(graph: LayeredGraph, options: Partial<LayoutOptions> = {}): LayoutResult {
  const o = { ...defaults, ...options }
  const layers = orderLayers(graph, o.sweeps)
  const layerOf = layerIndex(layers)
  const neighbours = new Map<string, string[]>()
  for (const [a, b] of graph.edges) {
    if (!layerOf.has(a) || !layerOf.has(b)) continue
    neighbours.set(a, [...(neighbours.get(a) ?? []), b])
    neighbours.set(b, [...(neighbours.get(b) ?? []), a])
  }
  const y = new Map<string, number>()
  const widest = layers.reduce((best, layer, i) => (layer.length > layers[best]!.length ? i : best), 0)
  layers[widest]!.forEach((id, i) => y.set(id, i * o.rowHeight))
  const span = Math.max(0, (layers[widest]!.length - 1) * o.rowHeight)

  const place = (index: number): void => {
    const layer = layers[index]!
    const wanted = layer.map((id, i) => {
      const even = layer.length > 1 ? (i / (layer.length - 1)) * span : span / 2
      const placed = (neighbours.get(id) ?? []).filter((n) => y.has(n))
      if (!placed.length) return even
      const mean = placed.reduce((s, n) => s + y.get(n)!, 0) / placed.length
      return (mean + even) / 2
    })
    placeInOrder(wanted, o.rowHeight).forEach((v, i) => y.set(layer[i]!, v))
  }
  for (let i = widest + 1; i < layers.length; i++) if (layers[i]!.length) place(i)
  for (let i = widest - 1; i >= 0; i--) if (layers[i]!.length) place(i)

  const top = Math.min(0, ...y.values())
  const positions = new Map<string, { x: number; y: number }>()
  layers.forEach((layer, column) => layer.forEach((id) => positions.set(id, { x: column * o.columnWidth, y: (y.get(id) ?? 0) - top })))
  return { layers, positions, crossings: countCrossings(layers, graph.edges) }
}
