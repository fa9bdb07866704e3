/**
 * Flow variables of one exchange. Message variables (request.*, response.*, message.*, error.*)
 * are views over the live messages, so a write to `request.header.X` changes the request; every
 * other variable lives in a plain map. Reads and writes are recorded for the current trace step.
 */
import type { VariableAccess } from '../../shared/trace'
import type { FlowVariables } from '../policies/types'
import { HttpMessage, RequestMessage, reasonPhraseFor } from './message'

/** Where the current step's variable reads and writes are collected. */
export interface AccessRecorder {
  reads: VariableAccess[]
  writes: VariableAccess[]
}

/** Variables whose values are fixed when an exchange starts, resolved without building a map per request. */
export interface FixedVariables {
  names: readonly string[]
  lookup(name: string): unknown
}

const NO_FIXED_VARIABLES: FixedVariables = { names: [], lookup: () => undefined }

/** Turns a variable value into the string Apigee would show for it; undefined when unresolved. */
export function variableToString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (Array.isArray(value)) return `[${value.map((v) => variableToString(v) ?? 'null').join(', ')}]`
  if (value instanceof HttpMessage) return value instanceof RequestMessage ? `[request ${value.verb} ${value.uri}]` : `[response ${value.status}]`
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

/** The message a variable name refers to, and the rest of the name (`header.X`, `content`, ...). */
type MessageTarget = { msg: HttpMessage; rest: string; error: boolean } | undefined

type ParamForm = { name: string; form: 'value' | 'values' | 'count' | 'string' | 'index'; index: number }

function parseParamForm(rest: string): ParamForm {
  if (rest.endsWith('.values.count')) return { name: rest.slice(0, -13), form: 'count', index: 0 }
  if (rest.endsWith('.values.string')) return { name: rest.slice(0, -14), form: 'string', index: 0 }
  if (rest.endsWith('.values')) return { name: rest.slice(0, -7), form: 'values', index: 0 }
  const m = /^(.+)\.(\d+)$/.exec(rest)
  if (m) return { name: m[1]!, form: 'index', index: Number(m[2]) }
  return { name: rest, form: 'value', index: 0 }
}

function splitHeaderValues(lines: string[]): string[] {
  const out: string[] = []
  for (const line of lines) for (const part of line.split(',')) if (part.trim() !== '') out.push(part.trim())
  return out
}

function paramValue(values: string[], form: ParamForm, joinedValue: string | undefined): unknown {
  switch (form.form) {
    case 'count':
      return values.length
    case 'values':
      return values.length === 0 ? undefined : values
    case 'string':
      return values.length === 0 ? undefined : values.join(', ')
    case 'index':
      return values[form.index - 1]
    default:
      return joinedValue
  }
}

/** The flow variables of one exchange. */
export class ExchangeVariables implements FlowVariables {
  /** Variables written during the exchange; created on the first write (most exchanges write none). */
  private written: Map<string, unknown> | null = null
  /** How many stored values are messages; when none, `x.header.y` needs no message lookup. */
  private messagesStored = 0
  recorder: AccessRecorder | null = null
  /** Which message `message.*` refers to. */
  current: 'request' | 'response' = 'request'
  /** True while the error flow runs: `error.*` resolves only then. */
  inErrorFlow = false
  /** `current.flow.name` / `current.flow.description`, kept as fields because they change at every flow. */
  flowName = 'PreFlow'
  flowDescription = ''

  /** The response; an empty one is made when something asks for it before the target answered. */
  get response(): HttpMessage {
    return (this.responseMessage ??= new HttpMessage())
  }

  set response(message: HttpMessage) {
    this.responseMessage = message
  }

  constructor(
    readonly request: RequestMessage,
    private responseMessage: HttpMessage | undefined,
    /** Masks values as they are recorded into the trace. */
    private readonly masker: { variable(name: string, value: string | null): string | null } = { variable: (_n, v) => v },
    /** Values known when the exchange starts (messageid, proxy.*, client.*); writes shadow them. */
    private readonly fixed: FixedVariables = NO_FIXED_VARIABLES,
    /** The environment's variables, shared read-only by every exchange of the environment. */
    private readonly environmentValues: ReadonlyMap<string, string> = new Map()
  ) {}

  /** True while no variable was written or removed: every value is still a fixed, environment or message one. */
  get untouched(): boolean {
    return this.written === null
  }

  /** The map of written variables (created on demand). */
  get store(): Map<string, unknown> {
    return (this.written ??= new Map())
  }

  get(name: string): unknown {
    const value = this.resolve(name)
    if (this.recorder) this.recorder.reads.push({ name, value: this.masker.variable(name, variableToString(value) ?? null) })
    return value
  }

  getString(name: string): string | undefined {
    return variableToString(this.get(name))
  }

  /** Reads without recording (the runtime's own bookkeeping). */
  peek(name: string): unknown {
    return this.resolve(name)
  }

  /**
   * peek() for a name that is neither a message variable nor a special one (`request`, `current.flow.name`, ...):
   * the runtime's own reads of `target.url`, `client_id` and the like skip those checks.
   */
  peekPlain(name: string): unknown {
    if (this.messagesStored > 0) return this.resolve(name)
    if (this.written !== null && this.written.has(name)) return this.written.get(name)
    const fixed = this.fixed.lookup(name)
    return fixed !== undefined ? fixed : this.environmentValues.get(name)
  }

  /** Written variables (null when none were): with the flow fields and the messages, what snapshot() reads. */
  get writtenValues(): ReadonlyMap<string, unknown> | null {
    return this.written
  }

  set(name: string, value: unknown): void {
    // The message a name refers to is looked up once for reading the previous value and for writing.
    const target = this.messageFor(name)
    if (this.recorder) {
      const previous = variableToString(this.resolveIn(name, target)) ?? null
      this.assign(name, value, target)
      this.recorder.writes.push({
        name,
        value: this.masker.variable(name, variableToString(value) ?? null),
        previous: this.masker.variable(name, previous)
      })
    } else {
      this.assign(name, value, target)
    }
  }

  remove(name: string): void {
    if (this.recorder) {
      const previous = variableToString(this.resolve(name)) ?? null
      this.unassign(name)
      this.recorder.writes.push({ name, value: null, previous: this.masker.variable(name, previous) })
    } else {
      this.unassign(name)
    }
  }

  snapshot(): Record<string, string> {
    return snapshotVariables({
      environmentValues: this.environmentValues,
      fixed: this.fixed,
      written: this.written,
      flowName: this.flowName,
      flowDescription: this.flowDescription,
      request: this.request,
      response: this.response
    })
  }

  private messageFor(name: string): MessageTarget {
    if (name.startsWith('request.')) return { msg: this.request, rest: name.slice(8), error: false }
    if (name.startsWith('response.')) return { msg: this.response, rest: name.slice(9), error: false }
    if (name.startsWith('message.')) {
      return { msg: this.current === 'request' ? this.request : this.response, rest: name.slice(8), error: false }
    }
    if (this.inErrorFlow && name.startsWith('error.')) return { msg: this.response, rest: name.slice(6), error: true }
    const dot = this.messagesStored > 0 ? name.indexOf('.') : -1
    if (dot > 0) {
      const stored = this.written?.get(name.slice(0, dot))
      if (stored instanceof HttpMessage) return { msg: stored, rest: name.slice(dot + 1), error: false }
    }
    return undefined
  }

  private resolve(name: string): unknown {
    return this.resolveIn(name, this.messageFor(name))
  }

  private resolveIn(name: string, target: MessageTarget): unknown {
    if (target) {
      const value = readMessageVariable(target.msg, target.rest)
      if (value !== undefined) return value
    }
    if (name === 'message') return this.current === 'request' ? this.request : this.response
    if (name === 'request') return this.request
    if (name === 'response') return this.response
    if (name === 'error' && this.inErrorFlow) return this.response
    if (name === 'current.flow.name') return this.flowName
    if (name === 'current.flow.description') return this.flowDescription
    // A removed variable is stored as undefined so that it also hides a fixed or environment value.
    if (this.written !== null && this.written.has(name)) return this.written.get(name)
    const fixed = this.fixed.lookup(name)
    if (fixed !== undefined) return fixed
    return this.environmentValues.get(name)
  }

  private assign(name: string, value: unknown, target: MessageTarget): void {
    if (target && writeMessageVariable(target.msg, target.rest, value)) return
    if (value instanceof HttpMessage) this.messagesStored++
    this.store.set(name, value)
  }

  private unassign(name: string): void {
    const target = this.messageFor(name)
    if (target && removeMessageVariable(target.msg, target.rest)) return
    this.store.set(name, undefined)
  }
}

/** What a variables snapshot is computed from. */
export interface VariableSnapshotParts {
  environmentValues: ReadonlyMap<string, string>
  fixed: FixedVariables
  written: ReadonlyMap<string, unknown> | null
  flowName: string
  flowDescription: string
  request: RequestMessage
  response: HttpMessage
}

/** Every variable's value as text (unmasked), as a trace shows them. */
export function snapshotVariables(parts: VariableSnapshotParts): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of parts.environmentValues) out[name] = value
  for (const name of parts.fixed.names) {
    const text = variableToString(parts.fixed.lookup(name))
    if (text !== undefined) out[name] = text
  }
  for (const [name, value] of parts.written ?? []) {
    if (value === undefined) {
      delete out[name]
      continue
    }
    if (value instanceof HttpMessage) continue
    const text = variableToString(value)
    if (text !== undefined) out[name] = text
  }
  out['current.flow.name'] = parts.flowName
  out['current.flow.description'] = parts.flowDescription
  const req = parts.request
  out['request.verb'] = req.verb
  out['request.uri'] = req.uri
  out['request.path'] = req.path
  out['request.querystring'] = req.querystring
  for (const n of req.headerNames()) out[`request.header.${n}`] = req.getHeaderValues(n).join(', ')
  for (const [n, v] of req.queryParams()) out[`request.queryparam.${n}`] ??= v
  for (const [n, v] of req.formParams()) out[`request.formparam.${n}`] ??= v
  out['response.status.code'] = String(parts.response.status)
  out['response.reason.phrase'] = parts.response.reasonPhrase
  for (const n of parts.response.headerNames()) out[`response.header.${n}`] = parts.response.getHeaderValues(n).join(', ')
  return out
}

/** Reads `header.X`, `content`, `status.code`, ... of a message; undefined when not a message variable. */
export function readMessageVariable(msg: HttpMessage, rest: string): unknown {
  if (rest.startsWith('header.')) {
    const form = parseParamForm(rest.slice(7))
    const lines = msg.getHeaderValues(form.name)
    if (form.form === 'value') return lines.length === 0 ? undefined : lines.join(', ')
    return paramValue(splitHeaderValues(lines), form, undefined)
  }
  switch (rest) {
    case 'content':
      return msg.content
    case 'headers.count':
      return msg.headerCount
    case 'headers.names':
      return msg.headerNames()
    case 'status.code':
    case 'status':
      return msg instanceof RequestMessage ? undefined : msg.status
    case 'reason.phrase':
      return msg instanceof RequestMessage ? undefined : msg.reasonPhrase
  }
  if (!(msg instanceof RequestMessage)) return undefined
  switch (rest) {
    case 'verb':
      return msg.verb
    case 'uri':
      return msg.uri
    case 'path':
      return msg.path
    case 'querystring':
      return msg.querystring
    case 'queryparams.count':
      return msg.queryParams().length
    case 'queryparams.names':
      return [...new Set(msg.queryParams().map(([n]) => n))]
    case 'formparams.count':
      return msg.formParams().length
    case 'formparams.names':
      return [...new Set(msg.formParams().map(([n]) => n))]
    case 'formstring':
      return msg.isForm() ? msg.content : undefined
  }
  if (rest.startsWith('queryparam.')) {
    const form = parseParamForm(rest.slice(11))
    const values = msg.queryParamValues(form.name)
    return paramValue(values, form, values[0])
  }
  if (rest.startsWith('formparam.')) {
    const form = parseParamForm(rest.slice(10))
    const values = msg.formParamValues(form.name)
    return paramValue(values, form, values[0])
  }
  return undefined
}

/** Writes a message variable; false when `rest` is not one (the caller then stores it as a plain variable). */
export function writeMessageVariable(msg: HttpMessage, rest: string, value: unknown): boolean {
  const text = variableToString(value) ?? ''
  if (rest.startsWith('header.')) {
    msg.setHeader(rest.slice(7), text)
    return true
  }
  switch (rest) {
    case 'content':
      msg.content = text
      return true
    case 'status.code':
    case 'status': {
      if (msg instanceof RequestMessage) return false
      const status = Number(text)
      if (!Number.isInteger(status) || status < 100 || status > 599) return false
      msg.status = status
      msg.reasonPhrase = reasonPhraseFor(status)
      return true
    }
    case 'reason.phrase':
      if (msg instanceof RequestMessage) return false
      msg.reasonPhrase = text
      return true
  }
  if (!(msg instanceof RequestMessage)) return false
  switch (rest) {
    case 'verb':
      msg.verb = text.toUpperCase()
      return true
    case 'uri':
      msg.uri = text
      return true
    case 'path':
      msg.path = text
      return true
    case 'querystring':
      msg.uri = text === '' ? msg.path : `${msg.path}?${text}`
      return true
  }
  if (rest.startsWith('queryparam.')) {
    msg.setQueryParam(rest.slice(11), text)
    return true
  }
  if (rest.startsWith('formparam.')) {
    msg.setFormParam(rest.slice(10), text)
    return true
  }
  return false
}

function removeMessageVariable(msg: HttpMessage, rest: string): boolean {
  if (rest.startsWith('header.')) {
    msg.removeHeader(rest.slice(7))
    return true
  }
  if (rest === 'content') {
    msg.content = ''
    return true
  }
  if (!(msg instanceof RequestMessage)) return false
  if (rest.startsWith('queryparam.')) {
    msg.removeQueryParam(rest.slice(11))
    return true
  }
  if (rest.startsWith('formparam.')) {
    msg.removeFormParam(rest.slice(10))
    return true
  }
  return false
}
