import { describe, expect, it, vi } from 'vitest'
import { ApiError, createApiClient, type Transport } from '@renderer/api'
import { httpTransport, ipcTransport } from '@renderer/api/transport'
import type { ConsoleEvents, ConsoleResult, EventName } from '@shared/contract'

/** A transport that answers from a table and records what was called. */
function fakeTransport(answers: Record<string, ConsoleResult<unknown>>) {
  const calls: Array<[string, unknown]> = []
  const listeners = new Map<string, Array<(p: unknown) => void>>()
  const transport: Transport = {
    kind: 'http',
    async invoke(method, input) {
      calls.push([method, input])
      return answers[method] ?? { ok: false, error: { code: 'unknown-method', message: `no ${method}` } }
    },
    on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void) {
      const list = listeners.get(event) ?? []
      list.push(listener as (p: unknown) => void)
      listeners.set(event, list)
      return () => listeners.set(event, (listeners.get(event) ?? []).filter((l) => l !== listener))
    },
    onConnection() {
      return () => {}
    }
  }
  const emit = (event: string, payload: unknown) => (listeners.get(event) ?? []).forEach((l) => l(payload))
  return { transport, calls, emit }
}

describe('console API client', () => {
  it('unwraps ok results, through call() and through the nested domain proxy', async () => {
    const { transport, calls } = fakeTransport({ 'products.list': { ok: true, data: [{ name: 'Product_One' }] } })
    const api = createApiClient(transport)
    await expect(api.call('products.list', {})).resolves.toEqual([{ name: 'Product_One' }])
    await expect(api.products.list({})).resolves.toEqual([{ name: 'Product_One' }])
    expect(calls).toEqual([
      ['products.list', {}],
      ['products.list', {}]
    ])
  })

  it('throws an ApiError with the code, message, method and field issues', async () => {
    const issues = [{ field: 'environment.port', message: 'must be between 1 and 65535' }]
    const { transport } = fakeTransport({
      'environments.create': { ok: false, error: { code: 'validation', message: 'Invalid environment: port: must be between 1 and 65535', issues } }
    })
    const api = createApiClient(transport)
    const error = await api.environments.create({ environment: { name: 'x', port: 70000 } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ code: 'validation', method: 'environments.create', issues, message: 'Invalid environment: port: must be between 1 and 65535' })
  })

  it('gives an empty issue list when the error has none', async () => {
    const { transport } = fakeTransport({ 'apps.get': { ok: false, error: { code: 'not-found', message: 'App X does not exist' } } })
    const error = (await createApiClient(transport).apps.get({ app: 'X' }).catch((e: unknown) => e)) as ApiError
    expect([error.code, error.issues]).toEqual(['not-found', []])
  })

  it('delivers push events to subscribers until they unsubscribe', () => {
    const { transport, emit } = fakeTransport({})
    const api = createApiClient(transport)
    const seen: number[] = []
    const off = api.on('workspace.changed', (e) => seen.push(e.revision))
    emit('workspace.changed', { revision: 4, entity: 'apps' })
    off()
    emit('workspace.changed', { revision: 5, entity: 'apps' })
    expect(seen).toEqual([4])
  })
})

describe('HTTP transport', () => {
  it('posts the input as JSON to /api/<method> with the bearer secret and returns the body', async () => {
    const requests: Array<{ url: string; init: RequestInit }> = []
    const fetchImpl = (async (url: string, init: RequestInit) => {
      requests.push({ url, init })
      return new Response(JSON.stringify({ ok: true, data: { now: 1 } }), { status: 200, headers: { 'Content-Type': 'application/json' } })
    }) as unknown as typeof fetch
    const transport = httpTransport('s3cret-value', 'http://127.0.0.1:4000', fetchImpl)
    await expect(transport.invoke('clock.advance', { ms: 1000 })).resolves.toEqual({ ok: true, data: { now: 1 } })
    expect(requests).toHaveLength(1)
    expect(requests[0]!.url).toBe('http://127.0.0.1:4000/api/clock.advance')
    expect(requests[0]!.init.method).toBe('POST')
    expect(requests[0]!.init.headers).toEqual({ 'Content-Type': 'application/json', Authorization: 'Bearer s3cret-value' })
    expect(requests[0]!.init.body).toBe('{"ms":1000}')
  })

  it('turns a non-JSON 401 into an unauthorized result', async () => {
    const unauthorized = httpTransport('x', '', (async () => new Response('no', { status: 401 })) as unknown as typeof fetch)
    await expect(unauthorized.invoke('workspace.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'unauthorized' } })
  })

  it('reports an unreachable console as an ApiError with code network', async () => {
    const down = httpTransport('x', '', (async () => {
      throw new TypeError('Failed to fetch')
    }) as unknown as typeof fetch)
    const error = (await createApiClient(down).workspace.info({}).catch((e: unknown) => e)) as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect([error.code, error.method, error.message]).toEqual(['network', 'workspace.info', 'The console is not reachable (Failed to fetch)'])
  })
})

describe('HTTP transport events', () => {
  /** A fetch that serves each /api/events call from the next scripted stream (chunks, then closed unless `open`; or a status). */
  function scriptedFetch(streams: Array<{ chunks: string[]; open?: boolean } | number>) {
    const calls: Array<{ url: string; init: RequestInit }> = []
    const encoder = new TextEncoder()
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, init })
      const next = streams.shift()
      if (next === undefined) return new Promise<Response>(() => {})
      if (typeof next === 'number') return new Response('{}', { status: next })
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of next.chunks) controller.enqueue(encoder.encode(chunk))
          if (!next.open) controller.close()
        }
      })
      return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
    }) as unknown as typeof fetch
    return { calls, fetchImpl }
  }

  it('reads the stream with the secret in the Authorization header, never in the URL, and resyncs after a drop', async () => {
    const { calls, fetchImpl } = scriptedFetch([
      { chunks: [': connected\n\n', 'event: workspace.changed\ndata: {"revision":1,', '"entity":"apps"}\n\nevent: nothing.known\ndata: {}\n\n'] },
      401,
      { chunks: ['event: workspace.changed\ndata: {"revision":2,"entity":null}\n\n'], open: true }
    ])
    const transport = httpTransport('s3cret-value', 'http://127.0.0.1:4000', fetchImpl)
    const revisions: number[] = []
    const connection: boolean[] = []
    transport.onConnection((up) => connection.push(up))
    transport.on('workspace.changed', (e) => revisions.push(e.revision))
    await vi.waitFor(() => expect(revisions).toEqual([1, 2]), { timeout: 10_000 })
    expect(connection).toEqual([false, true])
    expect(calls.map((c) => c.url)).toEqual(Array(calls.length).fill('http://127.0.0.1:4000/api/events'))
    expect(calls[0]!.init.headers).toEqual({ Accept: 'text/event-stream', Authorization: 'Bearer s3cret-value' })
  })
})

describe('IPC transport (Electron preload bridge)', () => {
  it('calls window.gatelab.<domain>.<action>(input) and passes events through', async () => {
    const calls: unknown[] = []
    const subscribed: string[] = []
    const bridge = {
      developers: {
        setStatus: async (input: unknown) => {
          calls.push(input)
          return { ok: true, data: { email: 'dev.one@sample.example', status: 'inactive' } }
        }
      },
      on: (event: string) => {
        subscribed.push(event)
        return () => {}
      }
    } as unknown as NonNullable<Window['gatelab']>
    const api = createApiClient(ipcTransport(bridge))
    await expect(api.developers.setStatus({ email: 'dev.one@sample.example', status: 'inactive' })).resolves.toEqual({ email: 'dev.one@sample.example', status: 'inactive' })
    expect(calls).toEqual([{ email: 'dev.one@sample.example', status: 'inactive' }])
    api.on('clock.changed', () => {})
    expect(subscribed).toEqual(['clock.changed'])
  })

  it('answers unknown-method for a method the bridge does not have', async () => {
    const api = createApiClient(ipcTransport({ on: () => () => {} } as unknown as NonNullable<Window['gatelab']>))
    const error = (await api.products.list({}).catch((e: unknown) => e)) as ApiError
    expect(error.code).toBe('unknown-method')
  })
})
