/**
 * XMLToJSON: converts an XML message or string into JSON, with the `<Options>` of Apigee's reference
 * or a preset `<Format>` (xml.com, yahoo, google, badgerFish).
 */
import type { Element } from '@xmldom/xmldom'
import { child, childText, children, xmlBoolean, type XmlElement } from '../../bundle/xml'
import type { CompileContext, PolicyHandler } from '../types'
import { payloadFault, resolveSource, writeOutput } from './conversion'
import { isXmlContentType, parsePayloadXml } from './xml-document'

export interface XmlToJsonOptions {
  recognizeNumber: boolean
  recognizeBoolean: boolean
  recognizeNull: boolean
  /** Element text that also means null when recognizeNull is on. */
  nullValue: string | null
  /** Where namespace declarations go; null drops them. */
  namespaceBlockName: string | null
  defaultNamespaceNodeName: string
  /** Joins a prefix and a local name (`ns1***b`); null drops prefixes. */
  namespaceSeparator: string | null
  textAlwaysAsProperty: boolean
  textNodeName: string
  attributeBlockName: string | null
  attributePrefix: string
  outputPrefix: string
  outputSuffix: string
  stripLevels: number
  /** Slash paths from the root element (`a/b/c`) always made arrays; `unwrap` puts the array in place of its parent. */
  treatAsArray: Map<string, { unwrap: boolean }>
}

export interface XmlToJsonConfig {
  source: string | null
  output: string | null
  options: XmlToJsonOptions
}

const DEFAULTS: XmlToJsonOptions = {
  recognizeNumber: false,
  recognizeBoolean: false,
  recognizeNull: false,
  nullValue: null,
  namespaceBlockName: null,
  defaultNamespaceNodeName: '$',
  namespaceSeparator: null,
  textAlwaysAsProperty: false,
  textNodeName: '$',
  attributeBlockName: null,
  attributePrefix: '',
  outputPrefix: '',
  outputSuffix: '',
  stripLevels: 0,
  treatAsArray: new Map()
}

/** The `<Format>` presets, as the reference's table lists their equivalent options. */
const FORMATS: Record<string, Partial<XmlToJsonOptions>> = {
  'xml.com': { recognizeNull: true, textNodeName: '#text', attributePrefix: '@' },
  yahoo: { recognizeNumber: true, textNodeName: 'content' },
  google: { textNodeName: '$t', namespaceSeparator: '$', textAlwaysAsProperty: true },
  badgerFish: {
    textNodeName: '$',
    textAlwaysAsProperty: true,
    attributePrefix: '@',
    namespaceSeparator: ':',
    namespaceBlockName: '@xmlns',
    defaultNamespaceNodeName: '$'
  }
}

function compileOptions(el: XmlElement, base: XmlToJsonOptions, ctx: CompileContext): XmlToJsonOptions {
  const text = (name: string): string | undefined => childText(el, name)
  const flag = (name: string, fallback: boolean): boolean => xmlBoolean(text(name), fallback)
  const stripText = text('StripLevels')
  let stripLevels = base.stripLevels
  if (stripText !== undefined && stripText !== '') {
    stripLevels = /^\d+$/.test(stripText) ? Number(stripText) : 0
    if (!/^\d+$/.test(stripText)) ctx.error('InvalidStripLevels', `<StripLevels> must be a whole number, not "${stripText}"`, child(el, 'StripLevels'))
  }
  const treatAsArray = new Map<string, { unwrap: boolean }>()
  for (const path of children(child(el, 'TreatAsArray') ?? el, 'Path')) {
    if (path.text === '') continue
    treatAsArray.set(path.text.replace(/^\/+|\/+$/g, ''), { unwrap: xmlBoolean(path.attributes['unwrap'], false) })
  }
  return {
    recognizeNumber: flag('RecognizeNumber', base.recognizeNumber),
    recognizeBoolean: flag('RecognizeBoolean', base.recognizeBoolean),
    recognizeNull: flag('RecognizeNull', base.recognizeNull),
    nullValue: text('NullValue') || base.nullValue,
    namespaceBlockName: text('NamespaceBlockName') || base.namespaceBlockName,
    defaultNamespaceNodeName: text('DefaultNamespaceNodeName') || base.defaultNamespaceNodeName,
    namespaceSeparator: text('NamespaceSeparator') || base.namespaceSeparator,
    textAlwaysAsProperty: flag('TextAlwaysAsProperty', base.textAlwaysAsProperty),
    textNodeName: text('TextNodeName') || base.textNodeName,
    attributeBlockName: text('AttributeBlockName') || base.attributeBlockName,
    attributePrefix: text('AttributePrefix') ?? base.attributePrefix,
    outputPrefix: text('OutputPrefix') ?? base.outputPrefix,
    outputSuffix: text('OutputSuffix') ?? base.outputSuffix,
    stripLevels,
    treatAsArray: treatAsArray.size > 0 ? treatAsArray : base.treatAsArray
  }
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/

/** A text value with the Recognize* options applied. */
function scalar(text: string, o: XmlToJsonOptions): unknown {
  if (o.recognizeNull && (text === '' || (o.nullValue !== null && text === o.nullValue))) return null
  if (o.recognizeBoolean && (text === 'true' || text === 'false')) return text === 'true'
  if (o.recognizeNumber && NUMBER.test(text) && Number.isFinite(Number(text))) return Number(text)
  return text
}

function qualifiedName(prefix: string | null, localName: string, o: XmlToJsonOptions): string {
  return prefix && o.namespaceSeparator !== null ? `${prefix}${o.namespaceSeparator}${localName}` : localName
}

/** Converts one element's content (not its name) to a JSON value; `path` is its slash path from the root. */
function convertElement(el: Element, path: string, o: XmlToJsonOptions): unknown {
  const members = new Map<string, unknown>()
  const namespaces: Record<string, string> = {}
  const attributes: Record<string, unknown> = {}
  for (let i = 0; i < el.attributes.length; i++) {
    const attr = el.attributes.item(i)!
    if (attr.name === 'xmlns' || attr.prefix === 'xmlns') {
      namespaces[attr.name === 'xmlns' ? o.defaultNamespaceNodeName : attr.localName!] = attr.value
      continue
    }
    attributes[o.attributePrefix + qualifiedName(attr.prefix, attr.localName ?? attr.name, o)] = scalar(attr.value, o)
  }
  if (o.namespaceBlockName !== null && Object.keys(namespaces).length > 0) members.set(o.namespaceBlockName, namespaces)
  if (o.attributeBlockName !== null) {
    if (Object.keys(attributes).length > 0) members.set(o.attributeBlockName, attributes)
  } else for (const [k, v] of Object.entries(attributes)) members.set(k, v)

  let text = ''
  const childMembers = new Map<string, unknown[]>()
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3 || c.nodeType === 4) text += c.nodeValue ?? ''
    else if (c.nodeType === 1) {
      const e = c as Element
      const name = qualifiedName(e.prefix, e.localName ?? e.nodeName, o)
      const list = childMembers.get(name) ?? []
      list.push(convertElement(e, `${path}/${name}`, o))
      childMembers.set(name, list)
    }
  }
  text = text.trim()
  for (const [name, values] of childMembers) {
    const rule = o.treatAsArray.get(`${path}/${name}`)
    if (rule?.unwrap && childMembers.size === 1 && members.size === 0 && text === '') return values
    members.set(name, values.length === 1 && !rule ? values[0] : values)
  }
  if (members.size === 0 && text === '') return o.recognizeNull ? null : {}
  if (members.size === 0 && !o.textAlwaysAsProperty) return scalar(text, o)
  if (text === '') return Object.fromEntries(members)
  return Object.fromEntries([[o.textNodeName, scalar(text, o)], ...members])
}

/** The JSON text for an XML document, with StripLevels and the output prefix/suffix applied. */
export function xmlToJson(xml: string, o: XmlToJsonOptions): string {
  const root = parsePayloadXml(xml).documentElement!
  const rootName = qualifiedName(root.prefix, root.localName ?? root.nodeName, o)
  let value: unknown = { [rootName]: convertElement(root, rootName, o) }
  for (let level = 0; level < o.stripLevels; level++) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) break
    const keys = Object.keys(value)
    if (keys.length !== 1) break
    value = (value as Record<string, unknown>)[keys[0]!]
  }
  return `${o.outputPrefix}${JSON.stringify(value)}${o.outputSuffix}`
}

/** The XMLToJSON policy handler. */
export const xmlToJsonPolicy: PolicyHandler<XmlToJsonConfig> = {
  type: 'XMLToJSON',
  faultVariablePrefix: 'xmltojson',
  compile(root, ctx) {
    const optionsEl = child(root, 'Options')
    const formatEl = child(root, 'Format')
    let base = DEFAULTS
    if (formatEl) {
      const preset = FORMATS[formatEl.text]
      if (!preset) ctx.error('UnknownFormat', `<Format> "${formatEl.text}" is not one of ${Object.keys(FORMATS).join(', ')}`, formatEl)
      base = { ...DEFAULTS, ...preset }
    }
    if (!optionsEl && !formatEl) ctx.error('EitherOptionOrFormat', 'XMLToJSON needs either <Options> or <Format>', root)
    return {
      source: childText(root, 'Source') || null,
      output: childText(root, 'OutputVariable') || null,
      // Options refine a Format when a policy has both (Apigee's docs say to use one of them).
      options: optionsEl ? compileOptions(optionsEl, base, ctx) : base
    }
  },
  execute(config, ctx) {
    const input = resolveSource('XMLToJSON', config.source, ctx)
    if (input.kind === 'message' && !isXmlContentType(input.message.getHeader('Content-Type'))) {
      ctx.note(`${input.name} is not XML (Content-Type "${input.message.getHeader('Content-Type') ?? ''}"): left unchanged`)
      return
    }
    let json: string
    try {
      json = xmlToJson(input.kind === 'message' ? input.message.content : input.text, config.options)
    } catch (e) {
      throw payloadFault('XMLToJSON', ctx.policyName, e)
    }
    writeOutput('XMLToJSON', input, config.output, json, 'application/json', ctx)
  }
}
