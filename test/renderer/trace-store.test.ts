/// <reference types="node" />
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createApiClient, setApiClient, type Transport } from '@renderer/api'
import type { ConsoleEvents, ConsoleResult, EventName } from '@shared/contract'
import type { TraceSummary } from '@shared/trace'
import { useTracesStore } from '@renderer/stores/traces'

const summary = (i: number, over: Partial<TraceSummary> = {}): TraceSummary => ({
  id: `t${i}`,
  messageId: `t${i}`,
  startedAt: 1000 + i,
  durationMs: 1,
  environment: 'test',
  proxy: 'API_One',
  method: 'GET',
  path: `/api-one/items/${i}`,
  status: i % 2 ? 401 : 200,
  faultName: i % 2 ? 'InvalidAPICallAsNoApiProductMatchFound' : null,
  app: 'App_One',
  clientId: 'app-one-key',
  ...over
})

/** The console behind a fake transport: a trace buffer, `trace.added` pushes, and every call recorded. */
function fakeConsole(initial: TraceSummary[]) {
  const calls: Array<{ method: string; input: unknown }> = []
  const listeners = new Map<string, Array<(p: unknown) => void>>()
  const connection: Array<(connected: boolean) => void> = []
  let buffer = [...initial]
  const answers: Record<string, (input: Record<string, unknown>) => unknown> = {
    'traces.list': () => [...buffer].sort((a, b) => b.startedAt - a.startedAt),
    'traces.import': (input) => {
      const list = input['traces'] as TraceSummary[]
      buffer = [...buffer, ...list]
      return list.length
    },
    'traces.clear': () => {
      buffer = []
      return undefined
    },
    'traces.explain': () => null
  }
  const transport: Transport = {
    kind: 'http',
    async invoke(method, input) {
      calls.push({ method, input })
      const answer = answers[method]
      if (!answer) return { ok: false, error: { code: 'unknown-method', message: method } } satisfies ConsoleResult<unknown>
      return { ok: true, data: answer(input as Record<string, unknown>) }
    },
    on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener as (p: unknown) => void])
      return () => undefined
    },
    onConnection(listener: (connected: boolean) => void) {
      connection.push(listener)
      return () => undefined
    }
  }
  const push = (t: TraceSummary) => {
    buffer.push(t)
    for (const l of listeners.get('trace.added') ?? []) l(t)
  }
  /** A trace the gateway made while the push channel was down: in the buffer, never pushed. */
  const addSilently = (t: TraceSummary) => buffer.push(t)
  const setConnected = (connected: boolean) => connection.forEach((l) => l(connected))
  return { transport, calls, push, addSilently, setConnected }
}

const nextFrame = () => new Promise((r) => setTimeout(r, 30))

describe('traces store', () => {
  let fake: ReturnType<typeof fakeConsole>
  let store: ReturnType<typeof useTracesStore>

  beforeEach(async () => {
    fake = fakeConsole([summary(1), summary(2)])
    setApiClient(createApiClient(fake.transport))
    setActivePinia(createPinia())
    store = useTracesStore()
    await store.refresh()
  })

  it('loads newest first and asks for as many summaries as the contract allows', () => {
    expect(store.summaries.map((t) => t.id)).toEqual(['t2', 't1'])
    expect(fake.calls[0]).toEqual({ method: 'traces.list', input: { limit: 10000 } })
  })

  it('batches a burst of trace.added pushes into one update, newest first', async () => {
    for (let i = 3; i <= 1002; i++) fake.push(summary(i))
    // Not yet applied: the burst is flushed together on the next frame.
    expect(store.summaries).toHaveLength(2)
    await nextFrame()
    expect(store.summaries).toHaveLength(1002)
    expect(store.summaries.slice(0, 2).map((t) => t.id)).toEqual(['t1002', 't1001'])
    // A repeated push of a known id is not a new row.
    fake.push(summary(1002))
    await nextFrame()
    expect(store.summaries).toHaveLength(1002)
  })

  it('filters by the store filters; the filter time is measured', () => {
    store.filters.statusClasses = ['4xx']
    expect(store.filtered.map((t) => t.id)).toEqual(['t1'])
    expect(store.lastFilterMs).toBeGreaterThanOrEqual(0)
    store.filters.text = 'items/2'
    expect(store.filtered).toEqual([])
    store.resetFilters()
    expect(store.filtered).toHaveLength(2)
  })

  it('imports a file in batches (each under the request size limit) and accepts {traces: [...]} too', async () => {
    const records = Array.from({ length: 600 }, (_, i) => summary(100 + i))
    expect(await store.importJson(JSON.stringify(records))).toBe(600)
    const imports = fake.calls.filter((c) => c.method === 'traces.import').map((c) => (c.input as { traces: unknown[] }).traces.length)
    expect(imports).toEqual([250, 250, 100])
    expect(store.summaries).toHaveLength(602)
    expect(await store.importJson(JSON.stringify({ traces: [summary(5000)] }))).toBe(1)
  })

  it.each([
    ['not json', 'The file is not JSON'],
    ['{"x": 1}', 'The file holds no trace list (expected a JSON array of traces)']
  ])('refuses %s with a message', async (text, message) => {
    await expect(store.importJson(text)).rejects.toThrow(message)
  })

  it('refetches after the push channel comes back, so traces made meanwhile appear', async () => {
    fake.setConnected(false)
    fake.addSilently(summary(3))
    expect(store.summaries).toHaveLength(2)
    fake.setConnected(true)
    await expect.poll(() => store.summaries.map((t) => t.id)).toEqual(['t3', 't2', 't1'])
  })

  it('passes the clear access token to traces.explain only when there is one', async () => {
    await store.explain('t1', 'clear-token')
    await store.explain('t2')
    expect(fake.calls.filter((c) => c.method === 'traces.explain').map((c) => c.input)).toEqual([{ id: 't1', accessToken: 'clear-token' }, { id: 't2' }])
  })
})
