/**
 * ExtractVariables `<XMLPayload>`: XPath 1.0 (the `xpath` package over @xmldom/xmldom) with declared
 * namespace prefixes, and the result typed as the `<Variable type>` asks.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import xpath from 'xpath'

export type XPathVariableType = 'string' | 'boolean' | 'integer' | 'long' | 'float' | 'double' | 'nodeset'
export const XPATH_VARIABLE_TYPES: readonly XPathVariableType[] = ['string', 'boolean', 'integer', 'long', 'float', 'double', 'nodeset']

export interface XPathExtraction {
  variable: string
  expression: string
  type: XPathVariableType
}

/** A typed value that cannot take the variable's type: ExtractVariables' UnableToCast. */
export class UnableToCast extends Error {
  constructor(
    readonly value: string,
    readonly type: XPathVariableType
  ) {
    super(`Unable to cast value ${value} to ${type}.`)
  }
}

const PROBE = new DOMParser().parseFromString('<probe/>', 'text/xml') as unknown as Node

/**
 * Why `expression` cannot run with `namespaces`, or null when it can: a syntax error, or a prefix no
 * `<Namespace>` declares (prefixes are checked on the text, since a probe evaluation may never reach them).
 */
export function xpathProblem(expression: string, namespaces: Record<string, string>): string | null {
  const unquoted = expression.replace(/"[^"]*"|'[^']*'/g, '""')
  for (const m of unquoted.matchAll(/([A-Za-z_][\w.\-]*):(?!:)(?=[A-Za-z_*])/g)) {
    if (!(m[1]! in namespaces)) return `the prefix "${m[1]}" is not declared in <Namespaces>`
  }
  try {
    xpath.useNamespaces(namespaces)(expression, PROBE)
    return null
  } catch (e) {
    return (e as Error).message
  }
}

function nodeString(node: Node): string {
  return xpath.isAttribute(node) ? node.value : (node.textContent ?? '')
}

/** The value for one extraction from `doc`, or undefined when the XPath selects no node. */
export function evaluateXPath(doc: unknown, extraction: XPathExtraction, namespaces: Record<string, string>): unknown {
  const result = xpath.useNamespaces(namespaces)(extraction.expression, doc as Node)
  if (Array.isArray(result) && result.length === 0) return undefined
  const nodes = Array.isArray(result) ? (result as Node[]) : null
  if (extraction.type === 'nodeset') {
    if (!nodes) throw new UnableToCast(String(result), 'nodeset')
    const serializer = new XMLSerializer()
    return nodes.map((n) => (xpath.isAttribute(n) ? n.value : serializer.serializeToString(n as never))).join('')
  }
  // XPath 1.0 conversions, as Apigee's XPath evaluation applies them: a node-set is its first node's string value.
  const text = nodes ? nodeString(nodes[0]!) : String(result)
  switch (extraction.type) {
    case 'string':
      return text
    case 'boolean':
      return nodes ? true : typeof result === 'boolean' ? result : typeof result === 'number' ? result !== 0 && !Number.isNaN(result) : text !== ''
    default: {
      const n = typeof result === 'number' ? result : text.trim() === '' ? NaN : Number(text.trim())
      if (!Number.isFinite(n)) throw new UnableToCast(text, extraction.type)
      if (extraction.type === 'float' || extraction.type === 'double') return n
      const whole = Math.trunc(n)
      const max = extraction.type === 'integer' ? 2 ** 31 : 2 ** 63
      if (whole >= max || whole < -max) throw new UnableToCast(text, extraction.type)
      return whole
    }
  }
}
