/**
 * Deployment: a proxy's endpoint and policy XML -> a compiled proxy the runtime executes.
 * Everything is parsed and validated here, once (XML, conditions, templates, policy configs);
 * every problem becomes a DeploymentError pointing at its file and element.
 */
import type { ApiProxy } from '../../shared/model'
import type { DeploymentWarning } from '../../shared/deployment'
import type { CompileContext, DeploymentError, PolicyHandler } from '../policies/types'
import { policyTypeLabel, unsupportedHandler, unsupportedReason, type UnsupportedReason } from '../policies/catalogue'
import { parseCondition } from '../conditions'
import { warmRegexSandbox } from '../sandbox'
import { StepTemplate } from '../trace/lazy'
import { compileTargetAuthentication, type GoogleAuthentication } from './target-auth'
import { child, childText, children, parseXml, xmlBoolean, type XmlElement } from './xml'

/** A parsed condition (the AST type is the conditions module's). */
export type ConditionAst = Extract<ReturnType<typeof parseCondition>, { ok: true }>['ast']

export interface CompiledCondition {
  source: string
  ast: ConditionAst
}

export interface CompiledPolicy {
  name: string
  type: string
  displayName: string
  enabled: boolean
  continueOnError: boolean
  handler: PolicyHandler
  config: unknown
  file: string
  /** Set for an Apigee type Gatelab cannot run: its steps raise gatelab.UnsupportedPolicy unless marked skip. */
  unsupported?: UnsupportedReason
}

export interface CompiledStep {
  policy: CompiledPolicy
  condition: CompiledCondition | null
}

export interface CompiledFlow {
  name: string
  description: string
  condition: CompiledCondition | null
  request: CompiledStep[]
  response: CompiledStep[]
}

export interface CompiledFaultRule {
  name: string
  condition: CompiledCondition | null
  steps: CompiledStep[]
}

export interface CompiledDefaultFaultRule {
  name: string
  steps: CompiledStep[]
  alwaysEnforce: boolean
}

export interface CompiledRouteRule {
  name: string
  /** Trace texts, built once. */
  matchedText: string
  unmatchedText: string
  /** The trace step of this rule being taken without a condition to evaluate. */
  takenStep: StepTemplate
  condition: CompiledCondition | null
  /** TargetEndpoint name, or null. */
  targetEndpoint: string | null
  /** A direct `<URL>` target, or null. Both null = null route. */
  connection: TargetConnection | null
}

/** Where a TargetEndpoint sends the request. */
export type TargetConnection =
  | { kind: 'echo'; url: string; timeoutMs: number; successCodes: SuccessCodes; authentication?: GoogleAuthentication; unsupported?: undefined }
  | { kind: 'http'; url: string; timeoutMs: number; successCodes: SuccessCodes; authentication?: GoogleAuthentication; unsupported?: undefined }
  /** A HostedTarget or Node.js ScriptTarget: deployed with a warning, every request to it raises gatelab.UnsupportedTarget. */
  | { kind: 'unsupported'; url: string; timeoutMs: number; successCodes: SuccessCodes; authentication?: undefined; unsupported: 'HostedTarget' | 'ScriptTarget' }

/** Which target statuses count as success (`success.codes` property); others raise ErrorResponseCode. */
export type SuccessCodes = (status: number) => boolean

interface CompiledEndpointCommon {
  name: string
  /** `ProxyEndpoint:<name>` / `TargetEndpoint:<name>`, as traces show it. */
  label: string
  /** The trace step of the echo target answering for this endpoint. */
  echoAnsweredStep: StepTemplate
  file: string
  preFlow: CompiledFlow
  flows: CompiledFlow[]
  postFlow: CompiledFlow
  faultRules: CompiledFaultRule[]
  defaultFaultRule: CompiledDefaultFaultRule | null
}

export interface CompiledProxyEndpoint extends CompiledEndpointCommon {
  kind: 'proxy'
  basePath: string
  routeRules: CompiledRouteRule[]
  postClientFlow: CompiledFlow | null
}

export interface CompiledTargetEndpoint extends CompiledEndpointCommon {
  kind: 'target'
  connection: TargetConnection
}

export type CompiledEndpoint = CompiledProxyEndpoint | CompiledTargetEndpoint

export interface CompiledProxy {
  name: string
  source: ApiProxy
  proxyEndpoints: CompiledProxyEndpoint[]
  targetEndpoints: Map<string, CompiledTargetEndpoint>
  policies: Map<string, CompiledPolicy>
}

/** The URL scheme of the built-in echo target. */
export const ECHO_SCHEME = 'echo:'

/** What the trace says when the echo target answered. */
export const ECHO_ANSWERED = 'Echo target answered 200'

/** Default target I/O timeout (Apigee's `io.timeout.millis` default). */
export const DEFAULT_TARGET_TIMEOUT_MS = 55_000

/** Compiles one proxy; `proxy` is null when any error was found. */
export function compileProxy(
  source: ApiProxy,
  handlers: ReadonlyMap<string, PolicyHandler>
): { proxy: CompiledProxy | null; errors: DeploymentError[]; warnings: DeploymentWarning[] } {
  const errors: DeploymentError[] = []
  const warnings: DeploymentWarning[] = []
  const report = (file: string, code: string, message: string, el?: XmlElement): void => {
    errors.push({
      code,
      message,
      proxy: source.name,
      file,
      ...(el ? { ...(el.path !== '' ? { path: el.path } : {}), line: el.line, column: el.column } : {})
    })
  }

  const policies = new Map<string, CompiledPolicy>()
  for (const [name, xml] of Object.entries(source.policies)) {
    const policy = compilePolicy(source, name, xml, handlers, report)
    if (policy) policies.set(name, policy)
  }
  const policyFileNames = new Set(Object.keys(source.policies))

  const endpointCompiler = new EndpointCompiler(source, policies, policyFileNames, report, warnings)
  const targetEndpoints = new Map<string, CompiledTargetEndpoint>()
  for (const [name, xml] of Object.entries(source.targetEndpoints)) {
    const endpoint = endpointCompiler.target(name, xml)
    if (endpoint) targetEndpoints.set(name, endpoint)
  }
  const proxyEndpoints: CompiledProxyEndpoint[] = []
  for (const [name, xml] of Object.entries(source.proxyEndpoints)) {
    const endpoint = endpointCompiler.proxyEndpoint(name, xml, new Set(Object.keys(source.targetEndpoints)))
    if (endpoint) proxyEndpoints.push(endpoint)
  }
  if (Object.keys(source.proxyEndpoints).length === 0) {
    report(`${source.name}.xml`, 'NoProxyEndpoints', `API proxy ${source.name} has no ProxyEndpoint`)
  }
  const seenBasePaths = new Map<string, string>()
  for (const endpoint of proxyEndpoints) {
    const other = seenBasePaths.get(endpoint.basePath)
    if (other) {
      report(endpoint.file, 'DuplicateBasePath', `ProxyEndpoints ${other} and ${endpoint.name} both use base path ${endpoint.basePath}`)
    }
    seenBasePaths.set(endpoint.basePath, endpoint.name)
  }

  for (const policy of policies.values()) {
    if (policy.unsupported) warnings.push(unsupportedPolicyWarning(source.name, policy, endpointCompiler.usedBy.get(policy.name) ?? []))
  }

  if (errors.length > 0) return { proxy: null, errors, warnings }
  return { proxy: { name: source.name, source, proxyEndpoints, targetEndpoints, policies }, errors, warnings }
}

function unsupportedPolicyWarning(proxy: string, policy: CompiledPolicy, steps: string[]): DeploymentWarning {
  const type = policyTypeLabel(policy.type)
  const why = policy.unsupported === 'desktop' ? 'cannot run on a desktop' : 'is not implemented in Gatelab yet'
  const used = steps.length > 0 ? `its step${steps.length > 1 ? 's' : ''} (${steps.join('; ')}) raise${steps.length > 1 ? '' : 's'} gatelab.UnsupportedPolicy unless marked skip` : 'no step uses it'
  return {
    code: 'UnsupportedPolicy',
    message: `Policy ${policy.name} is a ${type} policy, which ${why}; ${used}`,
    proxy,
    file: policy.file,
    policy: policy.name,
    policyType: policy.type,
    reason: policy.unsupported!,
    steps
  }
}

type Report = (file: string, code: string, message: string, el?: XmlElement) => void

function compilePolicy(
  proxy: ApiProxy,
  name: string,
  xml: string,
  handlers: ReadonlyMap<string, PolicyHandler>,
  report: Report
): CompiledPolicy | null {
  const file = `policies/${name}.xml`
  const parsed = parseXml(xml)
  if (!parsed.ok) {
    reportMalformed(report, file, parsed.error)
    return null
  }
  const root = parsed.root
  const unsupported = unsupportedReason(root.name, handlers)
  const handler = handlers.get(root.name) ?? (unsupported ? unsupportedHandler(root.name, unsupported) : undefined)
  if (!handler) {
    report(file, 'UnknownPolicyType', `Policy ${name} has type ${root.name}, which Gatelab does not know`, root)
    return null
  }
  const declaredName = root.attributes['name']
  if (declaredName === undefined || declaredName.trim() === '') {
    report(file, 'PolicyNameRequired', `Policy ${name} has no name attribute`, root)
    return null
  }
  if (declaredName !== name) {
    report(file, 'PolicyNameMismatch', `Policy file ${name} declares name="${declaredName}"; they must be the same`, root)
    return null
  }
  let failed = false
  const ctx: CompileContext = {
    proxy,
    policyName: name,
    file,
    error(code, message, el) {
      failed = true
      report(file, code, message, el ?? root)
    }
  }
  let config: unknown
  try {
    config = handler.compile(root, ctx)
  } catch (e) {
    report(file, 'PolicyCompilationFailed', `Policy ${name} could not be compiled: ${(e as Error).message}`, root)
    return null
  }
  if (failed) return null
  return {
    name,
    type: root.name,
    displayName: childText(root, 'DisplayName') ?? name,
    enabled: xmlBoolean(root.attributes['enabled'], true),
    continueOnError: xmlBoolean(root.attributes['continueOnError'], false),
    handler,
    config,
    file,
    ...(unsupported ? { unsupported } : {})
  }
}

function reportMalformed(report: Report, file: string, error: { message: string; line: number; column: number }): void {
  const at: XmlElement = { name: '', attributes: {}, children: [], text: '', path: '', line: error.line, column: error.column }
  report(file, 'MalformedXML', `Malformed XML at line ${error.line}, column ${error.column}: ${error.message}`, at)
}

class EndpointCompiler {
  /** Where each unsupported policy is used: `proxies/default.xml PreFlow Request`, one entry per step. */
  readonly usedBy = new Map<string, string[]>()

  constructor(
    private readonly source: ApiProxy,
    private readonly policies: Map<string, CompiledPolicy>,
    private readonly policyFileNames: Set<string>,
    private readonly report: Report,
    private readonly warnings: DeploymentWarning[]
  ) {}

  proxyEndpoint(name: string, xml: string, targetNames: Set<string>): CompiledProxyEndpoint | null {
    const file = `proxies/${name}.xml`
    const root = this.parseRoot(file, xml, 'ProxyEndpoint')
    if (!root) return null
    const common = this.common(file, name, root, 'ProxyEndpoint')
    const connection = child(root, 'HTTPProxyConnection')
    const basePathEl = connection ? child(connection, 'BasePath') : undefined
    let basePath = basePathEl?.text || this.source.basePath
    if (!basePath.startsWith('/') || /[\s?#]/.test(basePath)) {
      this.report(file, 'InvalidBasePath', `Base path "${basePath}" must start with "/" and contain no spaces, "?" or "#"`, basePathEl ?? root)
      basePath = '/'
    }
    if (basePath.length > 1 && basePath.endsWith('/')) basePath = basePath.replace(/\/+$/, '')
    const routeRules: CompiledRouteRule[] = []
    for (const ruleEl of children(root, 'RouteRule')) {
      const ruleName = ruleEl.attributes['name'] ?? ''
      const targetEl = child(ruleEl, 'TargetEndpoint')
      const urlEl = child(ruleEl, 'URL')
      const targetEndpoint = targetEl?.text || null
      if (targetEndpoint !== null && !targetNames.has(targetEndpoint)) {
        this.report(file, 'NonExistentTargetEndpoint', `RouteRule ${ruleName} names TargetEndpoint ${targetEndpoint}, which does not exist`, targetEl)
      }
      const urlConnection = urlEl?.text ? this.connectionFromUrl(file, urlEl, DEFAULT_TARGET_TIMEOUT_MS, defaultSuccessCodes) : null
      const destination = targetEndpoint
        ? `TargetEndpoint ${targetEndpoint}`
        : urlConnection
          ? `URL ${urlConnection.url}`
          : 'no target (null route)'
      const matchedText = `RouteRule ${ruleName} -> ${destination}`
      routeRules.push({
        name: ruleName,
        matchedText,
        takenStep: new StepTemplate({ kind: 'route', phase: 'proxy-request', endpoint: common.label, description: matchedText, executed: true }),
        unmatchedText: `RouteRule ${ruleName} did not match`,
        condition: this.condition(file, child(ruleEl, 'Condition')),
        targetEndpoint,
        connection: urlConnection
      })
    }
    const postClientEl = child(root, 'PostClientFlow')
    return {
      kind: 'proxy',
      ...common,
      basePath,
      routeRules,
      postClientFlow: postClientEl ? this.flow(file, postClientEl, 'PostClientFlow') : null
    }
  }

  target(name: string, xml: string): CompiledTargetEndpoint | null {
    const file = `targets/${name}.xml`
    const root = this.parseRoot(file, xml, 'TargetEndpoint')
    if (!root) return null
    const common = this.common(file, name, root, 'TargetEndpoint')
    const connection = this.targetConnection(file, name, root)
    if (!connection) return null
    return { kind: 'target', ...common, connection }
  }

  private targetConnection(file: string, name: string, root: XmlElement): TargetConnection | null {
    const http = child(root, 'HTTPTargetConnection')
    const cannotRun = http ? undefined : (child(root, 'HostedTarget') ?? child(root, 'ScriptTarget'))
    if (cannotRun) {
      const kind = cannotRun.name as 'HostedTarget' | 'ScriptTarget'
      const what = kind === 'HostedTarget' ? 'a HostedTarget (Node.js app hosted by Apigee)' : 'a Node.js ScriptTarget'
      this.warnings.push({
        code: 'UnsupportedTarget',
        message: `TargetEndpoint ${name} is ${what}, which cannot run on a desktop; requests routed to it get gatelab.UnsupportedTarget`,
        proxy: this.source.name,
        file,
        ...(cannotRun.path !== '' ? { path: cannotRun.path } : {}),
        line: cannotRun.line,
        column: cannotRun.column,
        reason: 'desktop',
        steps: []
      })
      return { kind: 'unsupported', url: '', timeoutMs: DEFAULT_TARGET_TIMEOUT_MS, successCodes: defaultSuccessCodes, unsupported: kind }
    }
    if (!http) {
      const other = child(root, 'LocalTargetConnection')
      this.report(
        file,
        'UnsupportedTargetConnection',
        other
          ? `${other.name} is not supported by Gatelab; use <HTTPTargetConnection><URL>`
          : 'TargetEndpoint needs <HTTPTargetConnection><URL>...</URL></HTTPTargetConnection>',
        other ?? root
      )
      return null
    }
    if (child(http, 'LoadBalancer')) {
      this.report(file, 'UnsupportedTargetConnection', 'LoadBalancer/TargetServer targets are not supported by Gatelab; use <URL>', child(http, 'LoadBalancer'))
      return null
    }
    const urlEl = child(http, 'URL')
    if (!urlEl || urlEl.text === '') {
      this.report(file, 'MissingTargetURL', 'HTTPTargetConnection has no <URL>', urlEl ?? http)
      return null
    }
    let timeoutMs = DEFAULT_TARGET_TIMEOUT_MS
    let successCodes = defaultSuccessCodes
    const props = child(http, 'Properties')
    for (const prop of props ? children(props, 'Property') : []) {
      const propName = prop.attributes['name']
      if (propName === 'io.timeout.millis') {
        const n = Number(prop.text)
        if (!Number.isInteger(n) || n <= 0) this.report(file, 'InvalidPropertyValue', `io.timeout.millis must be a positive integer, got "${prop.text}"`, prop)
        else timeoutMs = n
      } else if (propName === 'success.codes') {
        const parsed = parseSuccessCodes(prop.text)
        if (!parsed) this.report(file, 'InvalidPropertyValue', `success.codes must list codes like "1xx,2xx,3xx,404", got "${prop.text}"`, prop)
        else successCodes = parsed
      }
    }
    const connection = this.connectionFromUrl(file, urlEl, timeoutMs, successCodes)
    const authEl = child(http, 'Authentication')
    if (connection && authEl) {
      const authentication = compileTargetAuthentication(authEl, (code, message, el) => this.report(file, code, message, el))
      if (!authentication) return null
      connection.authentication = authentication
    }
    return connection
  }

  private connectionFromUrl(file: string, urlEl: XmlElement, timeoutMs: number, successCodes: SuccessCodes): TargetConnection | null {
    const url = urlEl.text
    if (url.toLowerCase().startsWith(ECHO_SCHEME)) return { kind: 'echo', url, timeoutMs, successCodes }
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      this.report(file, 'InvalidTargetURL', `Target URL "${url}" is not a valid URL`, urlEl)
      return null
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      this.report(file, 'InvalidTargetURL', `Target URL "${url}" must use http, https or echo`, urlEl)
      return null
    }
    return { kind: 'http', url, timeoutMs, successCodes }
  }

  private parseRoot(file: string, xml: string, expected: string): XmlElement | null {
    const parsed = parseXml(xml)
    if (!parsed.ok) {
      reportMalformed(this.report, file, parsed.error)
      return null
    }
    if (parsed.root.name !== expected) {
      this.report(file, 'InvalidRootElement', `Expected <${expected}> as the root element, found <${parsed.root.name}>`, parsed.root)
      return null
    }
    return parsed.root
  }

  private common(file: string, name: string, root: XmlElement, kind: 'ProxyEndpoint' | 'TargetEndpoint'): CompiledEndpointCommon {
    const flowsEl = child(root, 'Flows')
    const faultRulesEl = child(root, 'FaultRules')
    const defaultEl = child(root, 'DefaultFaultRule')
    const label = `${kind}:${name}`
    return {
      name,
      label,
      echoAnsweredStep: new StepTemplate({ kind: 'target', phase: 'target', endpoint: label, description: ECHO_ANSWERED, executed: true }),
      file,
      preFlow: this.flow(file, child(root, 'PreFlow'), 'PreFlow'),
      flows: (flowsEl ? children(flowsEl, 'Flow') : []).map((f) => this.flow(file, f, f.attributes['name'] ?? '')),
      postFlow: this.flow(file, child(root, 'PostFlow'), 'PostFlow'),
      faultRules: (faultRulesEl ? children(faultRulesEl, 'FaultRule') : []).map((r) => ({
        name: r.attributes['name'] ?? '',
        condition: this.condition(file, child(r, 'Condition')),
        steps: this.steps(file, r, `FaultRule ${r.attributes['name'] ?? ''}`)
      })),
      defaultFaultRule: defaultEl
        ? {
            name: defaultEl.attributes['name'] ?? 'DefaultFaultRule',
            steps: this.steps(file, defaultEl, 'DefaultFaultRule'),
            alwaysEnforce: xmlBoolean(childText(defaultEl, 'AlwaysEnforce'), false)
          }
        : null
    }
  }

  private flow(file: string, el: XmlElement | undefined, name: string): CompiledFlow {
    if (!el) return { name, description: '', condition: null, request: [], response: [] }
    const where = name === 'PreFlow' || name === 'PostFlow' || name === 'PostClientFlow' ? name : `Flow ${name}`
    const req = child(el, 'Request')
    const res = child(el, 'Response')
    return {
      name,
      description: childText(el, 'Description') ?? '',
      condition: this.condition(file, child(el, 'Condition')),
      request: req ? this.steps(file, req, `${where} Request`) : [],
      response: res ? this.steps(file, res, `${where} Response`) : []
    }
  }

  private steps(file: string, container: XmlElement, where: string): CompiledStep[] {
    const out: CompiledStep[] = []
    for (const stepEl of children(container, 'Step')) {
      const nameEl = child(stepEl, 'Name')
      const policyName = nameEl?.text ?? ''
      const condition = this.condition(file, child(stepEl, 'Condition'))
      if (policyName === '') {
        this.report(file, 'StepNameRequired', 'Step has no <Name>', nameEl ?? stepEl)
        continue
      }
      const policy = this.policies.get(policyName)
      if (!policy) {
        // A policy that exists but failed to compile is already reported; do not report it twice.
        if (!this.policyFileNames.has(policyName)) {
          this.report(file, 'NonExistentPolicy', `Step names policy ${policyName}, which does not exist`, nameEl)
        }
        continue
      }
      if (policy.unsupported) {
        const uses = this.usedBy.get(policyName) ?? []
        uses.push(`${file} ${where}`)
        this.usedBy.set(policyName, uses)
      }
      out.push({ policy, condition })
    }
    return out
  }

  private condition(file: string, el: XmlElement | undefined): CompiledCondition | null {
    if (!el || el.text.trim() === '') return null
    const result = parseCondition(el.text)
    if (result.ok) {
      // A condition that may use JavaRegex: start its worker now, so no request waits for it to boot.
      if (/~~|javaregex/i.test(el.text)) warmRegexSandbox()
      return { source: el.text, ast: result.ast }
    }
    const e = result.error
    // The condition's own line/column are relative to its text; point at the element, and say where inside it.
    this.report(
      file,
      'InvalidCondition',
      `Invalid condition "${el.text}": ${e.message} (at position ${e.position}, line ${e.line}, column ${e.column} of the condition)`,
      el
    )
    return null
  }
}

function defaultSuccessCodes(status: number): boolean {
  return status < 400
}

/** Parses Apigee's `success.codes` property (`1xx,2xx,3xx,404`). */
export function parseSuccessCodes(text: string): SuccessCodes | null {
  const classes = new Set<number>()
  const codes = new Set<number>()
  for (const raw of text.split(',')) {
    const item = raw.trim().toLowerCase()
    if (/^[1-5]xx$/.test(item)) classes.add(Number(item[0]))
    else if (/^[1-5]\d\d$/.test(item)) codes.add(Number(item))
    else return null
  }
  return (status) => codes.has(status) || classes.has(Math.floor(status / 100))
}
