/**
 * Javascript: runs a proxy resource script (`jsc://file.js`) in the script sandbox (a worker thread with a
 * heap bound, a fresh node:vm context per request, the policy's time limit) with no way to reach Node.
 * Only strings cross between the script and the gateway: the script sees
 * `context.getVariable/setVariable/removeVariable`, `context.proxyRequest`, `context.targetRequest`,
 * `context.proxyResponse`, `context.targetResponse` (also `request`, `response`) and `print`, all built
 * inside the script realm over one string-in/string-out bridge whose calls the gateway answers
 * synchronously, so every read sees the message as it is at that moment.
 */
import vm from 'node:vm'
import { child, childText, children, type XmlElement } from '../bundle/xml'
import { PolicyFault, type FaultSpec } from '../faults/fault'
import { HttpMessage, RequestMessage } from '../runtime/message'
import { variableToString } from '../runtime/variables'
import type { ScriptOutcome, ScriptSource } from '../sandbox'
import type { CompileContext, PolicyContext, PolicyHandler } from './types'

export interface JavascriptConfig {
  scripts: ScriptSource[]
  timeLimitMs: number
  resource: string
}

/** Time limit when the policy sets no `timeLimit` attribute. */
export const DEFAULT_JAVASCRIPT_TIME_LIMIT_MS = 1000

/** The fault every script failure raises (fault.name `ScriptExecutionFailed`). */
export function scriptExecutionFailed(policy: string, reason: string): FaultSpec {
  return {
    name: 'ScriptExecutionFailed',
    status: 500,
    errorcode: 'steps.javascript.ScriptExecutionFailed',
    faultstring: `Execution of ${policy} failed with error: ${reason}`
  }
}

function resourcePath(url: string): string | null {
  const m = /^jsc:\/\/(.+)$/.exec(url.trim())
  return m ? `jsc/${m[1]}` : null
}

/** Checks the syntax at deployment (the sandbox compiles again, once per worker, and caches it). */
function checkedSource(source: string, filename: string): ScriptSource {
  new vm.Script(source, { filename })
  return { source, filename }
}

function compileScript(ctx: CompileContext, el: XmlElement, url: string): ScriptSource | null {
  const path = resourcePath(url)
  if (!path) {
    ctx.error('InvalidResourceUrlFormat', `Resource URL "${url}" must look like jsc://<file>.js`, el)
    return null
  }
  const source = ctx.proxy.resources[path]
  if (source === undefined) {
    ctx.error('InvalidResourceUrlReference', `Resource ${path} does not exist in proxy ${ctx.proxy.name}`, el)
    return null
  }
  try {
    return checkedSource(source, path)
  } catch (e) {
    const line = /:(\d+)\s*$/m.exec(String((e as Error).stack ?? '').split('\n')[0] ?? '')?.[1]
    ctx.error('ScriptCompilationFailed', `${path}${line ? ` line ${line}` : ''}: ${(e as Error).message}`, el)
    return null
  }
}

type Bridge = (json: string) => string

function makeBridge(ctx: PolicyContext): Bridge {
  const messageOf = (kind: unknown): HttpMessage => (kind === 'request' ? ctx.request : ctx.response) as HttpMessage
  const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''))
  const ops: Record<string, (args: unknown[]) => unknown> = {
    get: ([name]) => {
      const value = ctx.variables.get(str(name))
      if (value === undefined || value === null) return null
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
      return variableToString(value) ?? null
    },
    set: ([name, value]) => {
      ctx.variables.set(str(name), value !== null && typeof value === 'object' ? JSON.stringify(value) : value)
    },
    remove: ([name]) => ctx.variables.remove(str(name)),
    flow: () => ctx.flow,
    print: ([text]) => ctx.note(`print: ${str(text)}`),
    'header.get': ([kind, name]) => {
      const values = messageOf(kind).getHeaderValues(str(name))
      return values.length === 0 ? null : values.join(', ')
    },
    'header.set': ([kind, name, value]) => messageOf(kind).setHeader(str(name), str(value)),
    'header.remove': ([kind, name]) => messageOf(kind).removeHeader(str(name)),
    'header.names': ([kind]) => messageOf(kind).headerNames(),
    'query.get': ([kind, name]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? (m.queryParamValues(str(name))[0] ?? null) : null
    },
    'query.set': ([kind, name, value]) => {
      const m = messageOf(kind)
      if (m instanceof RequestMessage) m.setQueryParam(str(name), str(value))
    },
    'query.remove': ([kind, name]) => {
      const m = messageOf(kind)
      if (m instanceof RequestMessage) m.removeQueryParam(str(name))
    },
    'query.names': ([kind]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? [...new Set(m.queryParams().map(([n]) => n))] : []
    },
    'form.get': ([kind, name]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? (m.formParamValues(str(name))[0] ?? null) : null
    },
    'form.set': ([kind, name, value]) => {
      const m = messageOf(kind)
      if (m instanceof RequestMessage) m.setFormParam(str(name), str(value))
    },
    'form.remove': ([kind, name]) => {
      const m = messageOf(kind)
      if (m instanceof RequestMessage) m.removeFormParam(str(name))
    },
    'form.names': ([kind]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? [...new Set(m.formParams().map(([n]) => n))] : []
    },
    'content.get': ([kind]) => messageOf(kind).content,
    'content.set': ([kind, value]) => {
      messageOf(kind).content = str(value)
    },
    'method.get': ([kind]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? m.verb : null
    },
    'method.set': ([kind, value]) => {
      const m = messageOf(kind)
      if (m instanceof RequestMessage) m.verb = str(value).toUpperCase()
    },
    'url.get': ([kind]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? m.uri : null
    },
    'url.set': ([kind, value]) => {
      const m = messageOf(kind)
      if (m instanceof RequestMessage) m.uri = str(value)
    },
    'path.get': ([kind]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? m.path : null
    },
    'status.get': ([kind]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? null : m.status
    },
    'status.set': ([kind, value]) => {
      const m = messageOf(kind)
      const status = Number(value)
      if (m instanceof RequestMessage) return
      if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`invalid status code ${str(value)}`)
      m.status = status
    },
    'reason.get': ([kind]) => {
      const m = messageOf(kind)
      return m instanceof RequestMessage ? null : m.reasonPhrase
    },
    'reason.set': ([kind, value]) => {
      const m = messageOf(kind)
      if (!(m instanceof RequestMessage)) m.reasonPhrase = str(value)
    }
  }
  return (json: string): string => {
    try {
      if (typeof json !== 'string') return '{"e":"invalid call"}'
      const args = JSON.parse(json) as unknown[]
      if (!Array.isArray(args) || typeof args[0] !== 'string') return '{"e":"invalid call"}'
      const op = Object.prototype.hasOwnProperty.call(ops, args[0]) ? ops[args[0]] : undefined
      if (!op) return JSON.stringify({ e: `unknown operation ${args[0]}` })
      const value = op(args.slice(1))
      return JSON.stringify({ v: value === undefined ? null : value })
    } catch (e) {
      return JSON.stringify({ e: e instanceof PolicyFault ? e.spec.faultstring : String((e as Error)?.message ?? e) })
    }
  }
}

/** The Javascript policy handler. */
export const javascriptPolicy: PolicyHandler<JavascriptConfig> = {
  type: 'Javascript',
  faultVariablePrefix: 'javascript',
  compile(root, ctx) {
    const limitText = root.attributes['timeLimit']
    let timeLimitMs = DEFAULT_JAVASCRIPT_TIME_LIMIT_MS
    if (limitText !== undefined) {
      const n = Number(limitText)
      if (!Number.isInteger(n) || n <= 0) ctx.error('InvalidTimeLimit', `timeLimit must be a positive number of milliseconds, got "${limitText}"`, root)
      else timeLimitMs = n
    }
    const scripts: ScriptSource[] = []
    for (const include of children(root, 'IncludeURL')) {
      const script = compileScript(ctx, include, include.text)
      if (script) scripts.push(script)
    }
    const resourceEl = child(root, 'ResourceURL')
    const inline = childText(root, 'Source')
    let resource = ''
    if (resourceEl && resourceEl.text !== '') {
      resource = resourceEl.text
      const script = compileScript(ctx, resourceEl, resourceEl.text)
      if (script) scripts.push(script)
    } else if (inline) {
      resource = 'inline'
      try {
        scripts.push(checkedSource(inline, `${ctx.policyName}.js`))
      } catch (e) {
        ctx.error('ScriptCompilationFailed', `inline <Source>: ${(e as Error).message}`, child(root, 'Source'))
      }
    } else {
      ctx.error('NoResourceURLOrSource', 'Javascript needs <ResourceURL>jsc://file.js</ResourceURL> or <Source>', root)
    }
    return { scripts, timeLimitMs, resource }
  },
  async execute(config, ctx) {
    const outcome = await ctx.services.scripts.run({ scripts: config.scripts, timeLimitMs: config.timeLimitMs, bridge: makeBridge(ctx) })
    const reason = failureReason(outcome, config.timeLimitMs, ctx.services.scripts.limits.heapMb)
    if (reason !== null) throw new PolicyFault(scriptExecutionFailed(ctx.policyName, reason))
  }
}

/** The faultstring's reason for a failed run, or null when the script ran to its end. */
function failureReason(outcome: ScriptOutcome, timeLimitMs: number, heapMb: number): string | null {
  switch (outcome.kind) {
    case 'ok':
      return null
    case 'error':
      return `Javascript runtime error: "${outcome.text}"`
    case 'timeout':
      return `Javascript runtime exceeded limit of ${timeLimitMs}ms`
    case 'memory':
      return `Javascript runtime exceeded memory limit of ${heapMb}MB`
    case 'crashed':
      return `Javascript runtime stopped: ${outcome.reason}`
  }
}
