/**
 * The trace buffer is bounded in bytes as well as in records: big bodies are kept as their first
 * 64 KiB with their whole size, long values are cut with a note, and the oldest records go while the
 * rest keep more than the byte limit alive.
 */
import { describe, expect, test } from 'vitest'
import { TraceBuffer } from '../../../src/engine/trace/buffer'
import type { TraceRecord } from '../../../src/shared/trace'
import { call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace } from './helpers'

const KiB = 1024
const MiB = 1024 * KiB

function echoEngine(traceMaxBytes?: number) {
  const engine = makeEngine(undefined, undefined, traceMaxBytes)
  deployOk(
    engine,
    workspace([
      proxy({ name: 'pass', basePath: '/pass' }),
      proxy({
        name: 'copy',
        basePath: '/copy',
        policies: {
          Copy:
            '<AssignMessage name="Copy"><AssignVariable><Name>copied</Name><Ref>request.content</Ref></AssignVariable>' +
            '<Set><Headers><Header name="X-Seen">yes</Header></Headers></Set><AssignTo createNew="false" type="request"/></AssignMessage>'
        },
        proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('Copy')}</Request></PreFlow>`) }
      })
    ])
  )
  return engine
}

describe('trace bodies', () => {
  test('a body over 64 KiB is kept as its first 64 KiB, flagged with its whole size, in every message of the record', async () => {
    const engine = echoEngine()
    const body = 'a'.repeat(300_000)
    const r = await call(engine, 'test', 'POST', '/pass/big', { 'Content-Type': 'text/plain' }, body)
    expect(r.status).toBe(200)
    const stored = engine.traces.get(r.trace.id)!
    expect(stored.request).toMatchObject({ body: 'a'.repeat(64 * KiB), bodyTruncated: true, bodyBytes: 300_000 })
    expect(stored.targetRequest).toMatchObject({ body: 'a'.repeat(64 * KiB), bodyTruncated: true, bodyBytes: 300_000 })
    const answer = Buffer.from(r.text)
    expect(stored.response).toMatchObject({ body: answer.subarray(0, 64 * KiB).toString(), bodyTruncated: true, bodyBytes: answer.length })
    // The record read back is the one the exchange returned.
    expect(stored).toEqual(JSON.parse(JSON.stringify(r.trace)))
    // Small bodies are whole and carry no flag.
    const small = await call(engine, 'test', 'POST', '/pass/small', {}, 'hello')
    expect(engine.traces.get(small.trace.id)!.request).toEqual(expect.objectContaining({ body: 'hello' }))
    expect(engine.traces.get(small.trace.id)!.request).not.toHaveProperty('bodyTruncated')
  })

  test('a policy that copies a big body into a variable and changes the request: values and messages are cut too', async () => {
    const engine = echoEngine()
    const body = 'b'.repeat(2 * MiB)
    const r = await call(engine, 'test', 'POST', '/copy', {}, body)
    expect(r.status).toBe(200)
    const stored = engine.traces.get(r.trace.id)!
    const note = `… [cut in the trace: ${2 * MiB} characters in all]`
    expect(stored.variables['copied']).toBe('b'.repeat(64 * KiB) + note)
    expect(stored.steps.find((s) => s.policy === 'Copy')!.writes.find((w) => w.name === 'copied')!.value).toBe('b'.repeat(64 * KiB) + note)
    expect(stored.variables['request.header.X-Seen']).toBe('yes')
    expect(stored.request).toMatchObject({ bodyTruncated: true, bodyBytes: 2 * MiB })
    // Three 64 KiB bodies, two 64 Ki-character values (two bytes each): well under the 2 MiB that came in.
    expect(engine.traces.bytes).toBeGreaterThan(64 * KiB)
    expect(engine.traces.bytes).toBeLessThan(600 * KiB)
  })

  test('a request no proxy matches keeps 64 KiB of its body too', async () => {
    const engine = echoEngine()
    const r = await call(engine, 'test', 'POST', '/nowhere', {}, 'é'.repeat(100_000))
    expect(r.status).toBe(404)
    const stored = engine.traces.get(r.trace.id)!
    expect(stored.request).toMatchObject({ body: 'é'.repeat(64 * KiB), bodyTruncated: true, bodyBytes: 200_000 })
    expect(engine.traces.bytes).toBeLessThan(200 * KiB)
  })
})

describe('trace byte limit', () => {
  test('the oldest records go while the rest keep more than the limit alive; the newest stay, newest first', async () => {
    const limit = 1 * MiB
    const engine = echoEngine(limit)
    expect(engine.traces.maxBytes).toBe(limit)
    const ids: string[] = []
    for (let i = 0; i < 30; i++) {
      const r = await call(engine, 'test', 'POST', `/pass/${i}`, {}, String(i % 10).repeat(200_000))
      ids.push(r.trace.id)
      expect(engine.traces.bytes).toBeLessThanOrEqual(limit)
    }
    const kept = engine.traces.list().map((s) => s.id)
    // Each record keeps two 64 KiB bodies (the request and the echo's answer): about seven fit.
    expect(kept.length).toBeGreaterThanOrEqual(5)
    expect(kept.length).toBeLessThan(10)
    expect(kept).toEqual(ids.slice(-kept.length).reverse())
    expect(engine.traces.get(ids[0]!)).toBeUndefined()
    expect(engine.traces.get(ids[29 - kept.length]!)).toBeUndefined()
    // Small records take next to nothing: the count bound applies to them.
    for (let i = 0; i < 200; i++) await call(engine, 'test', 'GET', `/pass/small/${i}`)
    expect(engine.traces.size).toBeGreaterThan(200)
    expect(engine.traces.bytes).toBeLessThanOrEqual(limit)
  })

  test('one record bigger than the limit is still kept, alone', async () => {
    const engine = echoEngine(100 * KiB)
    await call(engine, 'test', 'GET', '/pass/small')
    const r = await call(engine, 'test', 'POST', '/pass/big', {}, 'x'.repeat(1 * MiB))
    expect(engine.traces.list().map((s) => s.id)).toEqual([r.trace.id])
  })

  test('clear forgets every record and every byte', async () => {
    const engine = echoEngine(1 * MiB)
    for (let i = 0; i < 5; i++) await call(engine, 'test', 'POST', '/pass', {}, 'z'.repeat(100_000))
    expect(engine.traces.bytes).toBeGreaterThan(0)
    engine.traces.clear()
    expect(engine.traces.bytes).toBe(0)
    expect(engine.traces.size).toBe(0)
    expect(engine.traces.list()).toEqual([])
  })

  test('a limit that is not a positive integer is refused with a message naming it', () => {
    expect(() => new TraceBuffer(10, undefined, 0)).toThrow('trace byte limit must be a positive integer, got 0')
    expect(() => makeEngine(undefined, undefined, 1.5)).toThrow('trace byte limit must be a positive integer, got 1.5')
  })
})

/** An exported-looking record with a body and a variable of `size` characters each. */
function importedRecord(i: number, size: number): TraceRecord {
  const id = `imported-${String(i).padStart(3, '0')}`
  const big = String.fromCharCode(97 + (i % 26)).repeat(size)
  return {
    id,
    messageId: id,
    startedAt: 1_700_000_000_000 + i,
    durationMs: 1,
    environment: 'test',
    proxy: 'pass',
    method: 'POST',
    path: '/pass',
    status: 200,
    faultName: null,
    app: null,
    clientId: null,
    request: { method: 'POST', url: '/pass', headers: [['Content-Type', 'text/plain']], body: big },
    response: { status: 200, reasonPhrase: 'OK', headers: [], body: 'ok' },
    steps: [],
    fault: null,
    variables: { 'request.content': big }
  }
}

describe('trace imports', () => {
  test('imported records go through the same cut and the same byte limit', () => {
    const limit = 2 * MiB
    const buffer = new TraceBuffer(5000, undefined, limit)
    const records = Array.from({ length: 40 }, (_, i) => importedRecord(i, 1_000_000))
    expect(buffer.import(records.reverse())).toBe(40)
    expect(buffer.bytes).toBeLessThanOrEqual(limit)
    const kept = buffer.records()
    expect(kept.length).toBeGreaterThan(1)
    expect(kept.length).toBeLessThan(40)
    // The newest by start time stay.
    expect(kept[0]!.id).toBe('imported-039')
    expect(kept.map((r) => r.id)).toEqual(Array.from({ length: kept.length }, (_, k) => `imported-${String(39 - k).padStart(3, '0')}`))
    const newest = kept[0]!
    expect(newest.request).toMatchObject({ body: 'n'.repeat(64 * KiB), bodyTruncated: true, bodyBytes: 1_000_000 })
    expect(newest.variables['request.content']).toBe(`${'n'.repeat(64 * KiB)}… [cut in the trace: 1000000 characters in all]`)
    expect(newest.response).toEqual({ status: 200, reasonPhrase: 'OK', headers: [], body: 'ok' })
  })

  test('a record cut once keeps the size it was flagged with when imported again', () => {
    const buffer = new TraceBuffer()
    const record = importedRecord(1, 100_000)
    record.request = { ...record.request, body: 'q'.repeat(70_000), bodyTruncated: true, bodyBytes: 5_000_000 }
    buffer.import([record])
    expect(buffer.get(record.id)!.request).toMatchObject({ body: 'q'.repeat(64 * KiB), bodyTruncated: true, bodyBytes: 5_000_000 })
  })
})
