/**
 * One request through one deployed proxy: ProxyEndpoint request flows, RouteRule, TargetEndpoint
 * flows, the target, response flows, the error flow and PostClientFlow, with every step traced.
 */
import type { TraceFault, TracePhase, TraceRecord, TraceStep, TraceStepKind } from '../../shared/trace'
import { evaluateCondition } from '../conditions'
import { PolicyFault, faultEnvelope } from '../faults/fault'
import { FlowResponse } from './flow-response'
import {
  internalPolicyError,
  runtimeFault,
  targetBadGateway,
  targetDnsFailure,
  targetErrorResponse,
  targetGatewayTimeout,
  targetServiceUnavailable,
  targetUnexpectedEof,
  unsupportedTarget
} from '../faults/runtime'
import type { PolicyContext } from '../policies/types'
import { OutboundError } from '../ports'
import { StepTemplate, type RawSnapshot } from '../trace/lazy'
import { attachGoogleToken } from '../bundle/target-auth'
import {
  ECHO_SCHEME,
  type CompiledCondition,
  type CompiledEndpoint,
  type CompiledFlow,
  type CompiledPolicy,
  type CompiledProxyEndpoint,
  type CompiledRouteRule,
  type CompiledStep,
  type CompiledTargetEndpoint,
  type TargetConnection
} from '../bundle/compile'
import {
  ExchangeTrace,
  withoutHopByHop,
  type ExchangeRoute,
  type GatewayRequest,
  type GatewayResponse,
  type StepLog
} from './exchange-trace'
import { HttpMessage, RequestMessage, encodeUtf8, parseUrlEncodedInto, reasonPhraseFor } from './message'
import { ExchangeVariables, type AccessRecorder, type FixedVariables } from './variables'

export type { GatewayRequest, GatewayResponse, ExchangeRoute } from './exchange-trace'

/** Variables the echo target reports when they are set. */
export const ECHO_VARIABLES = [
  'apiproxy.name',
  'apiproxy.revision',
  'proxy.basepath',
  'proxy.pathsuffix',
  'environment.name',
  'organization.name',
  'developer.app.name',
  'developer.id',
  'developer.email',
  'client_id',
  'apiproduct.name',
  'scope',
  'access_token',
  'grant_type'
] as const

/** Shared by every echo response: messages copy headers before changing them. */
const ECHO_HEADERS: Array<[string, string]> = [['Content-Type', 'application/json']]
const NOTHING: never[] = []
const UNMASKED = { variable: (_name: string, value: string | null) => value }
/** Passed where no condition will record into it. */
const UNUSED_RECORDER: AccessRecorder = { reads: NOTHING, writes: NOTHING }

/** A fault whose response is the target's own response (ErrorResponseCode), not an envelope. */
class TargetResponseFault extends PolicyFault {}

/** A fault on its way out of a flow, remembering the endpoint where it was raised. */
class FlowFault extends Error {
  constructor(
    readonly fault: PolicyFault,
    readonly endpoint: CompiledEndpoint,
    readonly state: string
  ) {
    super(fault.message)
  }
}

/** What an exchange gives back: the response to send and its trace. */
export interface ExchangeResult {
  response: GatewayResponse
  trace: TraceRecord
}

/** Runs one request through a deployed proxy endpoint: the response and its trace, synchronously when nothing had to wait. */
export function runExchange(
  route: ExchangeRoute,
  request: GatewayRequest,
  /** The message id: 16 bytes at `idOffset` in `idPool`. */
  idPool: Uint8Array,
  idOffset: number
): ExchangeResult | Promise<ExchangeResult> {
  return new Exchange(route, request, new ExchangeTrace(route, request, route.services.clock.now(), idPool, idOffset)).run()
}

class Exchange {
  private readonly vars: ExchangeVariables
  private readonly request: RequestMessage
  private readonly steps: StepLog = []
  private stepCount = 0
  private readonly startMark: number
  /** The target request: its URL when it is the received request sent on unchanged (the trace rebuilds the rest), else the whole message. */
  private targetRequestPart: string | RawSnapshot | undefined
  private targetResponseRaw: RawSnapshot | undefined
  private traceFault: TraceFault | null = null
  private currentEndpoint: CompiledEndpoint
  private state = 'PROXY_REQ_FLOW'
  private phase: TracePhase = 'proxy-request'
  private proxyFlow: CompiledFlow | null = null
  private flowName = 'PreFlow'
  /** Headers policies asked to set on the response as it is sent (CORS); null on the hot path. */
  private headersOnSend: Array<[string, string]> | null = null

  constructor(
    private readonly route: ExchangeRoute,
    /** The request as the listener received it. */
    private readonly received: GatewayRequest,
    /** The exchange's fixed variables, and its trace once it ends. */
    private readonly fixed: ExchangeTrace
  ) {
    this.startMark = performance.now()
    this.request = new RequestMessage({ verb: received.method, uri: received.url, headers: received.headers, body: received.body })
    // Accesses are recorded unmasked: the trace masks them when it is read (most traces never are).
    this.vars = new ExchangeVariables(this.request, undefined, UNMASKED, fixed, route.environmentValues)
    this.currentEndpoint = route.endpoint
  }

  /**
   * Runs the exchange. Everything that can happen synchronously does (a proxy without steps in front
   * of the echo target never waits): a promise only where a flow step or a target is asynchronous.
   */
  run(): ExchangeResult | Promise<ExchangeResult> {
    let pending: Promise<void> | undefined
    try {
      pending = this.requestAndTarget()
    } catch (e) {
      return this.failed(e)
    }
    if (pending) return pending.then(() => this.responseFlows(), (e: unknown) => this.failed(e))
    return this.responseFlows()
  }

  /** ProxyEndpoint request flows, then the RouteRule and its target. */
  private requestAndTarget(): Promise<void> | undefined {
    const proxyEndpoint = this.route.endpoint
    // Endpoints without steps or flows are passed synchronously: no promise per flow on the hot path.
    if (hasRequestWork(proxyEndpoint)) return this.runRequestFlows(proxyEndpoint).then(() => this.routeAndTarget())
    this.passFlows(proxyEndpoint, 'request')
    return this.routeAndTarget()
  }

  private routeAndTarget(): Promise<void> | undefined {
    const rule = this.selectRoute(this.route.endpoint)
    return rule ? this.runRoute(rule) : undefined
  }

  /** ProxyEndpoint response flows, then the answer. */
  private responseFlows(): ExchangeResult | Promise<ExchangeResult> {
    const proxyEndpoint = this.route.endpoint
    this.currentEndpoint = proxyEndpoint
    this.state = 'PROXY_RESP_FLOW'
    this.phase = 'proxy-response'
    this.vars.current = 'response'
    if (hasResponseWork(proxyEndpoint)) {
      return this.runResponseFlows(proxyEndpoint, this.proxyFlow).then(
        () => this.answer(),
        (e: unknown) => this.failed(e)
      )
    }
    this.passFlows(proxyEndpoint, 'response')
    return this.answer()
  }

  /** A fault left the flows: the error flow decides the answer. */
  private async failed(e: unknown): Promise<ExchangeResult> {
    // A policy answered the client itself (CORS preflight): the flows end without a fault.
    if (e instanceof FlowResponse) return this.answer()
    const flowFault = e instanceof FlowFault ? e : new FlowFault(this.toFault(e, undefined), this.currentEndpoint, this.state)
    await this.runErrorFlow(flowFault)
    return this.answer()
  }

  /** The response as it goes to the client, then PostClientFlow (which cannot change it) and the trace. */
  private answer(): ExchangeResult | Promise<ExchangeResult> {
    const response = this.vars.response
    if (this.headersOnSend) for (const [name, value] of this.headersOnSend) response.setHeader(name, value)
    const sent: GatewayResponse = {
      status: response.status,
      reasonPhrase: response.reasonPhrase || reasonPhraseFor(response.status),
      headers: withoutHopByHop(response.headerSnapshot()),
      body: response.body
    }
    const postClientFlow = this.route.endpoint.postClientFlow
    if (postClientFlow && postClientFlow.response.length > 0) {
      return this.runPostClientFlow(postClientFlow).then(() => ({ response: sent, trace: this.buildTrace(sent) }))
    }
    return { response: sent, trace: this.buildTrace(sent) }
  }

  // ---- request and response flows -------------------------------------------------------------

  private async runRequestFlows(endpoint: CompiledEndpoint): Promise<void> {
    this.vars.current = 'request'
    if (this.enterFlow(endpoint, endpoint.preFlow, 'request')) await this.runFlowSteps(endpoint, endpoint.preFlow.request, 'request')
    const flow = this.selectFlow(endpoint)
    if (endpoint.kind === 'proxy') this.proxyFlow = flow
    else this.targetFlow = flow
    if (flow && this.enterFlow(endpoint, flow, 'request')) await this.runFlowSteps(endpoint, flow.request, 'request')
    if (this.enterFlow(endpoint, endpoint.postFlow, 'request')) await this.runFlowSteps(endpoint, endpoint.postFlow.request, 'request')
  }

  private targetFlow: CompiledFlow | null = null

  private async runResponseFlows(endpoint: CompiledEndpoint, flow: CompiledFlow | null): Promise<void> {
    this.vars.current = 'response'
    if (this.enterFlow(endpoint, endpoint.preFlow, 'response')) await this.runFlowSteps(endpoint, endpoint.preFlow.response, 'response')
    if (flow && this.enterFlow(endpoint, flow, 'response')) await this.runFlowSteps(endpoint, flow.response, 'response')
    if (this.enterFlow(endpoint, endpoint.postFlow, 'response')) await this.runFlowSteps(endpoint, endpoint.postFlow.response, 'response')
  }

  /** Makes `flow` the current flow; true when it has steps to run in this direction (no async call otherwise). */
  private enterFlow(endpoint: CompiledEndpoint, flow: CompiledFlow, direction: 'request' | 'response'): boolean {
    this.flowName = flowLabel(flow, endpoint)
    this.vars.flowName = flow.name
    this.vars.flowDescription = flow.description
    return (direction === 'request' ? flow.request : flow.response).length > 0
  }

  private async runFlowSteps(endpoint: CompiledEndpoint, steps: CompiledStep[], direction: 'request' | 'response'): Promise<void> {
    for (const step of steps) await this.runStep(step, endpoint, direction)
  }

  private selectFlow(endpoint: CompiledEndpoint): CompiledFlow | null {
    for (const flow of endpoint.flows) {
      const recorder: AccessRecorder = flow.condition ? { reads: [], writes: [] } : UNUSED_RECORDER
      const started = performance.now()
      const matched = this.evaluate(flow.condition, recorder)
      const traced: TraceStep = {
        index: this.stepCount++,
        kind: 'flow',
        phase: this.phase,
        flow: `Flow:${flow.name}`,
        endpoint: endpointLabel(endpoint),
        description: matched ? `Flow ${flow.name} matched` : `Flow ${flow.name} did not match`,
        executed: matched,
        startedAt: this.timestamp(),
        durationMs: performance.now() - started,
        reads: recorder.reads.length > 0 ? recorder.reads : NOTHING,
        writes: NOTHING
      }
      if (flow.condition) {
        traced.condition = flow.condition.source
        traced.conditionResult = matched
      }
      if (!matched) traced.skippedReason = 'condition-false'
      this.steps.push(traced)
      if (matched) return flow
    }
    return null
  }

  private selectRoute(endpoint: CompiledProxyEndpoint): CompiledRouteRule | null {
    for (const rule of endpoint.routeRules) {
      if (!rule.condition) {
        // Nothing read, nothing that differs between requests: a shared step template. Taken before
        // any step ran, it happened at the start (to the millisecond): no clock to read.
        this.addTemplateStep(rule.takenStep, this.stepCount === 0 ? 0 : this.elapsedMs(performance.now()), 0)
        return rule
      }
      const recorder: AccessRecorder = { reads: [], writes: [] }
      const matched = this.evaluate(rule.condition, recorder)
      const traced: TraceStep = {
        index: this.stepCount++,
        kind: 'route',
        phase: this.phase,
        endpoint: endpoint.label,
        description: matched ? rule.matchedText : rule.unmatchedText,
        condition: rule.condition.source,
        conditionResult: matched,
        executed: matched,
        startedAt: this.timestamp(),
        durationMs: 0,
        reads: recorder.reads.length > 0 ? recorder.reads : NOTHING,
        writes: NOTHING
      }
      if (!matched) traced.skippedReason = 'condition-false'
      this.steps.push(traced)
      if (matched) return rule
    }
    this.pushStep('route', {
      endpoint: endpointLabel(endpoint),
      description: 'No RouteRule matched: null route, the proxy answers itself',
      executed: true,
      durationMs: 0,
      reads: NOTHING,
      writes: NOTHING
    })
    return null
  }

  /** Runs the route's target; returns a promise only when something asynchronous has to happen. */
  private runRoute(route: CompiledRouteRule): Promise<void> | undefined {
    if (route.targetEndpoint) {
      const target = this.route.proxy.targetEndpoints.get(route.targetEndpoint)
      if (!target) return undefined
      this.currentEndpoint = target
      this.fixed.targetUrl = target.connection.url
      this.fixed.targetName = target.name
      this.state = 'TARGET_REQ_FLOW'
      this.phase = 'target-request'
      if (hasRequestWork(target) || hasResponseWork(target)) return this.runTargetEndpoint(target)
      this.passFlows(target, 'request')
      this.phase = 'target'
      this.state = 'TARGET_REQ_SENT'
      const pending = this.callTarget(target.connection, target)
      if (pending) return pending.then(() => this.afterTarget(target))
      this.afterTarget(target)
      return undefined
    }
    if (route.connection) {
      this.fixed.targetUrl = route.connection.url
      this.phase = 'target'
      this.state = 'TARGET_REQ_SENT'
      return this.callTarget(route.connection, this.route.endpoint)
    }
    return undefined
  }

  private async runTargetEndpoint(target: CompiledTargetEndpoint): Promise<void> {
    await this.runRequestFlows(target)
    this.phase = 'target'
    this.state = 'TARGET_REQ_SENT'
    await this.callTarget(target.connection, target)
    this.state = 'TARGET_RESP_FLOW'
    this.phase = 'target-response'
    await this.runResponseFlows(target, this.targetFlow)
  }

  /** A TargetEndpoint without steps after its target answered: only the bookkeeping of its response flows. */
  private afterTarget(target: CompiledTargetEndpoint): void {
    this.state = 'TARGET_RESP_FLOW'
    this.phase = 'target-response'
    this.vars.current = 'response'
    this.passFlows(target, 'response')
  }

  /** What running an endpoint's empty flows would leave behind: the current flow name, no selected Flow. */
  private passFlows(endpoint: CompiledEndpoint, direction: 'request' | 'response'): void {
    this.vars.current = direction
    if (direction === 'request') {
      if (endpoint.kind === 'proxy') this.proxyFlow = null
      else this.targetFlow = null
    }
    this.enterFlow(endpoint, endpoint.postFlow, direction)
  }

  // ---- steps ----------------------------------------------------------------------------------

  private async runStep(step: CompiledStep, endpoint: CompiledEndpoint, flow: 'request' | 'response' | 'error'): Promise<PolicyFault | null> {
    const policy = step.policy
    const recorder: AccessRecorder = { reads: [], writes: [] }
    const started = performance.now()
    const notes: string[] = []
    const base = {
      flow: this.flowName,
      endpoint: endpointLabel(endpoint),
      policy: policy.name,
      policyType: policy.type
    }
    if (step.condition) {
      const result = this.evaluate(step.condition, recorder)
      if (!result) {
        this.pushStep('policy', {
          ...base,
          condition: step.condition.source,
          conditionResult: false,
          executed: false,
          skippedReason: 'condition-false',
          durationMs: performance.now() - started,
          reads: recorder.reads,
          writes: []
        })
        return null
      }
    }
    if (policy.unsupported && this.route.proxy.source.skipPolicies?.includes(policy.name)) {
      this.pushStep('policy', {
        ...base,
        ...(step.condition ? { condition: step.condition.source, conditionResult: true } : {}),
        description: 'marked skip in Gatelab',
        executed: false,
        skippedReason: 'marked-skip',
        durationMs: 0,
        reads: recorder.reads,
        writes: []
      })
      return null
    }
    if (!policy.enabled) {
      this.pushStep('policy', {
        ...base,
        ...(step.condition ? { condition: step.condition.source, conditionResult: true } : {}),
        executed: false,
        skippedReason: 'disabled',
        durationMs: 0,
        reads: recorder.reads,
        writes: []
      })
      return null
    }
    let fault: PolicyFault | null = null
    let answered: FlowResponse | null = null
    this.vars.recorder = recorder
    try {
      await policy.handler.execute(policy.config, this.policyContext(policy, flow, notes))
    } catch (e) {
      if (e instanceof FlowResponse && flow === 'request') answered = e
      else {
        fault = this.toFault(e, policy)
        this.setFaultVariables(fault, policy)
      }
    } finally {
      this.vars.recorder = null
    }
    // Steps on the hot path are built in one literal, optional fields added after: spreads and a
    // completed-afterwards object cost more than the policy itself for fast policies.
    const executed: TraceStep = {
      index: this.stepCount++,
      kind: 'policy',
      phase: this.phase,
      flow: base.flow,
      endpoint: base.endpoint,
      policy: base.policy,
      policyType: base.policyType,
      executed: true,
      startedAt: this.timestamp(),
      durationMs: performance.now() - started,
      reads: recorder.reads,
      writes: recorder.writes
    }
    if (step.condition) {
      executed.condition = step.condition.source
      executed.conditionResult = true
    }
    if (notes.length > 0) executed.description = notes.join('; ')
    if (fault) {
      executed.error = stepError(fault)
      executed.continueOnError = policy.continueOnError
    }
    this.steps.push(executed)
    if (answered) {
      this.vars.response = new HttpMessage({ status: answered.status, headers: answered.headers, body: answered.body })
      throw answered
    }
    if (!fault) return null
    if (policy.continueOnError) return null
    if (flow === 'error') return fault
    throw new FlowFault(fault, endpoint, this.state)
  }

  private policyContext(policy: CompiledPolicy, flow: 'request' | 'response' | 'error', notes: string[]): PolicyContext {
    const route = this.route
    return {
      policyName: policy.name,
      variables: this.vars,
      request: this.request,
      response: this.vars.response,
      flow,
      environment: route.environment,
      proxy: route.proxyInfo,
      services: route.services,
      note: (text: string) => {
        notes.push(text)
      },
      setHeadersOnSend: (headers: Array<[string, string]>) => {
        this.headersOnSend = this.headersOnSend ? [...this.headersOnSend, ...headers] : headers
      }
    }
  }

  private evaluate(condition: CompiledCondition | null, recorder: AccessRecorder): boolean {
    if (!condition) return true
    const previous = this.vars.recorder
    this.vars.recorder = recorder
    try {
      return evaluateCondition(condition.ast, (name) => this.vars.get(name))
    } finally {
      this.vars.recorder = previous
    }
  }

  // ---- target ---------------------------------------------------------------------------------

  /** Sends the request to the target; synchronous for the echo target, a promise for real HTTP targets. */
  private callTarget(connection: TargetConnection, endpoint: CompiledEndpoint): Promise<void> | undefined {
    const started = performance.now()
    if (connection.unsupported) this.targetFailed(runtimeFault(unsupportedTarget(connection.unsupported, endpoint.name)), `<${connection.unsupported}>`, endpoint, started)
    const vars = this.vars
    // Nothing written: target.url is the one the route set, and the suffix is the fixed one.
    const untouched = vars.untouched
    const baseUrl = untouched ? this.fixed.targetUrl : vars.peekPlain('target.url')
    const copySuffix = isNotFalse(this.unfixed('target.copy.pathsuffix'))
    const copyQuery = isNotFalse(this.unfixed('target.copy.queryparams'))
    const url = targetUrl(
      typeof baseUrl === 'string' && baseUrl !== '' ? baseUrl : connection.url,
      copySuffix ? (untouched ? this.fixed.pathSuffix : String(vars.peekPlain('proxy.pathsuffix') ?? '')) : '',
      copyQuery ? this.request.querystring : ''
    )
    let headers = withoutHopByHop(this.request.headerSnapshot())
    // Target <Authentication>: the stand-in Google token goes with the request, and the trace says so.
    let authNote: string | undefined
    if (connection.authentication) {
      const lookup = (name: string): string | undefined => vars.getString(name)
      ;({ headers, note: authNote } = attachGoogleToken(headers, connection.authentication, lookup, url))
    }
    this.targetRequestPart =
      authNote === undefined && isAsReceived(this.request, this.received) ? url : { method: this.request.verb, url, headers, body: this.request.body }
    if (isEchoUrl(url)) {
      let response: HttpMessage
      try {
        response = this.echo(url, headers)
      } catch (e) {
        this.targetFailed(e, url, endpoint, started)
      }
      const described = authNote === undefined ? endpoint.echoAnsweredStep : `${endpoint.echoAnsweredStep.step.description}; ${authNote}`
      this.targetAnswered(response, described, connection, endpoint, started)
      return undefined
    }
    return this.callHttpTarget(url, headers, connection, endpoint, started, authNote)
  }

  private async callHttpTarget(
    url: string,
    headers: Array<[string, string]>,
    connection: TargetConnection,
    endpoint: CompiledEndpoint,
    started: number,
    authNote?: string
  ): Promise<void> {
    let response: HttpMessage
    try {
      const answer = await this.route.services.http.send({
        method: this.request.verb,
        url,
        headers,
        body: this.request.body,
        timeoutMs: connection.timeoutMs
      })
      response = new HttpMessage({
        status: answer.status,
        reasonPhrase: answer.reasonPhrase || reasonPhraseFor(answer.status),
        headers: withoutHopByHop(answer.headers),
        body: answer.body
      })
    } catch (e) {
      this.targetFailed(e, url, endpoint, started)
    }
    const answered = `${this.request.verb} ${url} answered ${response.status}`
    this.targetAnswered(response, authNote === undefined ? answered : `${answered}; ${authNote}`, connection, endpoint, started)
  }

  private targetFailed(e: unknown, url: string, endpoint: CompiledEndpoint, started: number): never {
    const fault = e instanceof OutboundError ? runtimeFault(outboundFaultSpec(e)) : this.toFault(e, undefined)
    this.setFaultVariables(fault, undefined)
    this.pushStep('target', {
      endpoint: endpointLabel(endpoint),
      description: `${this.request.verb} ${url} failed: ${(e as Error).message}`,
      executed: true,
      durationMs: performance.now() - started,
      reads: NOTHING,
      writes: NOTHING,
      error: stepError(fault)
    })
    throw new FlowFault(fault, endpoint, this.state)
  }

  private targetAnswered(
    response: HttpMessage,
    description: string | StepTemplate,
    connection: TargetConnection,
    endpoint: CompiledEndpoint,
    started: number
  ): void {
    this.vars.response = response
    const now = performance.now()
    const receivedAfter = this.elapsedMs(now)
    this.fixed.targetReceivedAfter = receivedAfter
    this.targetResponseRaw = { status: response.status, reasonPhrase: response.reasonPhrase, headers: response.headerSnapshot(), body: response.body }
    const success = connection.successCodes(response.status)
    if (success && description instanceof StepTemplate) {
      this.addTemplateStep(description, receivedAfter, Math.round((now - started) * 1000))
      return
    }
    const fault = success ? null : new TargetResponseFault(targetErrorResponse(response.status), { category: 'Messaging' })
    if (fault) this.setFaultVariables(fault, undefined)
    const traced: TraceStep = {
      index: this.stepCount++,
      kind: 'target',
      phase: this.phase,
      endpoint: endpointLabel(endpoint),
      description: description instanceof StepTemplate ? description.step.description! : description,
      executed: true,
      startedAt: this.fixed.startedAt + receivedAfter,
      durationMs: now - started,
      reads: NOTHING,
      writes: NOTHING
    }
    if (fault) traced.error = stepError(fault)
    this.steps.push(traced)
    if (fault) throw new FlowFault(fault, endpoint, this.state)
  }

  /** The built-in echo target: the request it received as JSON. Written by hand: it is the benchmark's hot path. */
  private echo(url: string, headers: Array<[string, string]>): HttpMessage {
    // `echo:`, `echo://`, `echo:///x`: the scheme and the slashes after it go.
    let from = ECHO_SCHEME.length
    while (url.charCodeAt(from) === 47) from++
    const q = url.indexOf('?', from)
    const path = `/${url.slice(from, q < 0 ? url.length : q)}`
    const names: string[] = []
    const values: string[] = []
    if (q >= 0) parseUrlEncodedInto(url.slice(q + 1), names, values)
    const headerNames = new Array<string>(headers.length)
    const headerValues = new Array<string>(headers.length)
    for (let i = 0; i < headers.length; i++) {
      headerNames[i] = headers[i]![0].toLowerCase()
      headerValues[i] = headers[i]![1]
    }
    const body =
      `{"method":${jsonString(this.request.verb)},"path":${jsonString(path)},"query":${jsonObject(names, values, false)},` +
      `"headers":${jsonObject(headerNames, headerValues, true)},"body":${jsonString(this.request.content)},"variables":{${this.echoVariables()}}}`
    return new HttpMessage({ status: 200, headers: ECHO_HEADERS, body: encodeUtf8(body) })
  }

  /** The echo target's `variables` members. Without writes, only the path suffix differs between requests of a route. */
  private echoVariables(): string {
    if (this.vars.untouched) {
      const members = (this.route.echoMembers ??= echoMembersOf(this.route, this.fixed))
      return `${members.head},"proxy.pathsuffix":${jsonString(this.fixed.pathSuffix)}${members.tail}`
    }
    let variables = ''
    for (const name of ECHO_VARIABLES) variables += echoMember(name, this.vars.peek(name), variables === '')
    return variables
  }

  // ---- faults ---------------------------------------------------------------------------------

  private toFault(e: unknown, policy: CompiledPolicy | undefined): PolicyFault {
    if (e instanceof FlowFault) return e.fault
    if (e instanceof PolicyFault) {
      return policy && !e.options.policy ? new PolicyFault(e.spec, { ...e.options, policy: policy.name }) : e
    }
    const message = e instanceof Error ? e.message : String(e)
    return new PolicyFault(internalPolicyError(policy?.name ?? 'runtime', message), { ...(policy ? { policy: policy.name } : {}) })
  }

  private setFaultVariables(fault: PolicyFault, policy: CompiledPolicy | undefined): void {
    const { spec, options } = fault
    this.vars.set('fault.name', spec.name)
    this.vars.set('fault.reason', spec.faultstring)
    this.vars.set('fault.category', options.category ?? 'Step')
    this.vars.set('fault.subcategory', options.subcategory ?? (policy ? policy.type : 'Messaging'))
    if (policy) {
      const prefix = `${policy.handler.faultVariablePrefix}.${policy.name}`
      this.vars.set(`${prefix}.failed`, true)
      this.vars.set(`${prefix}.fault.name`, spec.name)
      this.vars.set(`${prefix}.fault.cause`, options.cause ?? spec.faultstring)
    }
  }

  private faultResponse(fault: PolicyFault): HttpMessage {
    const { spec, options } = fault
    if (options.response) {
      const r = options.response
      return new HttpMessage({
        status: r.status,
        reasonPhrase: r.reasonPhrase ?? reasonPhraseFor(r.status),
        headers: r.headers,
        body: r.body
      })
    }
    return new HttpMessage({
      status: spec.status,
      headers: [['Content-Type', 'application/json'], ...(options.headers ?? [])],
      body: faultEnvelope(spec.faultstring, spec.errorcode, options.detail ?? {})
    })
  }

  private async runErrorFlow(flowFault: FlowFault): Promise<void> {
    const { fault, endpoint } = flowFault
    this.traceFault = this.describeFault(fault)
    this.phase = 'error'
    if (!(fault instanceof TargetResponseFault)) this.vars.response = this.faultResponse(fault)
    this.vars.inErrorFlow = true
    this.vars.current = 'response'
    const store = this.vars.store
    store.set('is.error', true)
    store.set('error', this.vars.response)
    store.set('error.message', fault.spec.faultstring)
    store.set('error.state', flowFault.state)
    store.set('error.reason.phrase', this.vars.response.reasonPhrase)

    const outcome = { ruleRan: false, raisedInRule: false }
    await this.runFaultRules(endpoint, outcome)
    const proxyEndpoint = this.route.endpoint
    if (endpoint.kind === 'target') {
      const targetDefault = endpoint.defaultFaultRule
      let targetDefaultRan = false
      if (targetDefault && !outcome.raisedInRule && (!outcome.ruleRan || targetDefault.alwaysEnforce)) {
        await this.runDefaultFaultRule(endpoint, targetDefault, outcome)
        targetDefaultRan = true
      }
      const proxyDefault = proxyEndpoint.defaultFaultRule
      if (proxyDefault && !outcome.raisedInRule && ((!outcome.ruleRan && !targetDefaultRan) || proxyDefault.alwaysEnforce)) {
        await this.runDefaultFaultRule(proxyEndpoint, proxyDefault, outcome)
      }
    } else {
      const proxyDefault = endpoint.defaultFaultRule
      if (proxyDefault && !outcome.raisedInRule && (!outcome.ruleRan || proxyDefault.alwaysEnforce)) {
        await this.runDefaultFaultRule(endpoint, proxyDefault, outcome)
      }
    }
    this.vars.inErrorFlow = false
  }

  private async runFaultRules(endpoint: CompiledEndpoint, outcome: { ruleRan: boolean; raisedInRule: boolean }): Promise<void> {
    // ProxyEndpoint FaultRules are evaluated bottom-up, TargetEndpoint ones top-down (reference 9.3 rule 3).
    const rules = endpoint.kind === 'proxy' ? [...endpoint.faultRules].reverse() : endpoint.faultRules
    for (const rule of rules) {
      const recorder: AccessRecorder = { reads: [], writes: [] }
      const matched = this.evaluate(rule.condition, recorder)
      this.flowName = `FaultRule:${rule.name}`
      this.pushStep('fault-rule', {
        flow: this.flowName,
        endpoint: endpointLabel(endpoint),
        description: matched ? `FaultRule ${rule.name} runs` : `FaultRule ${rule.name} did not match`,
        ...(rule.condition ? { condition: rule.condition.source, conditionResult: matched } : {}),
        executed: matched,
        ...(matched ? {} : { skippedReason: 'condition-false' as const }),
        durationMs: 0,
        reads: recorder.reads,
        writes: []
      })
      if (!matched) continue
      outcome.ruleRan = true
      this.vars.flowName = rule.name
      await this.runErrorSteps(rule.steps, endpoint, outcome)
      return
    }
  }

  private async runDefaultFaultRule(
    endpoint: CompiledEndpoint,
    rule: { name: string; steps: CompiledStep[]; alwaysEnforce: boolean },
    outcome: { ruleRan: boolean; raisedInRule: boolean }
  ): Promise<void> {
    this.flowName = 'DefaultFaultRule'
    this.pushStep('fault-rule', {
      flow: this.flowName,
      endpoint: endpointLabel(endpoint),
      description: `DefaultFaultRule ${rule.name} runs${rule.alwaysEnforce ? ' (AlwaysEnforce)' : ''}`,
      executed: true,
      durationMs: 0,
      reads: [],
      writes: []
    })
    this.vars.flowName = rule.name
    await this.runErrorSteps(rule.steps, endpoint, outcome)
  }

  private async runErrorSteps(steps: CompiledStep[], endpoint: CompiledEndpoint, outcome: { raisedInRule: boolean }): Promise<void> {
    for (const step of steps) {
      const raised = await this.runStep(step, endpoint, 'error')
      if (raised) {
        // A fault inside a FaultRule (typically RaiseFault) replaces the response; the rule's remaining steps still run.
        outcome.raisedInRule = true
        this.vars.response = this.faultResponse(raised)
        this.vars.store.set('error', this.vars.response)
        this.vars.store.set('error.message', raised.spec.faultstring)
      }
    }
  }

  private async runPostClientFlow(flow: CompiledFlow): Promise<void> {
    const endpoint = this.route.endpoint
    this.phase = 'post-client'
    this.vars.store.set('client.sent.end.timestamp', this.timestamp())
    this.vars.current = 'response'
    this.flowName = 'PostClientFlow'
    this.vars.flowName = 'PostClientFlow'
    for (const step of flow.response) {
      try {
        // Faults in PostClientFlow cannot change what the client already received; they are traced only.
        await this.runStep(step, endpoint, 'response')
      } catch {
        continue
      }
    }
  }

  private describeFault(fault: PolicyFault): TraceFault {
    const variables: Record<string, string> = {}
    const masker = this.route.masker
    for (const [name, value] of this.vars.store) {
      if (name.startsWith('fault.') || /\.fault\.(name|cause)$/.test(name) || name.endsWith('.failed')) {
        variables[name] = masker.variable(name, String(value)) ?? ''
      }
    }
    return {
      name: fault.spec.name,
      errorcode: fault.spec.errorcode,
      faultstring: fault.spec.faultstring,
      status: fault.options.response?.status ?? fault.spec.status,
      ...(fault.options.policy ? { policy: fault.options.policy } : {}),
      ...(fault.options.cause ? { cause: fault.options.cause } : {}),
      variables
    }
  }

  // ---- trace ----------------------------------------------------------------------------------

  private pushStep(kind: TraceStepKind, step: Omit<TraceStep, 'index' | 'kind' | 'phase' | 'startedAt'>): void {
    // Completes the caller's object instead of copying it: one object per step.
    const full = step as TraceStep
    full.index = this.stepCount++
    full.kind = kind
    full.phase = this.phase
    full.startedAt = this.timestamp()
    this.steps.push(full)
  }

  /** A variable that is not a fixed one: while nothing was written, only the environment can hold it. */
  private unfixed(name: string): unknown {
    return this.vars.untouched ? this.route.environmentValues.get(name) : this.vars.peekPlain(name)
  }

  /** Whole milliseconds from the exchange's start to the performance.now() reading `now`. */
  private elapsedMs(now: number): number {
    return Math.round(now - this.startMark)
  }

  /**
   * A time inside the exchange: its start plus the real time since, so that every step of a trace is
   * timed on one clock (the engine clock may be frozen or moved while an exchange waits).
   */
  private timestamp(): number {
    return this.fixed.startedAt + this.elapsedMs(performance.now())
  }

  /** A bookkeeping step: its shared template, when it happened (ms into the exchange) and its duration in whole microseconds. */
  private addTemplateStep(template: StepTemplate, startedAfter: number, micros: number): void {
    this.stepCount++
    this.steps.push(template, startedAfter, micros)
  }

  private buildTrace(sent: GatewayResponse): TraceRecord {
    const received = this.received
    const vars = this.vars
    const app = this.unfixed('developer.app.name')
    const clientId = this.unfixed('client_id')
    const targetResponse = this.targetResponseRaw
    return this.fixed.finish({
      durationMicros: Math.round((performance.now() - this.startMark) * 1000),
      steps: this.steps,
      fault: this.traceFault,
      app: typeof app === 'string' && app !== '' ? app : null,
      clientId: typeof clientId === 'string' && clientId !== '' ? clientId : null,
      targetRequest: this.targetRequestPart,
      targetResponse: targetResponse && sameMessage(targetResponse, sent) ? sent : targetResponse,
      sent,
      written: vars.writtenValues,
      flowName: vars.flowName,
      flowDescription: vars.flowDescription,
      requestMessage: isAsReceived(vars.request, received) ? null : vars.request,
      responseMessage: isAsSent(vars.response, sent) ? null : vars.response
    })
  }
}

/** True for a URL the built-in echo target answers: `echo:` in any case (compared in place, no copy). */
function isEchoUrl(url: string): boolean {
  for (let i = 0; i < ECHO_SCHEME.length; i++) {
    const want = ECHO_SCHEME.charCodeAt(i)
    // NaN past the end of the URL; the scheme's letters also match upper-cased.
    const c = url.charCodeAt(i)
    if (c !== want && !(want >= 97 && want <= 122 && c === want - 32)) return false
  }
  return true
}

/** A `target.copy.*` flag: on unless set to "false" (any case). */
function isNotFalse(value: unknown): boolean {
  return value === undefined || value === null || value === true || String(value).toLowerCase() !== 'false'
}

function isAsReceived(message: RequestMessage, received: GatewayRequest): boolean {
  return (
    message.headerEntries() === received.headers &&
    message.body === received.body &&
    (message.verb === received.method || message.verb === received.method.toUpperCase()) &&
    message.isUri(received.url)
  )
}

function isAsSent(message: HttpMessage, sent: GatewayResponse): boolean {
  return message.status === sent.status && message.reasonPhrase === sent.reasonPhrase && message.headerEntries() === sent.headers && message.body === sent.body
}

/** `"name":"value"` (with a leading comma unless first), or nothing for an unset variable. */
function echoMember(name: string, value: unknown, first: boolean): string {
  return value === undefined || value === null ? '' : `${first ? '' : ','}"${name}":${JSON.stringify(String(value))}`
}

/**
 * The echo variables of a route when the exchange wrote none: the deployment's fixed values and the
 * environment's variables, split around `proxy.pathsuffix`, the only one that differs per request.
 */
function echoMembersOf(route: ExchangeRoute, fixed: FixedVariables): { head: string; tail: string } {
  const valueOf = (name: string): unknown => fixed.lookup(name) ?? route.environmentValues.get(name)
  const at = ECHO_VARIABLES.indexOf('proxy.pathsuffix')
  let head = ''
  for (const name of ECHO_VARIABLES.slice(0, at)) head += echoMember(name, valueOf(name), head === '')
  let tail = ''
  for (const name of ECHO_VARIABLES.slice(at + 1)) tail += echoMember(name, valueOf(name), false)
  return { head, tail }
}

/** JSON.stringify for a string: short ones with nothing to escape are quoted as they are (half the cost). */
function jsonString(text: string): string {
  if (text.length > 64) return JSON.stringify(text)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    // Control characters, quote, backslash and surrogates (a lone one is escaped) take the full path.
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text)
  }
  return `"${text}"`
}

/**
 * A JSON object from parallel name and value lists. Repeated names: values joined with ", " (headers),
 * or an array (query params).
 */
function jsonObject(names: string[], values: string[], joinRepeated: boolean): string {
  let repeated = names.length > 16
  // A quadratic scan beats a map for the handful of names requests have; long lists take the map.
  for (let i = 1; i < names.length && !repeated; i++) for (let j = 0; j < i && !repeated; j++) repeated = names[j] === names[i]
  let out = ''
  if (!repeated) {
    for (let i = 0; i < names.length; i++) out += `${i === 0 ? '' : ','}${jsonString(names[i]!)}:${jsonString(values[i]!)}`
    return `{${out}}`
  }
  const seen = new Map<string, string[]>()
  for (let i = 0; i < names.length; i++) {
    const list = seen.get(names[i]!)
    if (list) list.push(values[i]!)
    else seen.set(names[i]!, [values[i]!])
  }
  for (const [name, list] of seen) {
    const value = list.length === 1 || joinRepeated ? JSON.stringify(list.join(', ')) : JSON.stringify(list)
    out += `${out === '' ? '' : ','}${JSON.stringify(name)}:${value}`
  }
  return `{${out}}`
}

/** True when the response went out exactly as the target sent it: the trace then keeps one object for both. */
function sameMessage(a: RawSnapshot, b: GatewayResponse): boolean {
  return a.status === b.status && a.reasonPhrase === b.reasonPhrase && a.headers === b.headers && a.body === b.body
}

function hasRequestWork(endpoint: CompiledEndpoint): boolean {
  return endpoint.flows.length > 0 || endpoint.preFlow.request.length > 0 || endpoint.postFlow.request.length > 0
}

function hasResponseWork(endpoint: CompiledEndpoint): boolean {
  if (endpoint.preFlow.response.length > 0 || endpoint.postFlow.response.length > 0) return true
  for (const flow of endpoint.flows) if (flow.response.length > 0) return true
  return false
}

function flowLabel(flow: CompiledFlow, endpoint: CompiledEndpoint): string {
  if (flow === endpoint.preFlow) return 'PreFlow'
  if (flow === endpoint.postFlow) return 'PostFlow'
  if (endpoint.kind === 'proxy' && flow === endpoint.postClientFlow) return 'PostClientFlow'
  return `Flow:${flow.name}`
}

function endpointLabel(endpoint: CompiledEndpoint): string {
  return endpoint.label
}

function stepError(fault: PolicyFault): { name: string; errorcode: string; faultstring: string; status: number } {
  return {
    name: fault.spec.name,
    errorcode: fault.spec.errorcode,
    faultstring: fault.spec.faultstring,
    status: fault.options.response?.status ?? fault.spec.status
  }
}

/** Joins the target URL with the path suffix and query string, as Apigee forwards them. */
export function targetUrl(base: string, pathSuffix: string, query: string): string {
  const q = base.indexOf('?')
  const basePath = q < 0 ? base : base.slice(0, q)
  const baseQuery = q < 0 ? '' : base.slice(q + 1)
  let joined = basePath
  if (pathSuffix !== '') joined = basePath.endsWith('/') && pathSuffix.startsWith('/') ? basePath + pathSuffix.slice(1) : basePath + pathSuffix
  const queries = baseQuery !== '' && query !== '' ? `${baseQuery}&${query}` : baseQuery + query
  return queries !== '' ? `${joined}?${queries}` : joined
}

function outboundFaultSpec(e: OutboundError) {
  switch (e.code) {
    case 'connection-refused':
      return targetServiceUnavailable
    case 'timeout':
      return targetGatewayTimeout
    case 'unexpected-eof':
      return targetUnexpectedEof
    case 'dns':
      return targetDnsFailure
    default:
      return targetBadGateway
  }
}
