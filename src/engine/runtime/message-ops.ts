/**
 * The message edits AssignMessage and RaiseFault share (`<Copy>`, `<Remove>`, `<Add>`, `<Set>`,
 * `<AssignVariable>`): compiled once from XML, applied per request to one message.
 */
import { child, childText, children, xmlBoolean, type XmlElement } from '../bundle/xml'
import type { CompileContext, FlowVariables } from '../policies/types'
import { HttpMessage, RequestMessage, reasonPhraseFor } from './message'
import { compileTemplate, renderTemplate, type MessageTemplate } from './template'

interface NamedTemplate {
  name: string
  value: MessageTemplate
}

/** `null` = the whole collection (an empty `<Headers/>`), else the listed names. */
type NameSelection = string[] | 'all' | null

interface Collections<T> {
  headers: T
  queryParams: T
  formParams: T
}

export interface CopyEdit extends Collections<NameSelection> {
  source: string
  payload: boolean
  statusCode: boolean
  reasonPhrase: boolean
  verb: boolean
  path: boolean
}

export interface SetEdit extends Collections<NamedTemplate[]> {
  payload: { template: MessageTemplate; contentType: string | null } | null
  statusCode: MessageTemplate | null
  reasonPhrase: MessageTemplate | null
  verb: MessageTemplate | null
  path: MessageTemplate | null
}

export interface AssignVariableEdit {
  name: string
  ref: string | null
  template: MessageTemplate | null
  value: string | null
}

/** Every edit of one AssignMessage or FaultResponse, in Apigee's order of application. */
export interface MessageEdits {
  assignVariables: AssignVariableEdit[]
  copy: CopyEdit | null
  remove: (Collections<NameSelection> & { payload: boolean }) | null
  add: Collections<NamedTemplate[]> | null
  set: SetEdit | null
}

/** Compiles the edit elements found directly under `root`. */
export function compileMessageEdits(root: XmlElement, ctx: CompileContext): MessageEdits {
  const copyEl = child(root, 'Copy')
  const removeEl = child(root, 'Remove')
  const addEl = child(root, 'Add')
  const setEl = child(root, 'Set')
  return {
    assignVariables: children(root, 'AssignVariable').map((el) => compileAssignVariable(el, ctx)),
    copy: copyEl
      ? {
          source: copyEl.attributes['source'] || 'request',
          headers: selection(child(copyEl, 'Headers'), 'Header'),
          queryParams: selection(child(copyEl, 'QueryParams'), 'QueryParam'),
          formParams: selection(child(copyEl, 'FormParams'), 'FormParam'),
          payload: xmlBoolean(childText(copyEl, 'Payload'), false),
          statusCode: xmlBoolean(childText(copyEl, 'StatusCode'), false),
          reasonPhrase: xmlBoolean(childText(copyEl, 'ReasonPhrase'), false),
          verb: xmlBoolean(childText(copyEl, 'Verb'), false),
          path: xmlBoolean(childText(copyEl, 'Path'), false)
        }
      : null,
    remove: removeEl
      ? {
          headers: selection(child(removeEl, 'Headers'), 'Header'),
          queryParams: selection(child(removeEl, 'QueryParams'), 'QueryParam'),
          formParams: selection(child(removeEl, 'FormParams'), 'FormParam'),
          payload: xmlBoolean(childText(removeEl, 'Payload'), false)
        }
      : null,
    add: addEl
      ? {
          headers: namedTemplates(child(addEl, 'Headers'), 'Header', ctx),
          queryParams: namedTemplates(child(addEl, 'QueryParams'), 'QueryParam', ctx),
          formParams: namedTemplates(child(addEl, 'FormParams'), 'FormParam', ctx)
        }
      : null,
    set: setEl ? compileSet(setEl, ctx) : null
  }
}

function compileAssignVariable(el: XmlElement, ctx: CompileContext): AssignVariableEdit {
  const name = childText(el, 'Name') ?? ''
  if (name === '') ctx.error('InvalidVariableName', 'AssignVariable needs a non-empty <Name>', el)
  const refEl = child(el, 'Ref')
  const templateEl = child(el, 'Template')
  const valueEl = child(el, 'Value')
  return {
    name,
    ref: refEl && refEl.text !== '' ? refEl.text : null,
    template: templateEl ? compileTemplate(templateEl.text) : null,
    value: valueEl ? valueEl.text : null
  }
}

function compileSet(el: XmlElement, ctx: CompileContext): SetEdit {
  const payloadEl = child(el, 'Payload')
  const optional = (name: string): MessageTemplate | null => {
    const e = child(el, name)
    return e ? compileTemplate(e.text) : null
  }
  return {
    headers: namedTemplates(child(el, 'Headers'), 'Header', ctx),
    queryParams: namedTemplates(child(el, 'QueryParams'), 'QueryParam', ctx),
    formParams: namedTemplates(child(el, 'FormParams'), 'FormParam', ctx),
    payload: payloadEl
      ? {
          template: compileTemplate(
            payloadText(payloadEl),
            payloadEl.attributes['variablePrefix'] || '{',
            payloadEl.attributes['variableSuffix'] || '}'
          ),
          contentType: payloadEl.attributes['contentType'] ?? null
        }
      : null,
    statusCode: optional('StatusCode'),
    reasonPhrase: optional('ReasonPhrase'),
    verb: optional('Verb'),
    path: optional('Path')
  }
}

/** A payload may hold XML markup; rebuild it as text since the element tree split it into children. */
function payloadText(el: XmlElement): string {
  if (el.children.length === 0) return el.text
  return el.children.map(serialize).join('')
}

function serialize(el: XmlElement): string {
  const attrs = Object.entries(el.attributes)
    .map(([k, v]) => ` ${k}="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`)
    .join('')
  const inner = el.text + el.children.map(serialize).join('')
  return inner === '' ? `<${el.name}${attrs}/>` : `<${el.name}${attrs}>${inner}</${el.name}>`
}

function selection(container: XmlElement | undefined, itemName: string): NameSelection {
  if (!container) return null
  const items = children(container, itemName)
  if (items.length === 0) return 'all'
  return items.map((i) => i.attributes['name'] ?? i.text).filter((n) => n !== '')
}

function namedTemplates(container: XmlElement | undefined, itemName: string, ctx: CompileContext): NamedTemplate[] {
  if (!container) return []
  const out: NamedTemplate[] = []
  for (const item of children(container, itemName)) {
    const name = item.attributes['name'] ?? ''
    if (name === '') {
      ctx.error('InvalidName', `<${itemName}> needs a name attribute`, item)
      continue
    }
    out.push({ name, value: compileTemplate(item.text) })
  }
  return out
}

/** Thrown when an edit cannot be applied; the policy turns it into its own fault. */
export class MessageEditError extends Error {
  constructor(
    readonly code: 'UnresolvedVariable' | 'VariableOfNonMsgType' | 'InvalidStatusCode',
    readonly subject: string
  ) {
    super(`${code}: ${subject}`)
  }
}

/** Applies the AssignVariable edits. */
export function applyAssignVariables(edits: AssignVariableEdit[], variables: FlowVariables): void {
  for (const edit of edits) {
    if (edit.name === '') continue
    if (edit.ref !== null) {
      const value = variables.get(edit.ref)
      if (value !== undefined && value !== null) {
        variables.set(edit.name, value)
        continue
      }
    }
    if (edit.template !== null) {
      variables.set(edit.name, renderTemplate(edit.template, variables))
      continue
    }
    if (edit.value !== null) variables.set(edit.name, edit.value)
  }
}

/** Applies Copy, Remove, Add and Set to `target`, in that order. */
export function applyMessageEdits(edits: MessageEdits, target: HttpMessage, variables: FlowVariables): void {
  if (edits.copy) applyCopy(edits.copy, target, variables)
  if (edits.remove) {
    const r = edits.remove
    if (r.headers === 'all') for (const n of target.headerNames()) target.removeHeader(n)
    else for (const n of r.headers ?? []) target.removeHeader(n)
    if (target instanceof RequestMessage) {
      if (r.queryParams === 'all') target.uri = target.path
      else for (const n of r.queryParams ?? []) target.removeQueryParam(n)
      if (r.formParams === 'all') {
        if (target.isForm()) target.content = ''
      } else for (const n of r.formParams ?? []) target.removeFormParam(n)
    }
    if (r.payload) target.content = ''
  }
  if (edits.add) {
    for (const h of edits.add.headers) target.addHeader(h.name, renderTemplate(h.value, variables))
    if (target instanceof RequestMessage) {
      for (const q of edits.add.queryParams) target.addQueryParam(q.name, renderTemplate(q.value, variables))
      for (const f of edits.add.formParams) target.addFormParam(f.name, renderTemplate(f.value, variables))
    }
  }
  if (edits.set) {
    const s = edits.set
    for (const h of s.headers) target.setHeader(h.name, renderTemplate(h.value, variables))
    if (target instanceof RequestMessage) {
      for (const q of s.queryParams) target.setQueryParam(q.name, renderTemplate(q.value, variables))
      for (const f of s.formParams) target.setFormParam(f.name, renderTemplate(f.value, variables))
      if (s.verb) target.verb = renderTemplate(s.verb, variables).toUpperCase()
      if (s.path) target.path = renderTemplate(s.path, variables)
    }
    if (s.payload) {
      target.content = renderTemplate(s.payload.template, variables)
      if (s.payload.contentType) target.setHeader('Content-Type', s.payload.contentType)
    }
    if (s.statusCode && !(target instanceof RequestMessage)) {
      const text = renderTemplate(s.statusCode, variables).trim()
      const status = Number(text)
      if (!/^\d{3}$/.test(text) || status < 100 || status > 599) throw new MessageEditError('InvalidStatusCode', text)
      target.status = status
      target.reasonPhrase = reasonPhraseFor(status)
    }
    if (s.reasonPhrase && !(target instanceof RequestMessage)) target.reasonPhrase = renderTemplate(s.reasonPhrase, variables)
  }
}

function applyCopy(copy: CopyEdit, target: HttpMessage, variables: FlowVariables): void {
  const source = variables.get(copy.source)
  if (source === undefined || source === null) throw new MessageEditError('UnresolvedVariable', copy.source)
  if (!(source instanceof HttpMessage)) throw new MessageEditError('VariableOfNonMsgType', copy.source)
  if (source === target) return
  if (copy.headers === 'all') for (const [n, v] of source.headerList()) target.setHeader(n, v)
  else for (const n of copy.headers ?? []) {
    const values = source.getHeaderValues(n)
    if (values.length > 0) target.setHeader(n, values.join(', '))
  }
  if (source instanceof RequestMessage && target instanceof RequestMessage) {
    if (copy.queryParams === 'all') target.uri = source.querystring === '' ? target.path : `${target.path}?${source.querystring}`
    else for (const n of copy.queryParams ?? []) for (const v of source.queryParamValues(n)) target.setQueryParam(n, v)
    if (copy.formParams === 'all') for (const [n, v] of source.formParams()) target.setFormParam(n, v)
    else for (const n of copy.formParams ?? []) for (const v of source.formParamValues(n)) target.setFormParam(n, v)
    if (copy.verb) target.verb = source.verb
    if (copy.path) target.path = source.path
  }
  if (copy.payload) target.body = source.body
  if (!(source instanceof RequestMessage) && !(target instanceof RequestMessage)) {
    if (copy.statusCode) target.status = source.status
    if (copy.reasonPhrase) target.reasonPhrase = source.reasonPhrase
  }
}
