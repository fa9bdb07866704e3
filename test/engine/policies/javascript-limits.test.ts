/**
 * A hostile JavaScript policy is a fault in its own request only: time and memory are bounded, values the
 * script throws are never read outside its time limit, and the gateway answers other requests meanwhile.
 */
import { describe, expect, test } from 'vitest'
import { createEngine, type Engine } from '../../../src/engine'
import type { SandboxLimits } from '../../../src/engine/sandbox'
import { call, deployOk, fakeHttp, memoryTokens, proxy, proxyEndpoint, step, T0, workspace } from '../runtime/helpers'

function engineWith(sandbox?: Partial<SandboxLimits>): Engine {
  return createEngine({
    clock: { now: () => T0 },
    random: { bytes: (n) => new Uint8Array(n).fill(7) },
    tokens: memoryTokens(),
    http: fakeHttp(),
    ...(sandbox ? { sandbox } : {})
  })
}

/** One proxy per script, at /<name>, plus /echo without any policy. */
function deployScripts(engine: Engine, scripts: Record<string, { source: string; timeLimit?: number }>): void {
  const proxies = Object.entries(scripts).map(([name, { source, timeLimit }]) =>
    proxy({
      name,
      basePath: `/${name}`,
      policies: { JS: `<Javascript name="JS"${timeLimit ? ` timeLimit="${timeLimit}"` : ''}><ResourceURL>jsc://s.js</ResourceURL></Javascript>` },
      resources: { 'jsc/s.js': source },
      proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('JS')}</Request></PreFlow>`) }
    })
  )
  proxies.push(proxy({ name: 'echo', basePath: '/echo' }))
  deployOk(engine, workspace(proxies))
}

const fault = (reason: string) =>
  JSON.stringify({ fault: { faultstring: `Execution of JS failed with error: ${reason}`, detail: { errorcode: 'steps.javascript.ScriptExecutionFailed' } } })

describe('Javascript limits', () => {
  test.each([
    ['a thrown object whose stack getter loops', `throw { message: 'boom', get stack() { while (true) {} } }`, 'Javascript runtime error: "Error: boom"'],
    ['a thrown Proxy whose traps loop', `throw new Proxy({}, { get: function () { while (true) {} }, getPrototypeOf: function () { while (true) {} } })`, 'Javascript runtime error: "uncaught exception"'],
    ['a thrown Error whose stack getter loops', `var e = new Error('bad'); Object.defineProperty(e, 'stack', { get: function () { while (true) {} } }); throw e`, 'Javascript runtime error: "Error: bad"'],
    ['a thrown object whose toString loops', `throw { name: { toString: function () { while (true) {} } } }`, 'Javascript runtime error: "uncaught exception"'],
    ['a value set whose toString loops', `context.setVariable({ toString: function () { while (true) {} } }, 'v')`, 'Javascript runtime exceeded limit of 500ms'],
    ['a getter that loops', `var o = { get x() { while (true) {} } }; o.x`, 'Javascript runtime exceeded limit of 500ms'],
    ['a completion value that is a looping Proxy', `new Proxy({}, { get: function () { while (true) {} } })`, null]
  ])('%s gives a fault, not a hang', async (_name, source, reason) => {
    const engine = engineWith()
    deployScripts(engine, { bad: { source, timeLimit: 500 } })
    const r = await call(engine, 'test', 'GET', '/bad')
    if (reason === null) expect(r.status).toBe(200)
    else expect([r.status, r.text]).toEqual([500, fault(reason)])
  })

  test('a script that allocates without bound is killed at the heap bound; the next request runs normally', async () => {
    const engine = engineWith({ heapMb: 16 })
    deployScripts(engine, {
      bomb: { source: `var hoard = []; while (true) hoard.push(new Array(100000).fill(hoard.length))`, timeLimit: 60000 },
      fine: { source: `context.setVariable('request.header.X-Ran', 'yes')` }
    })
    const r = await call(engine, 'test', 'GET', '/bomb')
    expect([r.status, r.text]).toEqual([500, fault('Javascript runtime exceeded memory limit of 16MB')])
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'ScriptExecutionFailed', 'javascript.JS.failed': 'true' })
    const after = await call(engine, 'test', 'GET', '/fine')
    expect([after.status, after.json.headers['x-ran']]).toEqual([200, 'yes'])
  })

  test('what a script hands the gateway (variables, print) is bounded like its heap', async () => {
    const engine = engineWith({ heapMb: 16 })
    deployScripts(engine, {
      flood: { source: `var mb = new Array(1024 * 1024 + 1).join('x'); for (var i = 0; i < 40; i++) context.setVariable('v' + i, mb)`, timeLimit: 20000 }
    })
    const r = await call(engine, 'test', 'GET', '/flood')
    expect([r.status, r.text]).toEqual([500, fault('Javascript runtime error: "Error: the script sent more than 16MB to the gateway"')])
  })

  test('buffers outside the heap are not available to scripts', async () => {
    const engine = engineWith()
    deployScripts(engine, {
      types: { source: `context.setVariable('request.header.X-Types', [typeof ArrayBuffer, typeof Uint8Array, typeof DataView, typeof SharedArrayBuffer, typeof WebAssembly].join(','))` }
    })
    const r = await call(engine, 'test', 'GET', '/types')
    expect(r.json.headers['x-types']).toBe('undefined,undefined,undefined,undefined,undefined')
  })

  test('a runaway script is a fault in its own request: other proxies and other scripts answer meanwhile and afterwards', async () => {
    const engine = engineWith({ heapMb: 16, workers: 2 })
    deployScripts(engine, {
      // Long enough that the requests below answer first even on a loaded machine.
      runaway: { source: `if (context.getVariable('request.queryparam.calm') !== 'yes') while (true) {} throw new Error('calm')`, timeLimit: 8000 },
      bomb: { source: `var hoard = []; while (true) hoard.push(new Array(100000).fill(hoard.length))`, timeLimit: 60000 },
      fine: { source: `context.setVariable('request.header.X-Sum', String(1 + Number(context.getVariable('request.queryparam.n'))))` }
    })
    let runawaySettled = false
    const runaway = call(engine, 'test', 'GET', '/runaway').finally(() => {
      runawaySettled = true
    })
    const echoes = await Promise.all([1, 2, 3, 4, 5].map((i) => call(engine, 'test', 'GET', `/echo/${i}`)))
    expect(echoes.map((e) => e.status)).toEqual([200, 200, 200, 200, 200])
    const fine = await call(engine, 'test', 'GET', '/fine?n=41')
    expect(fine.json.headers['x-sum']).toBe('42')
    expect(runawaySettled).toBe(false)

    const r = await runaway
    expect([r.status, r.text]).toEqual([500, fault('Javascript runtime exceeded limit of 8000ms')])
    const [bomb, echo, again] = await Promise.all([call(engine, 'test', 'GET', '/bomb'), call(engine, 'test', 'GET', '/echo'), call(engine, 'test', 'GET', '/fine?n=1')])
    expect([bomb.text, echo.status, again.json.headers['x-sum']]).toEqual([fault('Javascript runtime exceeded memory limit of 16MB'), 200, '2'])
    const calm = await call(engine, 'test', 'GET', '/runaway?calm=yes')
    expect(calm.text).toBe(fault('Javascript runtime error: "Error: calm"'))
  }, 60_000)

  test('scripts of concurrent requests see only their own request', async () => {
    const engine = engineWith({ workers: 2 })
    deployScripts(engine, {
      tag: { source: `var n = context.getVariable('request.queryparam.n'); for (var i = 0; i < 20; i++) context.setVariable('request.header.X-N', n + ':' + context.getVariable('request.queryparam.n'))`, timeLimit: 10000 }
    })
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => call(engine, 'test', 'GET', `/tag?n=${i}`)))
    expect(results.map((r) => r.json.headers['x-n'])).toEqual(Array.from({ length: 8 }, (_, i) => `${i}:${i}`))
  })
})
