/**
 * RegularExpressionProtection: searches parts of a message for user-supplied patterns (Java syntax, found anywhere
 * in the value like Matcher.find()) and raises ThreatDetected on the first hit. Patterns are compiled at deployment
 * and run bounded (sandbox/regex.ts): RE2 in linear time where it can, otherwise the regex worker with a time limit.
 */
import { JSONPath } from 'jsonpath-plus'
import { child, childText, children, xmlBoolean, type XmlElement } from '../../bundle/xml'
import { translateJavaRegex } from '../../conditions/java-regex'
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import { HttpMessage, RequestMessage } from '../../runtime/message'
import { compileBoundedSearch, warmRegexSandbox, type BoundedSearch } from '../../sandbox'
import { evaluateXPath, xpathProblem } from '../mediation/xpath-extract'
import { parsePayloadXml, PayloadError } from '../mediation/xml-document'
import { mediaType } from '../protection/source'
import type { CompileContext, PolicyContext, PolicyHandler } from '../types'

interface Pattern {
  source: string
  search: BoundedSearch
}

interface Check {
  /** What is inspected, for traces: `URIPath`, `Header x-a`, `JSONPath $.a`, ... */
  label: string
  kind: 'uripath' | 'queryparam' | 'header' | 'formparam' | 'variable' | 'xpath' | 'jsonpath'
  name: string
  patterns: Pattern[]
}

export interface RegexProtectionConfig {
  source: string | null
  ignoreUnresolvedVariables: boolean
  checks: Check[]
  namespaces: Record<string, string>
}

const spec = (name: string, status: number, faultstring: string): FaultSpec => ({ name, status, errorcode: `steps.regexprotection.${name}`, faultstring })

/** RegularExpressionProtection runtime faults, faultstrings as the reference's error page writes them. */
export const regexProtectionFaults = {
  threatDetected: (policy: string, pattern: string, input: string) => spec('ThreatDetected', 400, `Regular Expression Threat Detected in ${policy}: regex: ${pattern} input: ${input}`),
  executionFailed: (policy: string, reason: string) => spec('ExecutionFailed', 500, `Failed to execute the RegularExpressionProtection StepDefinition ${policy}. Reason: ${reason}`),
  variableResolutionFailed: (_policy: string, name: string) => spec('VariableResolutionFailed', 500, `Failed to resolve variable ${name}`),
  sourceMessageNotAvailable: (policy: string, source: string) =>
    spec('SourceMessageNotAvailable', 500, `${source} message is not available for RegularExpressionProtection StepDefinition ${policy}`),
  nonMessageVariable: (_policy: string, source: string) => spec('NonMessageVariable', 500, `Variable ${source} does not resolve to a Message`)
}

function compilePatterns(el: XmlElement, where: string, ctx: CompileContext): Pattern[] {
  const patterns: Pattern[] = []
  const els = children(el, 'Pattern')
  if (els.length === 0) ctx.error('NoPatternsToEnforce', `No patterns to enforce in ${where}`, el)
  for (const p of els) {
    const translated = p.text === '' ? null : translateJavaRegex(p.text)
    let search: BoundedSearch | null = null
    if (translated) {
      try {
        search = compileBoundedSearch(translated.source, translated.flags + 'u')
      } catch {
        search = null
      }
    }
    if (!search) {
      ctx.error('InvalidRegularExpression', `Invalid Regular Expression ${p.text}, Context ${where}`, p)
      continue
    }
    if (search.engine === 'worker') warmRegexSandbox()
    patterns.push({ source: p.text, search })
  }
  return patterns
}

/** The RegularExpressionProtection policy handler. */
export const regexProtectionPolicy: PolicyHandler<RegexProtectionConfig> = {
  type: 'RegularExpressionProtection',
  faultVariablePrefix: 'regularexpressionprotection',
  compile(root, ctx) {
    const checks: Check[] = []
    for (const el of children(root, 'URIPath')) checks.push({ label: 'URIPath', kind: 'uripath', name: '', patterns: compilePatterns(el, 'URIPath', ctx) })
    for (const [element, kind] of [['QueryParam', 'queryparam'], ['Header', 'header'], ['FormParam', 'formparam'], ['Variable', 'variable']] as const) {
      for (const el of children(root, element)) {
        const name = (el.attributes.name ?? '').trim()
        if (name === '') ctx.error('NameRequired', `<${element}> needs a name attribute`, el)
        checks.push({ label: `${element} ${name}`, kind, name, patterns: compilePatterns(el, `${element} ${name}`, ctx) })
      }
    }
    const namespaces: Record<string, string> = {}
    const xmlEl = child(root, 'XMLPayload')
    if (xmlEl) {
      for (const ns of children(child(xmlEl, 'Namespaces') ?? xmlEl, 'Namespace')) {
        const prefix = ns.attributes.prefix ?? ''
        if (prefix === '') ctx.error('NamespacePrefixRequired', '<Namespace> needs a prefix attribute', ns)
        else if (prefix in namespaces) ctx.error('DuplicatePrefix', `Namespace prefix ${prefix} is declared twice`, ns)
        else namespaces[prefix] = ns.text
      }
      for (const x of children(xmlEl, 'XPath')) {
        const expression = (childText(x, 'Expression') ?? '').trim()
        if (expression === '') ctx.error('EmptyXPathExpression', '<XPath> needs an <Expression>', x)
        else {
          const problem = xpathProblem(expression, namespaces)
          if (problem !== null) ctx.error('XPathCompilationFailed', `XPath "${expression}" cannot be compiled: ${problem}`, child(x, 'Expression'))
        }
        checks.push({ label: `XPath ${expression}`, kind: 'xpath', name: expression, patterns: compilePatterns(x, `XPath ${expression}`, ctx) })
      }
    }
    const jsonEl = child(root, 'JSONPayload')
    for (const j of jsonEl ? children(jsonEl, 'JSONPath') : []) {
      const expression = (childText(j, 'Expression') ?? '').trim()
      if (expression === '') ctx.error('EmptyJSONPathExpression', '<JSONPath> needs an <Expression>', j)
      else {
        try {
          JSONPath({ path: expression, json: {}, wrap: true })
        } catch (e) {
          ctx.error('JSONPathCompilationFailed', `JSONPath "${expression}" cannot be compiled: ${(e as Error).message}`, child(j, 'Expression'))
        }
      }
      checks.push({ label: `JSONPath ${expression}`, kind: 'jsonpath', name: expression, patterns: compilePatterns(j, `JSONPath ${expression}`, ctx) })
    }
    if (checks.length === 0) ctx.error('NothingToEnforce', 'At least one of URIPath, QueryParam, Header, FormParam, Variable, XMLPayload or JSONPayload is mandatory')
    const source = (childText(root, 'Source') ?? '').trim()
    return { source: source === '' ? null : source, ignoreUnresolvedVariables: xmlBoolean(childText(root, 'IgnoreUnresolvedVariables'), false), checks, namespaces }
  },
  execute(config, ctx) {
    const policy = ctx.policyName
    const message = sourceOf(config.source, ctx)
    let json: { value: unknown } | null | undefined
    let xml: unknown
    for (const check of config.checks) {
      let inputs: string[]
      switch (check.kind) {
        case 'uripath':
          inputs = message instanceof RequestMessage ? [message.path] : []
          break
        case 'queryparam':
          inputs = message instanceof RequestMessage ? message.queryParamValues(check.name) : []
          break
        case 'formparam':
          inputs = message instanceof RequestMessage ? message.formParamValues(check.name) : []
          break
        case 'header':
          inputs = message.getHeaderValues(check.name)
          break
        case 'variable': {
          const value = ctx.variables.getString(check.name)
          if (value === undefined && !config.ignoreUnresolvedVariables) throw new PolicyFault(regexProtectionFaults.variableResolutionFailed(policy, check.name))
          inputs = value === undefined ? [] : [value]
          break
        }
        case 'jsonpath': {
          if (json === undefined) json = parseJson(message, policy)
          inputs = json === null ? [] : (JSONPath({ path: check.name, json: json.value as object, wrap: true }) as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
          break
        }
        case 'xpath': {
          if (xml === undefined) xml = parseXml(message, policy)
          const value = xml === null ? undefined : evaluateXPath(xml, { variable: '', expression: check.name, type: 'string' }, config.namespaces)
          inputs = value === undefined ? [] : [String(value)]
          break
        }
      }
      for (const input of inputs) {
        for (const pattern of check.patterns) {
          const found = pattern.search.find(input)
          if (found === undefined) throw new PolicyFault(regexProtectionFaults.executionFailed(policy, `regex ${pattern.source} did not finish within the regex time limit`))
          if (found) {
            ctx.note(`${check.label}: pattern ${pattern.source} found`)
            throw new PolicyFault(regexProtectionFaults.threatDetected(policy, pattern.source, input))
          }
        }
      }
    }
    ctx.note(`no pattern found in ${config.checks.map((c) => c.label).join(', ')}`)
  }
}

function sourceOf(source: string | null, ctx: PolicyContext): HttpMessage {
  const name = source ?? (ctx.flow === 'request' ? 'request' : 'response')
  const value = ctx.variables.get(name)
  if (value === undefined || value === null) throw new PolicyFault(regexProtectionFaults.sourceMessageNotAvailable(ctx.policyName, name))
  if (!(value instanceof HttpMessage)) throw new PolicyFault(regexProtectionFaults.nonMessageVariable(ctx.policyName, name))
  return value
}

/** The JSON payload, or null when the message is not JSON or has no payload (nothing to check). */
function parseJson(message: HttpMessage, policy: string): { value: unknown } | null {
  const type = mediaType(message)
  if ((type !== 'application/json' && !type.endsWith('+json')) || message.content === '') return null
  try {
    return { value: JSON.parse(message.content) }
  } catch (e) {
    throw new PolicyFault(regexProtectionFaults.executionFailed(policy, `the payload is not JSON (${(e as Error).message})`))
  }
}

/** The XML document, or null when the message is not XML or has no payload (nothing to check). */
function parseXml(message: HttpMessage, policy: string): unknown {
  const type = mediaType(message)
  if ((type !== 'application/xml' && type !== 'text/xml' && !type.endsWith('+xml')) || message.content === '') return null
  try {
    return parsePayloadXml(message.content)
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e
    throw new PolicyFault(regexProtectionFaults.executionFailed(policy, `the payload is not XML (${e.message})`))
  }
}
