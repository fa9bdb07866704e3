/**
 * The flow structure of a ProxyEndpoint or TargetEndpoint, read from its XML in the browser
 * (DOMParser), as an ordered outline: what runs, in which order, under which condition.
 * Element paths use the engine's form (`/ProxyEndpoint/Flows/Flow[2]`, index only from the second
 * same-named sibling on), so the editor can jump to an outline entry or to a deployment error alike.
 */

/** The part of a DOM Element the outline reads (a DOMParser Element fits; tests pass a small stand-in). */
export interface ElementLike {
  readonly tagName: string
  readonly children: ArrayLike<ElementLike>
  getAttribute(name: string): string | null
  readonly textContent: string | null
}

export interface OutlineStep {
  policy: string
  condition: string | null
  path: string
  /** The Step names a policy that the proxy does not have (a deployment error on Apigee). */
  missing: boolean
  /** The policy's type (its root element, e.g. `OAuthV2`), when the policy exists. */
  policyType: string | null
}

export type FlowKind = 'PreFlow' | 'Flow' | 'PostFlow' | 'PostClientFlow' | 'FaultRule' | 'DefaultFaultRule'

export interface OutlineFlow {
  kind: FlowKind
  name: string
  condition: string | null
  description: string | null
  path: string
  /** Request-phase steps (flows) or the rule's steps (FaultRule, DefaultFaultRule). */
  request: OutlineStep[]
  response: OutlineStep[]
  /** DefaultFaultRule only: runs even when a FaultRule already handled the fault. */
  alwaysEnforce: boolean
}

export interface OutlineRoute {
  name: string
  condition: string | null
  /** Target endpoint name, or null for a no-route rule. */
  target: string | null
  url: string | null
  path: string
}

export interface EndpointOutline {
  kind: 'ProxyEndpoint' | 'TargetEndpoint'
  name: string
  /** Bundle file, `proxies/default.xml` or `targets/default.xml`. */
  file: string
  basePath: string | null
  /** TargetEndpoint: the HTTPTargetConnection URL (or LocalTargetConnection path). */
  targetUrl: string | null
  /** In execution order: PreFlow, conditional Flows, PostFlow, PostClientFlow; then FaultRules, DefaultFaultRule. */
  flows: OutlineFlow[]
  routeRules: OutlineRoute[]
}

export type OutlineResult = { ok: true; outline: EndpointOutline } | { ok: false; file: string; error: string }

function childElements(el: ElementLike): ElementLike[] {
  return Array.from(el.children)
}

/** Children with their engine-style paths (`Name`, `Name[2]`, ...). */
function withPaths(el: ElementLike, parentPath: string): Array<{ el: ElementLike; path: string }> {
  const counts = new Map<string, number>()
  return childElements(el).map((child) => {
    const n = (counts.get(child.tagName) ?? 0) + 1
    counts.set(child.tagName, n)
    return { el: child, path: `${parentPath}/${child.tagName}${n > 1 ? `[${n}]` : ''}` }
  })
}

function textOf(el: ElementLike | undefined): string | null {
  const text = el?.textContent?.trim()
  return text ? text : null
}

function first(children: Array<{ el: ElementLike; path: string }>, name: string): { el: ElementLike; path: string } | undefined {
  return children.find((c) => c.el.tagName === name)
}

function readSteps(container: { el: ElementLike; path: string } | undefined, policyTypes: ReadonlyMap<string, string>): OutlineStep[] {
  if (!container) return []
  return withPaths(container.el, container.path)
    .filter((c) => c.el.tagName === 'Step')
    .map(({ el, path }) => {
      const parts = withPaths(el, path)
      const policy = textOf(first(parts, 'Name')?.el) ?? ''
      return { policy, condition: textOf(first(parts, 'Condition')?.el), path, missing: !policyTypes.has(policy), policyType: policyTypes.get(policy) ?? null }
    })
}

function readFlow(kind: FlowKind, node: { el: ElementLike; path: string }, policyTypes: ReadonlyMap<string, string>): OutlineFlow {
  const parts = withPaths(node.el, node.path)
  const isRule = kind === 'FaultRule' || kind === 'DefaultFaultRule'
  return {
    kind,
    name: node.el.getAttribute('name') ?? '',
    condition: textOf(first(parts, 'Condition')?.el),
    description: textOf(first(parts, 'Description')?.el),
    path: node.path,
    request: isRule ? readSteps(node, policyTypes) : readSteps(first(parts, 'Request'), policyTypes),
    response: isRule ? [] : readSteps(first(parts, 'Response'), policyTypes),
    alwaysEnforce: kind === 'DefaultFaultRule' && textOf(first(parts, 'AlwaysEnforce')?.el) === 'true'
  }
}

/**
 * The outline of one endpoint element. `policyTypes` maps the proxy's policy names to their types,
 * so that Steps naming a policy the proxy lacks are flagged.
 */
export function endpointOutline(root: ElementLike, file: string, policyTypes: ReadonlyMap<string, string>): EndpointOutline {
  const kind = root.tagName === 'TargetEndpoint' ? 'TargetEndpoint' : 'ProxyEndpoint'
  const rootPath = `/${root.tagName}`
  const parts = withPaths(root, rootPath)
  const flows: OutlineFlow[] = []
  const take = (name: 'PreFlow' | 'PostFlow' | 'PostClientFlow' | 'DefaultFaultRule'): void => {
    const node = first(parts, name)
    if (node) flows.push(readFlow(name, node, policyTypes))
  }
  take('PreFlow')
  const flowsEl = first(parts, 'Flows')
  if (flowsEl) for (const node of withPaths(flowsEl.el, flowsEl.path).filter((c) => c.el.tagName === 'Flow')) flows.push(readFlow('Flow', node, policyTypes))
  take('PostFlow')
  if (kind === 'ProxyEndpoint') take('PostClientFlow')
  const faultRules = first(parts, 'FaultRules')
  if (faultRules)
    for (const node of withPaths(faultRules.el, faultRules.path).filter((c) => c.el.tagName === 'FaultRule')) flows.push(readFlow('FaultRule', node, policyTypes))
  take('DefaultFaultRule')

  const routeRules: OutlineRoute[] = parts
    .filter((c) => c.el.tagName === 'RouteRule')
    .map(({ el, path }) => {
      const p = withPaths(el, path)
      return { name: el.getAttribute('name') ?? '', condition: textOf(first(p, 'Condition')?.el), target: textOf(first(p, 'TargetEndpoint')?.el), url: textOf(first(p, 'URL')?.el), path }
    })

  const proxyConnection = first(parts, 'HTTPProxyConnection')
  const basePath = proxyConnection ? textOf(first(withPaths(proxyConnection.el, proxyConnection.path), 'BasePath')?.el) : null
  const targetConnection = first(parts, 'HTTPTargetConnection') ?? first(parts, 'LocalTargetConnection')
  const targetParts = targetConnection ? withPaths(targetConnection.el, targetConnection.path) : []
  const targetUrl = textOf(first(targetParts, 'URL')?.el) ?? textOf(first(targetParts, 'Path')?.el) ?? textOf(first(targetParts, 'APIProxy')?.el)

  return { kind, name: root.getAttribute('name') ?? '', file, basePath, targetUrl, flows, routeRules }
}

/** The policy type of a policy document: its root element's name (`<OAuthV2 name=...>` -> `OAuthV2`). */
export function policyTypeOf(xml: string): string | null {
  return /<\s*([A-Za-z_][\w.-]*)/.exec(xml.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, ''))?.[1] ?? null
}

/** Parses endpoint XML with the browser's DOMParser and outlines it; malformed XML gives the parser's message. */
export function parseEndpoint(xml: string, file: string, policyTypes: ReadonlyMap<string, string>, parser: DOMParser = new DOMParser()): OutlineResult {
  const doc = parser.parseFromString(xml, 'application/xml')
  const problem = doc.getElementsByTagName('parsererror')[0]
  if (problem) return { ok: false, file, error: (problem.textContent ?? 'not well-formed XML').replace(/\s+/g, ' ').trim() }
  const root = doc.documentElement
  if (root.tagName !== 'ProxyEndpoint' && root.tagName !== 'TargetEndpoint')
    return { ok: false, file, error: `The root element is <${root.tagName}>, expected <ProxyEndpoint> or <TargetEndpoint>` }
  return { ok: true, outline: endpointOutline(root, file, policyTypes) }
}

/**
 * Adds `<Step><Name>policy</Name></Step>` at the end of the PreFlow's Request (or Response) of a
 * ProxyEndpoint or TargetEndpoint, editing the text so the rest of the document keeps its formatting.
 * Creates `<Request>`/`<PreFlow>` when missing.
 */
export function addStepToPreFlow(xml: string, policy: string, phase: 'Request' | 'Response' = 'Request'): string {
  const nl = xml.includes('\r\n') ? '\r\n' : '\n'
  const indentUnit = /\n([ \t]+)</.exec(xml)?.[1] ?? '  '
  const indentAt = (offset: number): string => {
    const lineStart = xml.lastIndexOf('\n', offset - 1) + 1
    return /^[ \t]*/.exec(xml.slice(lineStart))![0]
  }
  const step = (indent: string): string => `${indent}<Step>${nl}${indent}${indentUnit}<Name>${policy}</Name>${nl}${indent}</Step>`

  const preOpen = /<PreFlow\b[^>]*?(\/?)>/.exec(xml)
  if (!preOpen) {
    const rootOpen = /<(ProxyEndpoint|TargetEndpoint)\b[^>]*>/.exec(xml)
    if (!rootOpen) throw new Error('The endpoint has no <ProxyEndpoint> or <TargetEndpoint> root element')
    const base = indentAt(rootOpen.index) + indentUnit
    const inner = base + indentUnit
    const other = phase === 'Request' ? 'Response' : 'Request'
    const block = [
      `${base}<PreFlow name="PreFlow">`,
      `${inner}<${phase}>`,
      step(inner + indentUnit),
      `${inner}</${phase}>`,
      `${inner}<${other}/>`,
      `${base}</PreFlow>`
    ].join(nl)
    const at = rootOpen.index + rootOpen[0].length
    return `${xml.slice(0, at)}${nl}${block}${xml.slice(at)}`
  }
  if (preOpen[1] === '/') {
    const base = indentAt(preOpen.index)
    const inner = base + indentUnit
    const replacement = `${preOpen[0].replace(/\s*\/>$/, '>')}${nl}${inner}<${phase}>${nl}${step(inner + indentUnit)}${nl}${inner}</${phase}>${nl}${base}</PreFlow>`
    return xml.slice(0, preOpen.index) + replacement + xml.slice(preOpen.index + preOpen[0].length)
  }
  const bodyStart = preOpen.index + preOpen[0].length
  const bodyEnd = xml.indexOf('</PreFlow>', bodyStart)
  if (bodyEnd < 0) throw new Error('<PreFlow> is not closed')
  const body = xml.slice(bodyStart, bodyEnd)
  const selfClosing = new RegExp(`<${phase}\\s*/>`).exec(body)
  if (selfClosing) {
    const at = bodyStart + selfClosing.index
    const indent = indentAt(at)
    const replacement = `<${phase}>${nl}${step(indent + indentUnit)}${nl}${indent}</${phase}>`
    return xml.slice(0, at) + replacement + xml.slice(at + selfClosing[0].length)
  }
  const close = body.indexOf(`</${phase}>`)
  if (close >= 0) {
    const at = bodyStart + close
    const lineStart = xml.lastIndexOf('\n', at - 1) + 1
    const onOwnLine = /^[ \t]*$/.test(xml.slice(lineStart, at))
    const indent = onOwnLine ? xml.slice(lineStart, at) : indentAt(at)
    if (onOwnLine) return `${xml.slice(0, lineStart)}${step(indent + indentUnit)}${nl}${xml.slice(lineStart)}`
    return `${xml.slice(0, at)}${nl}${step(indent + indentUnit)}${nl}${indent}${xml.slice(at)}`
  }
  const closeLineStart = xml.lastIndexOf('\n', bodyEnd - 1) + 1
  const base = /^[ \t]*$/.test(xml.slice(closeLineStart, bodyEnd)) ? xml.slice(closeLineStart, bodyEnd) : indentAt(preOpen.index)
  const inner = base + indentUnit
  const block = `${inner}<${phase}>${nl}${step(inner + indentUnit)}${nl}${inner}</${phase}>${nl}`
  return /^[ \t]*$/.test(xml.slice(closeLineStart, bodyEnd)) ? `${xml.slice(0, closeLineStart)}${block}${xml.slice(closeLineStart)}` : `${xml.slice(0, bodyEnd)}${nl}${block}${base}${xml.slice(bodyEnd)}`
}
