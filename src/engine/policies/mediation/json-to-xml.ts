/**
 * JSONToXML: converts a JSON message or string into XML with the `<Options>` of Apigee's reference
 * (root and array element names, attribute and namespace blocks, text node name, indentation).
 */
import { child, childText, xmlBoolean } from '../../bundle/xml'
import type { PolicyHandler } from '../types'
import { payloadFault, resolveSource, writeOutput } from './conversion'
import { isJsonContentType, MAX_DEPTH, MAX_PAYLOAD_CHARS, PayloadError } from './xml-document'

export interface JsonToXmlOptions {
  /** Text written for a JSON null; empty gives an empty element. */
  nullValue: string
  namespaceBlockName: string | null
  defaultNamespaceNodeName: string
  namespaceSeparator: string
  textNodeName: string | null
  attributeBlockName: string | null
  attributePrefix: string | null
  invalidCharsReplacement: string
  objectRootElementName: string
  arrayRootElementName: string
  arrayItemElementName: string
  indent: boolean
}

export interface JsonToXmlConfig {
  source: string | null
  output: string | null
  options: JsonToXmlOptions
}

export const JSON_TO_XML_DEFAULTS: JsonToXmlOptions = {
  nullValue: '',
  namespaceBlockName: null,
  defaultNamespaceNodeName: '$default',
  namespaceSeparator: ':',
  textNodeName: null,
  attributeBlockName: null,
  attributePrefix: null,
  invalidCharsReplacement: '_',
  objectRootElementName: 'Root',
  arrayRootElementName: 'Array',
  arrayItemElementName: 'Item',
  indent: false
}

const NAME_START = /[\p{L}_]/u
const NAME_CHAR = /[\p{L}\p{N}_.\-\u00B7\u0300-\u036F\u203F-\u2040]/u

/** A JSON key made into an XML name: invalid characters replaced, a leading one prefixed. */
function xmlName(key: string, o: JsonToXmlOptions): string {
  const chars = [...key].map((c) => (NAME_CHAR.test(c) ? c : o.invalidCharsReplacement)).join('')
  if (chars === '') return o.invalidCharsReplacement || '_'
  return NAME_START.test(chars[0]!) ? chars : `${o.invalidCharsReplacement || '_'}${chars}`
}

/** An element name with its namespace prefix: `exp:experience` (or `exp$experience` with separator `$`). */
function elementName(key: string, o: JsonToXmlOptions): string {
  const at = key.indexOf(o.namespaceSeparator)
  if (at <= 0) return xmlName(key, o)
  return `${xmlName(key.slice(0, at), o)}:${xmlName(key.slice(at + o.namespaceSeparator.length), o)}`
}

// Characters XML 1.0 cannot carry at all.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g

function escapeText(text: string, o: JsonToXmlOptions): string {
  return text.replace(INVALID_XML_CHARS, o.invalidCharsReplacement).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function escapeAttribute(text: string, o: JsonToXmlOptions): string {
  return escapeText(text, o).replace(/"/g, '&quot;')
}

function scalarText(value: unknown, o: JsonToXmlOptions): string {
  return value === null ? o.nullValue : String(value)
}

/** Builds XML text; nodes are lines when indenting. */
class XmlWriter {
  private readonly parts: string[] = []
  constructor(private readonly o: JsonToXmlOptions) {}

  element(name: string, value: unknown, depth: number): void {
    if (depth > MAX_DEPTH) throw new PayloadError('limit', `the payload nests deeper than ${MAX_DEPTH} levels`)
    if (Array.isArray(value)) {
      // A JSON array repeats its member's element; an array inside an array nests with item elements.
      for (const item of value) {
        if (Array.isArray(item)) this.open(name, [], depth, () => this.items(item, depth + 1))
        else this.element(name, item, depth)
      }
      return
    }
    if (value === null || typeof value !== 'object') {
      const text = scalarText(value, this.o)
      this.line(depth, text === '' ? `<${name}/>` : `<${name}>${escapeText(text, this.o)}</${name}>`)
      return
    }
    const o = this.o
    const attributes: Array<[string, string]> = []
    let text: string | null = null
    const members: Array<[string, unknown]> = []
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (o.namespaceBlockName !== null && key === o.namespaceBlockName && v && typeof v === 'object') {
        for (const [prefix, uri] of Object.entries(v as Record<string, unknown>)) {
          attributes.push([prefix === o.defaultNamespaceNodeName ? 'xmlns' : `xmlns:${xmlName(prefix, o)}`, scalarText(uri, o)])
        }
      } else if (o.attributeBlockName !== null && key === o.attributeBlockName && v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [attr, av] of Object.entries(v as Record<string, unknown>)) attributes.push([elementName(attr, o), scalarText(av, o)])
      } else if (o.attributePrefix !== null && o.attributePrefix !== '' && key.startsWith(o.attributePrefix) && (v === null || typeof v !== 'object')) {
        attributes.push([elementName(key.slice(o.attributePrefix.length), o), scalarText(v, o)])
      } else if (o.textNodeName !== null && key === o.textNodeName && (v === null || typeof v !== 'object')) {
        text = scalarText(v, o)
      } else members.push([key, v])
    }
    if (members.length === 0) {
      const attrs = attributes.map(([n, v]) => ` ${n}="${escapeAttribute(v, o)}"`).join('')
      this.line(depth, text === null || text === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${escapeText(text, o)}</${name}>`)
      return
    }
    this.open(name, attributes, depth, () => {
      if (text !== null && text !== '') this.line(depth + 1, escapeText(text, o))
      for (const [key, v] of members) this.element(elementName(key, o), v, depth + 1)
    })
  }

  items(values: unknown[], depth: number): void {
    if (depth > MAX_DEPTH) throw new PayloadError('limit', `the payload nests deeper than ${MAX_DEPTH} levels`)
    for (const item of values) {
      if (Array.isArray(item)) this.open(this.o.arrayItemElementName, [], depth, () => this.items(item, depth + 1))
      else this.element(this.o.arrayItemElementName, item, depth)
    }
  }

  open(name: string, attributes: Array<[string, string]>, depth: number, body: () => void): void {
    const attrs = attributes.map(([n, v]) => ` ${n}="${escapeAttribute(v, this.o)}"`).join('')
    this.line(depth, `<${name}${attrs}>`)
    body()
    this.line(depth, `</${name}>`)
  }

  private line(depth: number, text: string): void {
    this.parts.push(this.o.indent ? `${'    '.repeat(depth)}${text}\n` : text)
  }

  toString(): string {
    return this.parts.join('')
  }
}

/** The XML text for a JSON document. */
export function jsonToXml(json: string, o: JsonToXmlOptions): string {
  if (json.length > MAX_PAYLOAD_CHARS) throw new PayloadError('limit', `the payload is larger than ${MAX_PAYLOAD_CHARS} characters`)
  if (json.trim() === '') throw new PayloadError('malformed', 'the payload is empty')
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (e) {
    throw new PayloadError('malformed', (e as Error).message)
  }
  const writer = new XmlWriter(o)
  if (Array.isArray(value)) writer.open(xmlName(o.arrayRootElementName, o), [], 0, () => writer.items(value as unknown[], 1))
  else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
    const only = keys.length === 1 ? (value as Record<string, unknown>)[keys[0]!] : undefined
    // A single member that is not an array names the root; anything else is wrapped in ObjectRootElementName.
    if (only !== undefined && !Array.isArray(only)) writer.element(elementName(keys[0]!, o), only, 0)
    else writer.element(xmlName(o.objectRootElementName, o), value, 0)
  } else throw new PayloadError('malformed', 'Expecting { or [ at line 1')
  return `<?xml version="1.0" encoding="UTF-8"?>${o.indent ? '\n' : ''}${writer.toString()}`
}

/** The JSONToXML policy handler. */
export const jsonToXmlPolicy: PolicyHandler<JsonToXmlConfig> = {
  type: 'JSONToXML',
  faultVariablePrefix: 'jsontoxml',
  compile(root) {
    const el = child(root, 'Options')
    const d = JSON_TO_XML_DEFAULTS
    const text = (name: string): string | undefined => (el ? childText(el, name) : undefined)
    return {
      source: childText(root, 'Source') || null,
      output: childText(root, 'OutputVariable') || null,
      options: {
        nullValue: text('NullValue') ?? d.nullValue,
        namespaceBlockName: text('NamespaceBlockName') || d.namespaceBlockName,
        defaultNamespaceNodeName: text('DefaultNamespaceNodeName') || d.defaultNamespaceNodeName,
        namespaceSeparator: text('NamespaceSeparator') || d.namespaceSeparator,
        textNodeName: text('TextNodeName') || d.textNodeName,
        attributeBlockName: text('AttributeBlockName') || d.attributeBlockName,
        attributePrefix: text('AttributePrefix') || d.attributePrefix,
        invalidCharsReplacement: text('InvalidCharsReplacement') ?? d.invalidCharsReplacement,
        objectRootElementName: text('ObjectRootElementName') || d.objectRootElementName,
        arrayRootElementName: text('ArrayRootElementName') || d.arrayRootElementName,
        arrayItemElementName: text('ArrayItemElementName') || d.arrayItemElementName,
        indent: xmlBoolean(text('Indent'), d.indent)
      }
    }
  },
  execute(config, ctx) {
    const input = resolveSource('JSONToXML', config.source, ctx)
    if (input.kind === 'message' && !isJsonContentType(input.message.getHeader('Content-Type'))) {
      ctx.note(`${input.name} is not JSON (Content-Type "${input.message.getHeader('Content-Type') ?? ''}"): left unchanged`)
      return
    }
    let xml: string
    try {
      xml = jsonToXml(input.kind === 'message' ? input.message.content : input.text, config.options)
    } catch (e) {
      throw payloadFault('JSONToXML', ctx.policyName, e)
    }
    writeOutput('JSONToXML', input, config.output, xml, 'text/xml;charset=UTF-8', ctx)
  }
}
