/**
 * ExtractVariables: pulls values out of headers, query and form params, the URI path suffix,
 * JSON payloads (JSONPath via jsonpath-plus) and XML payloads (XPath, see mediation/xpath-extract.ts)
 * into flow variables, with Apigee's `{name}` patterns.
 */
import { JSONPath } from 'jsonpath-plus'
import { child, childText, children, xmlBoolean, type XmlElement } from '../bundle/xml'
import { PolicyFault, type FaultSpec } from '../faults/fault'
import { HttpMessage, RequestMessage } from '../runtime/message'
import { LinearPattern } from '../sandbox'
import type { CompileContext, PolicyHandler } from './types'
import { parsePayloadXml, PayloadError } from './mediation/xml-document'
import { evaluateXPath, UnableToCast, XPATH_VARIABLE_TYPES, xpathProblem, type XPathExtraction, type XPathVariableType } from './mediation/xpath-extract'

interface CompiledPattern {
  source: string
  /** Linear-time (RE2): a pattern like `{a}{b}{c}x` must not backtrack over a long header or body. */
  regex: LinearPattern
  names: string[]
}

interface ParamExtraction {
  name: string
  patterns: CompiledPattern[]
}

interface JsonExtraction {
  variable: string
  path: string
}

export interface ExtractVariablesConfig {
  /** Message variable to read; null = the flow's own message. */
  source: string | null
  prefix: string
  ignoreUnresolvedVariables: boolean
  headers: ParamExtraction[]
  queryParams: ParamExtraction[]
  formParams: ParamExtraction[]
  uriPath: CompiledPattern[]
  json: JsonExtraction[]
  /** null when the policy has no `<XMLPayload>`. */
  xml: XmlPayloadConfig | null
}

interface XmlPayloadConfig {
  namespaces: Record<string, string>
  variables: XPathExtraction[]
  /** Stop after the first variable that gets a value. */
  stopPayloadProcessing: boolean
}

/** ExtractVariables' runtime faults. */
export const extractVariablesFaults = {
  sourceMessageNotAvailable: (source: string, policy: string): FaultSpec => ({
    name: 'SourceMessageNotAvailable',
    status: 500,
    errorcode: 'steps.extractvariables.SourceMessageNotAvailable',
    faultstring: `${source} message is not available for ExtractVariable: ${policy}`
  }),
  executionFailed: (policy: string, reason: string): FaultSpec => ({
    name: 'ExecutionFailed',
    status: 500,
    errorcode: 'steps.extractvariables.ExecutionFailed',
    faultstring: `Failed to execute the ExtractVariables: ${policy}. Reason: ${reason}`
  }),
  unableToCast: (value: string, type: string): FaultSpec => ({
    name: 'UnableToCast',
    status: 500,
    errorcode: 'steps.extractvariables.UnableToCast',
    faultstring: `Unable to cast value ${value} to ${type}.`
  })
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.\-]*)\}/g

/** Compiles an Apigee extraction pattern (`Bearer {token}`, `/accounts/{id}`) into an anchored regex. */
export function compileExtractionPattern(source: string, ignoreCase: boolean, segmentOnly: boolean): CompiledPattern {
  const names: string[] = []
  let regex = ''
  let last = 0
  for (const m of source.matchAll(PLACEHOLDER)) {
    regex += escapeRegex(source.slice(last, m.index))
    regex += segmentOnly ? '([^/]*)' : '(.*)'
    names.push(m[1]!)
    last = m.index! + m[0].length
  }
  regex += escapeRegex(source.slice(last))
  return { source, regex: new LinearPattern(regex, { ignoreCase, dotAll: true }), names }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function patternsOf(el: XmlElement, segmentOnly: boolean, ctx: CompileContext): CompiledPattern[] {
  const patterns = children(el, 'Pattern').map((p) =>
    compileExtractionPattern(p.text, xmlBoolean(p.attributes['ignoreCase'], false), segmentOnly)
  )
  if (patterns.length === 0) ctx.error('PatternRequired', `<${el.name}> needs at least one <Pattern>`, el)
  return patterns
}

function params(root: XmlElement, elementName: string, ctx: CompileContext): ParamExtraction[] {
  return children(root, elementName).map((el) => {
    const name = el.attributes['name'] ?? ''
    if (name === '') ctx.error('NameRequired', `<${elementName}> needs a name attribute`, el)
    return { name, patterns: patternsOf(el, false, ctx) }
  })
}

function applyPatterns(patterns: CompiledPattern[], value: string, set: (name: string, value: string) => void): void {
  for (const pattern of patterns) {
    const groups = pattern.regex.match(value)
    if (!groups) continue
    pattern.names.forEach((name, i) => set(name, groups[i] ?? ''))
    return
  }
}

function jsonValueToVariable(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** The ExtractVariables policy handler. */
export const extractVariablesPolicy: PolicyHandler<ExtractVariablesConfig> = {
  type: 'ExtractVariables',
  faultVariablePrefix: 'extractvariables',
  compile(root, ctx) {
    const json: JsonExtraction[] = []
    const jsonEl = child(root, 'JSONPayload')
    for (const variable of jsonEl ? children(jsonEl, 'Variable') : []) {
      const name = variable.attributes['name'] ?? ''
      const path = childText(variable, 'JSONPath') ?? ''
      if (name === '') ctx.error('NameRequired', '<Variable> needs a name attribute', variable)
      if (path === '') {
        ctx.error('JSONPathRequired', `<Variable name="${name}"> needs a <JSONPath>`, variable)
        continue
      }
      try {
        JSONPath({ path, json: {}, wrap: true })
      } catch (e) {
        ctx.error('InvalidJSONPath', `JSONPath "${path}" is invalid: ${(e as Error).message}`, child(variable, 'JSONPath'))
      }
      json.push({ variable: name, path })
    }
    const xmlEl = child(root, 'XMLPayload')
    const xml = xmlEl ? compileXmlPayload(xmlEl, ctx) : null
    const uriPathEl = child(root, 'URIPath')
    const config: ExtractVariablesConfig = {
      source: childText(root, 'Source') || null,
      prefix: childText(root, 'VariablePrefix') ?? '',
      ignoreUnresolvedVariables: xmlBoolean(childText(root, 'IgnoreUnresolvedVariables'), false),
      headers: params(root, 'Header', ctx),
      queryParams: params(root, 'QueryParam', ctx),
      formParams: params(root, 'FormParam', ctx),
      uriPath: uriPathEl ? patternsOf(uriPathEl, true, ctx) : [],
      json,
      xml
    }
    const extracts =
      config.headers.length + config.queryParams.length + config.formParams.length + config.uriPath.length + config.json.length + (xml?.variables.length ?? 0)
    if (extracts === 0) ctx.error('NothingToExtract', 'ExtractVariables names nothing to extract', root)
    return config
  },
  execute(config, ctx) {
    const vars = ctx.variables
    const sourceName = config.source ?? (ctx.flow === 'request' ? 'request' : 'response')
    const source = vars.get(sourceName)
    if (!(source instanceof HttpMessage)) {
      if (config.ignoreUnresolvedVariables) return
      throw new PolicyFault(extractVariablesFaults.sourceMessageNotAvailable(sourceName, ctx.policyName))
    }
    const set = (name: string, value: string): void => vars.set(config.prefix === '' ? name : `${config.prefix}.${name}`, value)
    for (const header of config.headers) {
      const values = source.getHeaderValues(header.name)
      if (values.length > 0) applyPatterns(header.patterns, values.join(', '), set)
    }
    if (source instanceof RequestMessage) {
      for (const param of config.queryParams) {
        const value = source.queryParamValues(param.name)[0]
        if (value !== undefined) applyPatterns(param.patterns, value, set)
      }
      for (const param of config.formParams) {
        const value = source.formParamValues(param.name)[0]
        if (value !== undefined) applyPatterns(param.patterns, value, set)
      }
      if (config.uriPath.length > 0) {
        const suffix = vars.getString('proxy.pathsuffix') ?? source.path
        applyPatterns(config.uriPath, suffix, set)
      }
    }
    if (config.json.length > 0) {
      let document: unknown
      try {
        document = JSON.parse(source.content)
      } catch (e) {
        throw new PolicyFault(
          extractVariablesFaults.executionFailed(ctx.policyName, source.content === '' ? 'the payload is empty' : `the payload is not JSON (${(e as Error).message})`)
        )
      }
      for (const extraction of config.json) {
        const results = JSONPath({ path: extraction.path, json: document as object, wrap: true }) as unknown[]
        if (results.length === 0) continue
        set(extraction.variable, results.length === 1 ? jsonValueToVariable(results[0]) : JSON.stringify(results))
      }
    }
    if (config.xml && config.xml.variables.length > 0) extractXml(config.xml, source.content, ctx.policyName, (name, value) => vars.set(config.prefix === '' ? name : `${config.prefix}.${name}`, value))
  }
}

function compileXmlPayload(el: XmlElement, ctx: CompileContext): XmlPayloadConfig {
  const namespaces: Record<string, string> = {}
  for (const ns of children(child(el, 'Namespaces') ?? el, 'Namespace')) {
    const prefix = ns.attributes['prefix'] ?? ''
    if (prefix === '') ctx.error('NamespacePrefixRequired', '<Namespace> needs a prefix attribute', ns)
    else namespaces[prefix] = ns.text
  }
  const variables: XPathExtraction[] = []
  for (const variable of children(el, 'Variable')) {
    const name = variable.attributes['name'] ?? ''
    const type = (variable.attributes['type'] ?? 'string') as XPathVariableType
    const expression = childText(variable, 'XPath') ?? ''
    if (name === '') ctx.error('NameRequired', '<Variable> needs a name attribute', variable)
    if (!XPATH_VARIABLE_TYPES.includes(type)) {
      ctx.error('InvalidVariableType', `<Variable name="${name}"> type "${type}" is not one of ${XPATH_VARIABLE_TYPES.join(', ')}`, variable)
      continue
    }
    if (expression === '') {
      ctx.error('XPathRequired', `<Variable name="${name}"> needs an <XPath>`, variable)
      continue
    }
    const problem = xpathProblem(expression, namespaces)
    if (problem !== null) {
      ctx.error('XPathCompilationFailed', `XPath "${expression}" cannot be compiled: ${problem}`, child(variable, 'XPath'))
      continue
    }
    variables.push({ variable: name, expression, type })
  }
  return { namespaces, variables, stopPayloadProcessing: xmlBoolean(el.attributes['stopPayloadProcessing'], false) }
}

/** Runs the XPath extractions over the payload; a variable whose XPath selects nothing is left unset. */
function extractXml(xml: XmlPayloadConfig, payload: string, policy: string, set: (name: string, value: unknown) => void): void {
  let doc: unknown
  try {
    doc = parsePayloadXml(payload)
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e
    throw new PolicyFault(extractVariablesFaults.executionFailed(policy, e.kind === 'malformed' && payload.trim() !== '' ? `the payload is not XML (${e.message})` : e.message))
  }
  for (const extraction of xml.variables) {
    let value: unknown
    try {
      value = evaluateXPath(doc, extraction, xml.namespaces)
    } catch (e) {
      if (e instanceof UnableToCast) throw new PolicyFault(extractVariablesFaults.unableToCast(e.value, e.type))
      throw new PolicyFault(extractVariablesFaults.executionFailed(policy, `XPath ${extraction.expression} failed: ${(e as Error).message}`))
    }
    if (value === undefined) continue
    set(extraction.variable, value)
    if (xml.stopPayloadProcessing) return
  }
}
