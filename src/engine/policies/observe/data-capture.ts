/**
 * DataCapture: captures values for data collectors from a flow variable or from the message (path, parameters,
 * headers, JSON or XML payload). Gatelab has no analytics store: the trace step records each captured value.
 */
import { JSONPath } from 'jsonpath-plus'
import { child, childText, children, xmlBoolean, type XmlElement } from '../../bundle/xml'
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import { HttpMessage, RequestMessage } from '../../runtime/message'
import { compileExtractionPattern } from '../extract-variables'
import { evaluateXPath, xpathProblem } from '../mediation/xpath-extract'
import { parsePayloadXml, PayloadError } from '../mediation/xml-document'
import { mediaType } from '../protection/source'
import type { CompileContext, PolicyContext, PolicyHandler } from '../types'
import { traceSafe } from './trace-safe'

type Pattern = ReturnType<typeof compileExtractionPattern>
type Collect =
  | { kind: 'ref'; ref: string }
  | { kind: 'uripath' | 'queryparam' | 'header' | 'formparam'; name: string; patterns: Pattern[] }
  | { kind: 'jsonpath'; path: string }
  | { kind: 'xpath'; expression: string; namespaces: Record<string, string> }

interface Capture {
  collector: string
  collect: Collect | null
  defaultValue: string | undefined
}

export interface DataCaptureConfig {
  captures: Capture[]
  source: string | null
}

const spec = (name: string, faultstring: string): FaultSpec => ({ name, status: 500, errorcode: `steps.datacapture.${name}`, faultstring })

/** DataCapture runtime faults ([U] faultstring wording). */
export const dataCaptureFaults = {
  sourceMessageNotAvailable: (policy: string, source: string) => spec('SourceMessageNotAvailable', `${source} message is not available for DataCapture StepDefinition ${policy}`),
  nonMessageVariable: (_policy: string, source: string) => spec('NonMessageVariable', `Variable ${source} does not resolve to a Message`),
  executionFailed: (policy: string, reason: string) => spec('ExecutionFailed', `Failed to execute the DataCapture StepDefinition ${policy}. Reason: ${reason}`)
}

/** Data collector names start with `dc_` (as Apigee's data collector resources require). */
const COLLECTOR = /^dc_[A-Za-z0-9_]+$/

function compileCollect(el: XmlElement, ctx: CompileContext): Collect | null {
  const ref = el.attributes.ref?.trim()
  if (ref) return { kind: 'ref', ref }
  for (const [element, kind] of [['URIPath', 'uripath'], ['QueryParam', 'queryparam'], ['Header', 'header'], ['FormParam', 'formparam']] as const) {
    const source = child(el, element)
    if (!source) continue
    const name = (source.attributes.name ?? '').trim()
    if (kind !== 'uripath' && name === '') ctx.error('NameRequired', `<${element}> needs a name attribute`, source)
    const patterns = children(source, 'Pattern').map((p) => compileExtractionPattern(p.text, xmlBoolean(p.attributes.ignoreCase, false), kind === 'uripath'))
    if (patterns.length === 0) ctx.error('PatternRequired', `<${element}> needs at least one <Pattern>`, source)
    for (const p of patterns) if (p.names.length !== 1) ctx.error('InvalidPattern', `<Pattern>${p.source}</Pattern> must hold exactly one {variable}`, source)
    return { kind, name, patterns }
  }
  const json = child(el, 'JSONPayload')
  if (json) {
    const path = (childText(json, 'JSONPath') ?? '').trim()
    try {
      if (path === '') throw new Error('it is empty')
      JSONPath({ path, json: {}, wrap: true })
    } catch (e) {
      ctx.error('InvalidJSONPath', `JSONPath "${path}" is invalid: ${(e as Error).message}`, json)
    }
    return { kind: 'jsonpath', path }
  }
  const xml = child(el, 'XMLPayload')
  if (xml) {
    const namespaces: Record<string, string> = {}
    for (const ns of children(child(xml, 'Namespaces') ?? xml, 'Namespace')) namespaces[ns.attributes.prefix ?? ''] = ns.text
    const expression = (childText(xml, 'XPath') ?? '').trim()
    const problem = expression === '' ? 'it is empty' : xpathProblem(expression, namespaces)
    if (problem !== null) ctx.error('XPathCompilationFailed', `XPath "${expression}" cannot be compiled: ${problem}`, xml)
    return { kind: 'xpath', expression, namespaces }
  }
  return null
}

/** The DataCapture policy handler. */
export const dataCapturePolicy: PolicyHandler<DataCaptureConfig> = {
  type: 'DataCapture',
  faultVariablePrefix: 'datacapture',
  compile(root, ctx) {
    const captures: Capture[] = []
    for (const el of children(root, 'Capture')) {
      const collectorEl = child(el, 'DataCollector')
      const collector = (collectorEl?.text ?? '').trim()
      if (!COLLECTOR.test(collector)) ctx.error('InvalidDataCollector', `<DataCollector> must name a data collector starting with dc_, got "${collector}"`, collectorEl ?? el)
      const collectEl = child(el, 'Collect')
      if (!collectEl) {
        ctx.error('MissingCollect', '<Capture> needs a <Collect>', el)
        continue
      }
      const collect = compileCollect(collectEl, ctx)
      const defaultValue = collectEl.attributes.default
      if (!collect && defaultValue === undefined) ctx.error('InvalidCollect', '<Collect> needs a ref, a default, or one of URIPath, QueryParam, Header, FormParam, JSONPayload, XMLPayload', collectEl)
      captures.push({ collector, collect, defaultValue })
    }
    if (children(root, 'Capture').length === 0) ctx.error('MissingCapture', 'DataCapture needs at least one <Capture>')
    const source = (childText(root, 'Source') ?? '').trim()
    return { captures, source: source === '' ? null : source }
  },
  execute(config, ctx) {
    const notes: string[] = []
    for (const capture of config.captures) {
      const value = capture.collect ? collect(capture.collect, config.source, ctx) : undefined
      const final = value ?? capture.defaultValue
      notes.push(final === undefined ? `${capture.collector} not captured (no value, no default)` : `${capture.collector} = ${JSON.stringify(final)}${value === undefined ? ' (default)' : ''}`)
    }
    ctx.note(`Data captured (kept in the trace, no analytics store): ${notes.join('; ')}`)
  }
}

function collect(c: Collect, source: string | null, ctx: PolicyContext): string | undefined {
  if (c.kind === 'ref') return traceSafe(ctx.variables).getString(c.ref)
  const message = sourceOf(source, ctx)
  switch (c.kind) {
    case 'uripath':
    case 'queryparam':
    case 'header':
    case 'formparam': {
      const inputs =
        c.kind === 'header'
          ? message.getHeaderValues(c.name)
          : !(message instanceof RequestMessage)
            ? []
            : c.kind === 'uripath'
              ? [ctx.variables.getString('proxy.pathsuffix') ?? message.path]
              : c.kind === 'queryparam'
                ? message.queryParamValues(c.name)
                : message.formParamValues(c.name)
      for (const input of inputs) {
        for (const p of c.patterns) {
          const groups = p.regex.match(input)
          if (groups) return groups[0] ?? ''
        }
      }
      return undefined
    }
    case 'jsonpath': {
      const type = mediaType(message)
      if ((type !== 'application/json' && !type.endsWith('+json')) || message.content === '') return undefined
      let doc: unknown
      try {
        doc = JSON.parse(message.content)
      } catch (e) {
        throw new PolicyFault(dataCaptureFaults.executionFailed(ctx.policyName, `the payload is not JSON (${(e as Error).message})`))
      }
      const results = JSONPath({ path: c.path, json: doc as object, wrap: true }) as unknown[]
      if (results.length === 0) return undefined
      const v = results.length === 1 ? results[0] : results
      return typeof v === 'string' ? v : JSON.stringify(v)
    }
    case 'xpath': {
      const type = mediaType(message)
      if ((type !== 'application/xml' && type !== 'text/xml' && !type.endsWith('+xml')) || message.content === '') return undefined
      let doc: unknown
      try {
        doc = parsePayloadXml(message.content)
      } catch (e) {
        if (!(e instanceof PayloadError)) throw e
        throw new PolicyFault(dataCaptureFaults.executionFailed(ctx.policyName, `the payload is not XML (${e.message})`))
      }
      const v = evaluateXPath(doc, { variable: '', expression: c.expression, type: 'string' }, c.namespaces)
      return v === undefined ? undefined : String(v)
    }
  }
}

function sourceOf(source: string | null, ctx: PolicyContext): HttpMessage {
  const name = source ?? (ctx.flow === 'request' ? 'request' : 'response')
  const value = ctx.variables.get(name)
  if (value === undefined || value === null) throw new PolicyFault(dataCaptureFaults.sourceMessageNotAvailable(ctx.policyName, name))
  if (!(value instanceof HttpMessage)) throw new PolicyFault(dataCaptureFaults.nonMessageVariable(ctx.policyName, name))
  return value
}
