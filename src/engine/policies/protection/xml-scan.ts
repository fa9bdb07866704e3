/**
 * XMLThreatProtection's limits checked on a streaming SAX parse (saxes): events, no document tree, no
 * recursion, and no entity expansion (a DTD's entities are never expanded, so an entity bomb is a syntax
 * error, not a blow-up). It stops at the first violation or syntax error, with where it happened.
 */
import { SaxesParser } from 'saxes'

export interface XmlLimits {
  name: { element: number | null; attribute: number | null; namespacePrefix: number | null; processingInstructionTarget: number | null }
  structure: {
    nodeDepth: number | null
    attributeCountPerElement: number | null
    namespaceCountPerElement: number | null
    childCount: number | null
    childCountIncludes: { comment: boolean; element: boolean; processingInstruction: boolean; text: boolean }
  }
  value: { text: number | null; attribute: number | null; namespaceURI: number | null; comment: number | null; processingInstructionData: number | null }
}

export type XmlScanResult =
  | { ok: true }
  | { ok: false; kind: 'limit' | 'syntax'; reason: string; line: number; char: number }

class Stop {
  constructor(readonly kind: 'limit' | 'syntax', readonly reason: string) {}
}

const exceeded = (what: string, actual: string | number, max: number): Stop => new Stop('limit', `${what} exceeded (${actual}), max allowed : ${max}`)
const over = (limit: number | null, value: number): limit is number => limit !== null && value > limit

/** Scans `text` against `limits`. */
export function scanXml(text: string, limits: XmlLimits): XmlScanResult {
  const parser = new SaxesParser({ xmlns: false, position: true })
  const { name: names, structure, value: values } = limits
  const includes = structure.childCountIncludes
  // Per open element: children counted so far, attributes and namespace declarations seen.
  const children: number[] = []
  let attributes = 0
  let namespaces = 0
  let rootSeen = false

  const child = (included: boolean): void => {
    const top = children.length - 1
    if (top < 0 || !included) return
    const n = ++children[top]!
    if (over(structure.childCount, n)) throw exceeded('Children count', n, structure.childCount)
  }
  const checkPrefix = (qname: string): void => {
    const colon = qname.indexOf(':')
    if (colon > 0 && over(names.namespacePrefix, colon)) throw exceeded('Namespace prefix length', qname.slice(0, colon), names.namespacePrefix)
  }
  const textNode = (t: string): void => {
    if (children.length === 0) return
    // Whitespace between elements is formatting, not content [U].
    if (t.trim() === '') return
    if (over(values.text, t.length)) throw exceeded('Text length', t, values.text)
    child(includes.text)
  }

  parser.on('opentagstart', (tag) => {
    const depth = children.length + 1
    if (over(structure.nodeDepth, depth)) throw exceeded('Node depth', depth, structure.nodeDepth)
    const local = tag.name.slice(tag.name.indexOf(':') + 1)
    if (over(names.element, local.length)) throw exceeded('Element name length', tag.name, names.element)
    checkPrefix(tag.name)
    child(includes.element)
    children.push(0)
    attributes = 0
    namespaces = 0
    rootSeen = true
  })
  parser.on('attribute', ({ name, value }) => {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      namespaces++
      if (over(structure.namespaceCountPerElement, namespaces)) throw exceeded('Namespace count', namespaces, structure.namespaceCountPerElement)
      const prefix = name.slice(6)
      if (over(names.namespacePrefix, prefix.length)) throw exceeded('Namespace prefix length', prefix, names.namespacePrefix)
      if (over(values.namespaceURI, value.length)) throw exceeded('Namespace uri length', value, values.namespaceURI)
      return
    }
    attributes++
    if (over(structure.attributeCountPerElement, attributes)) throw exceeded('Attribute count', attributes, structure.attributeCountPerElement)
    const local = name.slice(name.indexOf(':') + 1)
    if (over(names.attribute, local.length)) throw exceeded('Attribute name length', name, names.attribute)
    checkPrefix(name)
    if (over(values.attribute, value.length)) throw exceeded('Attribute value length', value, values.attribute)
  })
  parser.on('closetag', () => {
    children.pop()
  })
  parser.on('text', textNode)
  parser.on('cdata', textNode)
  parser.on('comment', (comment) => {
    if (over(values.comment, comment.length)) throw exceeded('Comment length', comment, values.comment)
    child(includes.comment)
  })
  parser.on('processinginstruction', ({ target, body }) => {
    if (over(names.processingInstructionTarget, target.length)) throw exceeded('Processing Instruction target length', target, names.processingInstructionTarget)
    if (over(values.processingInstructionData, body.length)) throw exceeded('Processing Instruction data length', body, values.processingInstructionData)
    child(includes.processingInstruction)
  })
  parser.on('error', (e) => {
    // saxes prefixes its messages with "line:column: "; the fault says where on its own.
    throw new Stop('syntax', e.message.replace(/^\d+:\d+: /, ''))
  })

  try {
    parser.write(text).close()
    if (!rootSeen) throw new Stop('syntax', 'document must contain a root element.')
    return { ok: true }
  } catch (e) {
    if (e instanceof Stop) return { ok: false, kind: e.kind, reason: e.reason, line: parser.line, char: parser.position }
    throw e
  }
}
