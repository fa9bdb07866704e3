/**
 * The engine keeps finished exchanges in slots outside the JS heap (ExchangeTraceSlots) and rebuilds
 * a record when it is read. What is read back must be exactly the record the exchange produced.
 */
import { describe, expect, test } from 'vitest'
import type { Engine, GatewayRequest } from '../../../src/engine'
import { ExchangeTraceSlots } from '../../../src/engine/runtime/exchange-trace'
import { TraceBuffer } from '../../../src/engine/trace/buffer'
import { plainTraceRecord } from '../../../src/engine/trace/lazy'
import type { TraceRecord } from '../../../src/shared/trace'
import { deployOk, fakeHttp, makeEngine, proxy, proxyEndpoint, request, stamp, step, workspace } from './helpers'

const many = Array.from({ length: 6 }, (_, i) => `S${i}`)

function engineWithShapes(traceLimit?: number): Engine {
  const http = fakeHttp((req) => ({
    status: req.url.includes('missing') ? 404 : 200,
    reasonPhrase: req.url.includes('missing') ? 'Not Found' : 'OK',
    headers: [['content-type', 'text/plain'], ['x-backend', 'b1']],
    body: new TextEncoder().encode(`backend saw ${req.url}`)
  }))
  const engine = makeEngine(http, traceLimit)
  deployOk(
    engine,
    workspace([
      proxy({ name: 'pass', basePath: '/pass' }),
      proxy({
        name: 'busy',
        basePath: '/busy',
        policies: {
          ...Object.fromEntries(many.map((name) => [name, stamp(name)])),
          Who: '<AssignMessage name="Who"><AssignVariable><Name>developer.app.name</Name><Value>app-one</Value></AssignVariable><AssignVariable><Name>client_id</Name><Value>client-one</Value></AssignVariable></AssignMessage>',
          Body: '<AssignMessage name="Body"><AssignTo createNew="false" type="response"/><Set><Payload contentType="text/plain">changed</Payload></Set></AssignMessage>'
        },
        proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('Who')}${many.map((n) => step(n)).join('')}</Request><Response>${step('Body')}</Response></PreFlow>`) }
      }),
      proxy({
        name: 'fails',
        basePath: '/fails',
        policies: { Stop: '<RaiseFault name="Stop"><FaultResponse><Set><StatusCode>418</StatusCode><Payload contentType="text/plain">no</Payload></Set></FaultResponse></RaiseFault>' },
        proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('Stop', 'request.verb = "POST"')}</Request></PreFlow>`) }
      }),
      proxy({
        name: 'backend',
        basePath: '/backend',
        targetEndpoints: { default: '<TargetEndpoint name="default"><HTTPTargetConnection><URL>http://backend.example/api</URL></HTTPTargetConnection></TargetEndpoint>' }
      })
    ])
  )
  return engine
}

const longHeaders: Array<[string, string]> = Array.from({ length: 30 }, (_, i) => [`X-Header-${i}`, 'v'.repeat(40)])

/** Requests of every shape a slot has to carry: short and long texts, line breaks, non-ASCII, lone surrogates, bodies, faults, long step logs, HTTP targets. */
const requests: Array<[string, GatewayRequest]> = [
  ['pass-through GET', request('GET', '/pass/a?x=1', { Host: 'gw:9001', Accept: 'text/plain' })],
  ['pass-through POST with a body', request('POST', '/pass/form', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'a=1&b=%C3%A9')],
  ['headers longer than a slot holds', { ...request('GET', '/pass/long'), headers: longHeaders }],
  ['a header value with a line break', { ...request('GET', '/pass/lines'), headers: [['X-A', 'one\ntwo'], ['Host', 'h']] }],
  ['non-ASCII text', request('GET', '/pass/caf%C3%A9?q=%E2%9C%93', { 'X-Name': 'Zoë ✓ 日本' })],
  ['a lone surrogate', { ...request('GET', '/pass/odd'), headers: [['X-Odd', 'a\ud800b']] }],
  ['policies, writes, a changed response and a long step log', request('GET', '/busy/x', { Accept: '*/*' })],
  ['a fault', request('POST', '/fails/x', {}, 'payload')],
  ['a condition that skips the fault', request('GET', '/fails/x')],
  ['an HTTP target', request('GET', '/backend/items?id=7', { Host: 'gw' })],
  ['an HTTP target answering 404', request('GET', '/backend/missing')],
  ['no proxy for the path', request('GET', '/nowhere')]
]

describe('trace slots', () => {
  test.each(requests)('%s: the record read back equals the one the exchange returned', async (_label, req) => {
    const engine = engineWithShapes()
    const { trace } = await engine.handle('test', req)
    const live = JSON.parse(JSON.stringify(plainTraceRecord(trace))) as TraceRecord
    expect(engine.traces.get(trace.id)).toEqual(live)
    expect(engine.traces.list(1)[0]).toMatchObject({ id: live.id, path: live.path, status: live.status, app: live.app, clientId: live.clientId })
  })

  test('a wrapped buffer reads back the newest records, with nothing left over from the ones before', async () => {
    const engine = engineWithShapes(2)
    const live: TraceRecord[] = []
    // Long logs and short ones take turns in the same two slots.
    for (const [, req] of [...requests, ...requests.slice().reverse()]) {
      const { trace } = await engine.handle('test', req)
      live.push(JSON.parse(JSON.stringify(plainTraceRecord(trace))) as TraceRecord)
    }
    const newest = live.slice(-2).reverse()
    expect(engine.traces.records()).toEqual(newest)
    for (const record of newest) expect(engine.traces.get(record.id)).toEqual(record)
  })

  test('records in slots and records kept as objects share one order through list, resize and clear', async () => {
    const engine = engineWithShapes()
    const buffer = new TraceBuffer(4, new ExchangeTraceSlots())
    const first = (await engine.handle('test', request('GET', '/pass/1'))).trace
    buffer.add(first)
    const imported = { ...JSON.parse(JSON.stringify(first)), id: 'imported', messageId: 'imported' } as TraceRecord
    buffer.add(imported)
    const second = (await engine.handle('test', request('GET', '/busy/2'))).trace
    buffer.add(second)
    expect(buffer.list().map((s) => s.id)).toEqual([second.id, 'imported', first.id])
    expect(buffer.get('imported')).toEqual(imported)
    buffer.resize(2)
    expect(buffer.records().map((r) => r.id)).toEqual([second.id, 'imported'])
    expect(buffer.get(second.id)).toEqual(JSON.parse(JSON.stringify(plainTraceRecord(second))))
    buffer.clear()
    expect(buffer.size).toBe(0)
    expect(buffer.get(second.id)).toBeUndefined()
  })
})

describe('times inside an exchange', () => {
  test('every step is timed on one clock: start plus real time, also with the engine clock frozen', async () => {
    const http = fakeHttp(async () => {
      await new Promise((resolve) => setTimeout(resolve, 15))
      return { status: 200, reasonPhrase: 'OK', headers: [], body: new Uint8Array(0) }
    })
    const engine = makeEngine(http)
    deployOk(
      engine,
      workspace([
        proxy({
          name: 'slow',
          basePath: '/slow',
          policies: { A: stamp('A'), B: stamp('B') },
          proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('A')}</Request><Response>${step('B')}</Response></PreFlow>`) },
          targetEndpoints: { default: '<TargetEndpoint name="default"><HTTPTargetConnection><URL>http://backend.example</URL></HTTPTargetConnection></TargetEndpoint>' }
        })
      ])
    )
    const { trace } = await engine.handle('test', request('GET', '/slow'))
    // makeEngine's clock is frozen at T0.
    const starts = trace.steps.map((s) => s.startedAt - trace.startedAt)
    expect(starts).toEqual([...starts].sort((a, b) => a - b))
    expect(trace.steps.map((s) => s.policy ?? s.kind)).toEqual(['A', 'route', 'target', 'B'])
    expect(starts[2]).toBeGreaterThanOrEqual(14)
    expect(Number(trace.variables['target.received.end.timestamp']) - trace.startedAt).toBe(starts[2])
  })
})
