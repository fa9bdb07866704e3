/**
 * ExtractVariables: pulls values out of headers, query and form params, the URI path suffix and
 * JSON payloads (JSONPath via jsonpath-plus) into flow variables, with Apigee's `{name}` patterns.
 */
import { JSONPath } from 'jsonpath-plus'
import { child, childText, children, xmlBoolean, type XmlElement } from '../bundle/xml'
import { PolicyFault, type FaultSpec } from '../faults/fault'
import { HttpMessage, RequestMessage } from '../runtime/message'
import { LinearPattern } from '../sandbox'
import type { CompileContext, PolicyHandler } from './types'

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
    if (xmlEl) ctx.error('UnsupportedElement', 'XMLPayload (XPath) extraction is not supported by Gatelab', xmlEl)
    const uriPathEl = child(root, 'URIPath')
    const config: ExtractVariablesConfig = {
      source: childText(root, 'Source') || null,
      prefix: childText(root, 'VariablePrefix') ?? '',
      ignoreUnresolvedVariables: xmlBoolean(childText(root, 'IgnoreUnresolvedVariables'), false),
      headers: params(root, 'Header', ctx),
      queryParams: params(root, 'QueryParam', ctx),
      formParams: params(root, 'FormParam', ctx),
      uriPath: uriPathEl ? patternsOf(uriPathEl, true, ctx) : [],
      json
    }
    const extracts =
      config.headers.length + config.queryParams.length + config.formParams.length + config.uriPath.length + config.json.length
    if (extracts === 0 && !xmlEl) ctx.error('NothingToExtract', 'ExtractVariables names nothing to extract', root)
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
  }
}
