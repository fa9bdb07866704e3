/**
 * The code of a script worker, as text: it runs with `new Worker(source, { eval: true })`, so the same
 * file works under vitest, in the electron-vite bundle and in headless mode without a second build entry.
 *
 * Protocol (main <-> worker):
 * - main -> worker `{ type: 'run', id, timeLimitMs, scripts: [{ source, filename }] }` on parentPort;
 * - worker -> main `{ type: 'call', id, json }` for every object-model call of the script; the worker then
 *   blocks in Atomics.wait until main has posted the answer on the reply port and set the signal, so the
 *   script sees variables exactly as they are at that moment (lazy reads, writes visible at once);
 * - worker -> main `{ type: 'done', id, outcome }` with `{ kind: 'ok' }`, `{ kind: 'error', text }` or
 *   `{ kind: 'timeout' }`.
 * The script's thrown value is only ever read inside a vm run with the remaining time as its timeout,
 * and vm never decorates it (`displayErrors: false`): a hostile `stack` getter or Proxy stays bounded.
 */
export const SCRIPT_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const vm = require('node:vm');
const { types } = require('node:util');

const signal = new Int32Array(workerData.signal);
const replies = workerData.replies;

const BOOTSTRAP = new vm.Script(${JSON.stringify(bootstrapSource())}, { filename: 'gatelab-javascript-bootstrap.js' });
const FORMAT_ERROR = new vm.Script(${JSON.stringify(formatErrorSource())}, { filename: 'gatelab-javascript-error.js' });

const compiled = new Map();
const COMPILED_LIMIT = 256;
function scriptOf(entry) {
  const key = entry.filename + '\u0000' + entry.source;
  let script = compiled.get(key);
  if (script === undefined) {
    if (compiled.size >= COMPILED_LIMIT) compiled.clear();
    script = new vm.Script(entry.source, { filename: entry.filename });
    compiled.set(key, script);
  }
  return script;
}

function isTimeout(e) {
  if (typeof e !== 'object' || e === null || types.isProxy(e) || !types.isNativeError(e)) return false;
  const code = Object.getOwnPropertyDescriptor(e, 'code');
  return code !== undefined && code.value === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

function run(job) {
  const deadline = Date.now() + job.timeLimitMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const bridge = (json) => {
    if (typeof json !== 'string') return '{"e":"invalid call"}';
    Atomics.store(signal, 0, 0);
    parentPort.postMessage({ type: 'call', id: job.id, json });
    Atomics.wait(signal, 0, 0);
    const reply = receiveMessageOnPort(replies);
    return reply === undefined ? '{"e":"no answer"}' : reply.message;
  };
  const sandbox = Object.create(null);
  const context = vm.createContext(sandbox, {
    name: 'Javascript',
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: 'afterEvaluate'
  });
  BOOTSTRAP.runInContext(context, { displayErrors: false })(bridge);
  try {
    for (const entry of job.scripts) scriptOf(entry).runInContext(context, { timeout: remaining(), displayErrors: false });
    return { kind: 'ok' };
  } catch (e) {
    if (isTimeout(e)) return { kind: 'timeout' };
    try {
      // defineProperty, not assignment: a script-defined setter on the global must not run.
      Object.defineProperty(sandbox, '__gatelabError', { value: e, writable: true, configurable: true });
      // The same limit again for the text: a shorter one would misreport ordinary errors on a busy machine.
      const text = FORMAT_ERROR.runInContext(context, { timeout: job.timeLimitMs, displayErrors: false });
      return { kind: 'error', text: typeof text === 'string' ? text : 'uncaught exception' };
    } catch (x) {
      // The thrown value's own toString/getters misbehaved (or looped until the limit); keep the generic text.
      return { kind: 'error', text: 'uncaught exception' };
    }
  }
}

parentPort.on('message', (job) => {
  let outcome;
  try {
    outcome = run(job);
  } catch (e) {
    outcome = { kind: 'error', text: 'uncaught exception' };
  }
  parentPort.postMessage({ type: 'done', id: job.id, outcome });
});
parentPort.postMessage({ type: 'ready' });
`

/**
 * Installs Apigee's object model in the script realm over one string-in/string-out bridge. Everything
 * here runs inside the script's time limit (it is script-realm code).
 */
function bootstrapSource(): string {
  return `(function (bridge) {
  'use strict';
  var parse = JSON.parse, stringify = JSON.stringify, ErrorCtor = Error, ProxyCtor = Proxy, define = Object.defineProperty;
  // Buffers live outside the V8 heap and would escape the worker's heap limit: the script realm has none.
  ['ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
    'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
    'WebAssembly', 'Atomics'].forEach(function (name) { delete globalThis[name]; });
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
})`
}

/** Turns the thrown value into plain text, inside the script realm and its time limit. */
function formatErrorSource(): string {
  return `(function (e) {
  try {
    if (e !== null && typeof e === 'object') return String(e.name || 'Error') + ': ' + String(e.message);
    return String(e);
  } catch (x) {
    return 'uncaught exception';
  }
})(globalThis.__gatelabError)`
}
