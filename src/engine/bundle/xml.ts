/**
 * A small element tree over fast-xml-parser (preserveOrder), with source positions so that
 * deployment errors can point at the element at fault in the editor.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'

/** A parsed XML element; children keep document order (Steps depend on it). */
export interface XmlElement {
  name: string
  attributes: Record<string, string>
  children: XmlElement[]
  /** Concatenated text content directly inside this element, trimmed. */
  text: string
  /** Slash path from the root, e.g. `/OAuthV2/Tokens/Token[2]` (1-based index among same-named siblings). */
  path: string
  /** 1-based line and column of the element's `<` in the source. */
  line: number
  column: number
}

export interface XmlParseError {
  message: string
  line: number
  column: number
}

export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; error: XmlParseError }

/** Deepest element nesting a bundle XML file may have; Apigee's deepest policies need about ten. */
export const MAX_XML_DEPTH = 100

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: true,
  parseTagValue: false,
  parseAttributeValue: false,
  commentPropName: '#comment',
  // Bundle XML is untrusted: entity expansion and nesting are bounded (billion laughs, deep nesting).
  processEntities: { enabled: true, maxEntityCount: 100, maxEntitySize: 10_000, maxTotalExpansions: 1_000, maxExpandedLength: 100_000 },
  maxNestedTags: MAX_XML_DEPTH
})

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> }

/** Parses one XML document into an element tree, or reports where it is malformed. */
export function parseXml(source: string): XmlParseResult {
  if (source.trim() === '') return { ok: false, error: { message: 'document is empty', line: 1, column: 1 } }
  const valid = XMLValidator.validate(source)
  if (valid !== true) {
    return { ok: false, error: { message: valid.err.msg, line: valid.err.line, column: valid.err.col } }
  }
  let nodes: OrderedNode[]
  try {
    nodes = parser.parse(source) as OrderedNode[]
  } catch (e) {
    // The parser's limits (nesting, entity expansion) throw; they are a malformed document, not a crash.
    return { ok: false, error: { message: String((e as Error)?.message ?? e), line: 1, column: 1 } }
  }
  const lineStarts = [0]
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1)
  const cursor = { offset: 0 }
  const locate = (name: string): { line: number; column: number } => {
    const re = new RegExp(`<${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s/>])`, 'g')
    re.lastIndex = cursor.offset
    const m = re.exec(source)
    const at = m ? m.index : cursor.offset
    if (m) cursor.offset = m.index + 1
    // Binary search: a linear scan per element is quadratic in a large file.
    let line = 0
    let high = lineStarts.length - 1
    while (line < high) {
      const middle = (line + high + 1) >> 1
      if (lineStarts[middle]! <= at) line = middle
      else high = middle - 1
    }
    return { line: line + 1, column: at - lineStarts[line]! + 1 }
  }
  const build = (node: OrderedNode, parentPath: string, siblingIndex: number): XmlElement => {
    const name = Object.keys(node).find((k) => k !== ':@')!
    const pos = locate(name)
    const path = `${parentPath}/${name}${siblingIndex > 1 ? `[${siblingIndex}]` : ''}`
    const element: XmlElement = { name, attributes: { ...(node[':@'] ?? {}) }, children: [], text: '', path, ...pos }
    const counts = new Map<string, number>()
    const texts: string[] = []
    for (const child of (node[name] as OrderedNode[]) ?? []) {
      if ('#text' in child) texts.push(String(child['#text']))
      else if ('#comment' in child) continue
      else {
        const childName = Object.keys(child).find((k) => k !== ':@')!
        const n = (counts.get(childName) ?? 0) + 1
        counts.set(childName, n)
        element.children.push(build(child, path, n))
      }
    }
    element.text = texts.join('').trim()
    return element
  }
  const roots = nodes.filter((n) => !Object.keys(n).some((k) => k.startsWith('?') || k === '#comment' || k === '#text'))
  if (roots.length !== 1) {
    return { ok: false, error: { message: `expected exactly one root element, found ${roots.length}`, line: 1, column: 1 } }
  }
  return { ok: true, root: build(roots[0]!, '', 1) }
}

/** The first child element named `name`, if any. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name)
}

/** Every child element named `name`, in document order. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name)
}

/** Trimmed text of the first child named `name`, or undefined when the child is absent. */
export function childText(el: XmlElement, name: string): string | undefined {
  return child(el, name)?.text
}

/** Parses an XML boolean (`true`/`false`, case-insensitive); absent or empty gives `fallback`. */
export function xmlBoolean(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback
  return value.trim().toLowerCase() === 'true'
}
