/**
 * Javascript: runs a proxy resource script (`jsc://file.js`) in a fresh node:vm context per request,
 * with a time limit and no way to reach Node. Only strings cross between the script and the host:
 * the script sees `context.getVariable/setVariable/removeVariable`, `context.proxyRequest`,
 * `context.targetRequest`, `context.proxyResponse`, `context.targetResponse` (also `request`,
 * `response`) and `print`, all built inside the sandbox realm over one string-in/string-out bridge.
 */
import { types } from 'node:util'
import vm from 'node:vm'
import { child, childText, children, type XmlElement } from '../bundle/xml'
import { PolicyFault, type FaultSpec } from '../faults/fault'
import { HttpMessage, RequestMessage } from '../runtime/message'
import { variableToString } from '../runtime/variables'
import type { CompileContext, PolicyContext, PolicyHandler } from './types'

export interface JavascriptConfig {
  scripts: vm.Script[]
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

const BOOTSTRAP = new vm.Script(
  `(function (bridge) {
  'use strict';
  var parse = JSON.parse, stringify = JSON.stringify, ErrorCtor = Error, ProxyCtor = Proxy, define = Object.defineProperty;
  function call() {
    var args = [];
    for (var i = 0; i < arguments.length; i++) args.push(arguments[i]);
    var out = parse(bridge(stringify(args)));
    if (out.e !== undefined) throw new ErrorCtor(out.e);
    return out.v;
  }
  function params(kind, family) {
    return new ProxyCtor({}, {
      get: function (t, name) { return typeof name === 'string' ? call(family + '.get', kind, name) : undefined; },
      set: function (t, name, value) { call(family + '.set', kind, String(name), value == null ? '' : String(value)); return true; },
      deleteProperty: function (t, name) { call(family + '.remove', kind, String(name)); return true; },
      has: function (t, name) { return typeof name === 'string' && call(family + '.get', kind, name) !== undefined; },
      ownKeys: function () { return call(family + '.names', kind); },
      getOwnPropertyDescriptor: function (t, name) {
        var v = typeof name === 'string' ? call(family + '.get', kind, name) : undefined;
        return v === undefined ? undefined : { value: v, writable: true, enumerable: true, configurable: true };
      }
    });
  }
  function message(kind) {
    var m = {};
    define(m, 'headers', { value: params(kind, 'header'), enumerable: true });
    define(m, 'queryParams', { value: params(kind, 'query'), enumerable: true });
    define(m, 'formParams', { value: params(kind, 'form'), enumerable: true });
    define(m, 'content', { get: function () { return call('content.get', kind); }, set: function (v) { call('content.set', kind, v == null ? '' : String(v)); }, enumerable: true });
    define(m, 'body', { get: function () { return call('content.get', kind); }, set: function (v) { call('content.set', kind, v == null ? '' : String(v)); }, enumerable: true });
    define(m, 'method', { get: function () { return call('method.get', kind); }, set: function (v) { call('method.set', kind, String(v)); }, enumerable: true });
    define(m, 'url', { get: function () { return call('url.get', kind); }, set: function (v) { call('url.set', kind, String(v)); }, enumerable: true });
    define(m, 'path', { get: function () { return call('path.get', kind); }, enumerable: true });
    define(m, 'status', { get: function () { return call('status.get', kind); }, set: function (v) { call('status.set', kind, String(v)); }, enumerable: true });
    define(m, 'reasonPhrase', { get: function () { return call('reason.get', kind); }, set: function (v) { call('reason.set', kind, String(v)); }, enumerable: true });
    m.getHeader = function (n) { return call('header.get', kind, String(n)); };
    m.setHeader = function (n, v) { call('header.set', kind, String(n), String(v)); };
    m.removeHeader = function (n) { call('header.remove', kind, String(n)); };
    return m;
  }
  var request = message('request');
  var response = message('response');
  var context = {
    getVariable: function (name) { return call('get', String(name)); },
    setVariable: function (name, value) { call('set', String(name), value === undefined ? null : value); },
    removeVariable: function (name) { call('remove', String(name)); },
    proxyRequest: request,
    targetRequest: request,
    proxyResponse: response,
    targetResponse: response
  };
  define(context, 'flow', { get: function () { return call('flow'); }, enumerable: true });
  function print() {
    var parts = [];
    for (var i = 0; i < arguments.length; i++) parts.push(String(arguments[i]));
    call('print', parts.join(' '));
  }
  globalThis.context = context;
  globalThis.request = request;
  globalThis.response = response;
  globalThis.print = print;
})`,
  { filename: 'gatelab-javascript-bootstrap.js' }
)

const FORMAT_ERROR = new vm.Script(
  `(function (e) {
  try {
    if (e !== null && typeof e === 'object') return String(e.name || 'Error') + ': ' + String(e.message);
    return String(e);
  } catch (x) {
    return 'uncaught exception';
  }
})(globalThis.__gatelabError)`,
  { filename: 'gatelab-javascript-error.js' }
)

function resourcePath(url: string): string | null {
  const m = /^jsc:\/\/(.+)$/.exec(url.trim())
  return m ? `jsc/${m[1]}` : null
}

function compileScript(ctx: CompileContext, el: XmlElement, url: string): vm.Script | null {
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
    return new vm.Script(source, { filename: path })
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

/**
 * True for vm's timeout error. Reads only an own data property of a non-proxy native error, so a
 * value thrown by the script (getters, proxies) can never run script code outside the time limit.
 */
function isTimeout(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || types.isProxy(e) || !types.isNativeError(e)) return false
  return Object.getOwnPropertyDescriptor(e, 'code')?.value === 'ERR_SCRIPT_EXECUTION_TIMEOUT'
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
    const scripts: vm.Script[] = []
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
        scripts.push(new vm.Script(inline, { filename: `${ctx.policyName}.js` }))
      } catch (e) {
        ctx.error('ScriptCompilationFailed', `inline <Source>: ${(e as Error).message}`, child(root, 'Source'))
      }
    } else {
      ctx.error('NoResourceURLOrSource', 'Javascript needs <ResourceURL>jsc://file.js</ResourceURL> or <Source>', root)
    }
    return { scripts, timeLimitMs, resource }
  },
  execute(config, ctx) {
    const sandbox = Object.create(null) as Record<string, unknown>
    const context = vm.createContext(sandbox, {
      name: `Javascript ${ctx.policyName}`,
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate'
    })
    const install = BOOTSTRAP.runInContext(context) as (bridge: Bridge) => void
    install(makeBridge(ctx))
    try {
      for (const script of config.scripts) script.runInContext(context, { timeout: config.timeLimitMs })
    } catch (e) {
      if (isTimeout(e)) {
        throw new PolicyFault(scriptExecutionFailed(ctx.policyName, `Javascript runtime exceeded limit of ${config.timeLimitMs}ms`))
      }
      let text = 'uncaught exception'
      try {
        // defineProperty, not assignment: a script-defined setter on the global must not run untimed.
        Object.defineProperty(sandbox, '__gatelabError', { value: e, writable: true, configurable: true })
        // The same wall-clock limit as the script: a shorter one would misreport ordinary errors on a busy machine.
        const formatted = FORMAT_ERROR.runInContext(context, { timeout: config.timeLimitMs })
        if (typeof formatted === 'string') text = formatted
      } catch {
        // The thrown value's own toString/getters misbehaved; keep the generic text.
      }
      throw new PolicyFault(scriptExecutionFailed(ctx.policyName, `Javascript runtime error: "${text}"`))
    }
  }
}
