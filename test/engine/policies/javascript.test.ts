import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from './standard-helpers'

const js = (file: string, attrs = '') => `<Javascript name="JS"${attrs}><ResourceURL>jsc://${file}</ResourceURL></Javascript>`

async function runScript(source: string, opts: { attrs?: string; headers?: Record<string, string>; body?: string; url?: string } = {}) {
  return runWith({ policies: { JS: js('s.js', opts.attrs) }, request: ['JS'], resources: { 'jsc/s.js': source } }, 'POST', opts.url ?? '/p/x?q=1', opts.headers ?? {}, opts.body ?? '')
}

describe('Javascript', () => {
  test('context.getVariable / setVariable and the request object', async () => {
    const r = await runScript(`
      var verb = context.getVariable('request.verb');
      var greeting = context.getVariable('greeting');
      context.setVariable('request.header.X-From-Js', verb + ':' + greeting + ':' + context.getVariable('proxy.pathsuffix'));
      context.proxyRequest.headers['X-Direct'] = 'set-' + context.proxyRequest.headers['x-in'];
      context.setVariable('n', 3);
      context.setVariable('request.header.X-N', typeof context.getVariable('n'));
      context.setVariable('request.header.X-Missing', String(context.getVariable('nothing.here')));
      context.proxyRequest.queryParams.q = 'changed';
      var body = JSON.parse(context.proxyRequest.content);
      context.proxyRequest.content = JSON.stringify({ doubled: body.v * 2 });
      print('done', body.v);
    `, { headers: { 'X-In': 'in' }, body: '{"v":21}' })
    expect(r.status).toBe(200)
    expect(r.json.headers).toMatchObject({ 'x-from-js': 'POST:hello:/x', 'x-direct': 'set-in', 'x-n': 'number', 'x-missing': 'null' })
    expect(r.json.query).toEqual({ q: 'changed' })
    expect(r.json.body).toBe('{"doubled":42}')
    const step = r.trace.steps.find((s) => s.policy === 'JS')!
    expect(step.description).toBe('print: done 21')
    expect(step.writes.map((w) => w.name)).toContain('request.header.X-From-Js')
  })

  test('a script error raises ScriptExecutionFailed', async () => {
    const r = await runScript(`var x = null; x.boom();`)
    expect(r.status).toBe(500)
    expect(r.json.fault.detail.errorcode).toBe('steps.javascript.ScriptExecutionFailed')
    expect(r.json.fault.faultstring).toMatch(/^Execution of JS failed with error: Javascript runtime error: "TypeError: Cannot read properties of null/)
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'ScriptExecutionFailed', 'javascript.JS.failed': 'true' })
  })

  test('a thrown string and a hostile thrown object still give the fault', async () => {
    const plain = await runScript(`throw 'custom failure'`)
    expect(plain.json.fault.faultstring).toBe('Execution of JS failed with error: Javascript runtime error: "custom failure"')
    const hostile = await runScript(`throw { get name() { while (true) {} } }`)
    expect(hostile.status).toBe(500)
    expect(hostile.json.fault.faultstring).toBe('Execution of JS failed with error: Javascript runtime error: "uncaught exception"')
  })

  test.each([
    ['an endless loop', 'while (true) {}'],
    ['an endless promise chain', 'Promise.resolve().then(function loop() { while (true) {} })']
  ])('%s hits the time limit', async (_name, source) => {
    const r = await runScript(source, { attrs: ' timeLimit="100"' })
    expect([r.status, r.text]).toEqual([
      500,
      '{"fault":{"faultstring":"Execution of JS failed with error: Javascript runtime exceeded limit of 100ms","detail":{"errorcode":"steps.javascript.ScriptExecutionFailed"}}}'
    ])
  })

  test.each([
    ['global constructor chain', `this.constructor.constructor('return process')()`],
    ['context function constructor', `context.getVariable.constructor('return process')()`],
    ['message object constructor', `context.proxyRequest.constructor.constructor('return process')()`],
    ['headers proxy constructor', `context.proxyRequest.headers.constructor.constructor('return process')()`],
    ['eval', `eval('process')`],
    ['require', `require('fs')`],
    ['process global', `process.exit(1)`],
    ['globalThis.process', `globalThis.process.env`],
    ['import()', `import('node:fs')`],
    ['Function from a returned value', `context.getVariable('request.verb').constructor.constructor('return process')()`],
    ['caller of a callback', `(function f() { return f.caller.constructor('return process')() })()`]
  ])('sandbox escape via %s fails', async (_name, attempt) => {
    const r = await runScript(`
      var outcome = 'blocked';
      try {
        var leaked = (function () { return ${attempt}; })();
        if (leaked && typeof leaked === 'object' && typeof leaked.pid === 'number') outcome = 'ESCAPED';
        if (leaked && typeof leaked.then === 'function') leaked.then(function (m) { if (m) context.setVariable('request.header.X-Escape', 'ESCAPED'); }, function () {});
      } catch (e) {}
      context.setVariable('request.header.X-Escape', outcome);
      context.setVariable('request.header.X-Types', [typeof require, typeof process, typeof module, typeof Buffer, typeof setTimeout].join(','));
    `)
    expect(r.status).toBe(200)
    expect(r.json.headers['x-escape']).toBe('blocked')
    expect(r.json.headers['x-types']).toBe('undefined,undefined,undefined,undefined,undefined')
  })

  test('each request gets a fresh global scope', async () => {
    const script = `context.setVariable('request.header.X-Count', String(typeof counter === 'undefined' ? 1 : ++counter)); var counter = 1;`
    const { call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace } = await import('../runtime/helpers')
    const engine = makeEngine()
    deployOk(engine, workspace([proxy({ name: 'p', basePath: '/p', policies: { JS: js('s.js') }, resources: { 'jsc/s.js': script }, proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('JS')}</Request></PreFlow>`) } })]))
    expect((await call(engine, 'test', 'GET', '/p')).json.headers['x-count']).toBe('1')
    expect((await call(engine, 'test', 'GET', '/p')).json.headers['x-count']).toBe('1')
  })

  test.each([
    [{ J: '<Javascript name="J"><ResourceURL>jsc://missing.js</ResourceURL></Javascript>' }, {}, ['InvalidResourceUrlReference']],
    [{ J: '<Javascript name="J"><ResourceURL>file://x.js</ResourceURL></Javascript>' }, {}, ['InvalidResourceUrlFormat']],
    [{ J: '<Javascript name="J"><ResourceURL>jsc://bad.js</ResourceURL></Javascript>' }, { 'jsc/bad.js': 'function (' }, ['ScriptCompilationFailed']],
    [{ J: '<Javascript name="J"/>' }, {}, ['NoResourceURLOrSource']],
    [{ J: '<Javascript name="J" timeLimit="soon"><Source>1</Source></Javascript>' }, {}, ['InvalidTimeLimit']]
  ])('deployment error %#', (policies, resources, codes) => {
    expect(deployErrors(policies, resources)).toEqual(codes)
  })
})
