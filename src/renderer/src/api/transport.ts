import type { ConsoleEvents, ConsoleResult, EventName } from '@shared/contract'
import { eventNames } from '@shared/contract'

/** How calls and push events reach main: Electron IPC (preload) or HTTP + SSE (headless console). */
export interface Transport {
  readonly kind: 'ipc' | 'http'
  invoke(method: string, input: unknown): Promise<ConsoleResult<unknown>>
  on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void): () => void
  /** Reports when the push channel drops (`false`) and comes back (`true`); IPC never drops. */
  onConnection(listener: (connected: boolean) => void): () => void
}

type AnyListener = (payload: never) => void

/** The request never got an answer (console stopped, network down); no ConsoleResult exists. */
export class TransportError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TransportError'
  }
}

/** Uses the `window.gatelab` object the Electron preload exposes. */
export function ipcTransport(bridge: NonNullable<Window['gatelab']>): Transport {
  return {
    kind: 'ipc',
    invoke(method, input) {
      const [domain, action] = method.split('.') as [string, string]
      const domainApi = (bridge as unknown as Record<string, Record<string, (i: unknown) => Promise<ConsoleResult<unknown>>>>)[domain]
      const fn = domainApi?.[action]
      if (!fn) {
        return Promise.resolve({ ok: false, error: { code: 'unknown-method', message: `Unknown console method ${method}` } })
      }
      return fn(input)
    },
    on(event, listener) {
      return bridge.on(event, listener)
    },
    onConnection() {
      return () => {}
    }
  }
}

const SECRET_KEY = 'gatelab.secret'

/**
 * Reads the per-run secret from the URL fragment (`#secret=<s>`) once, keeps it in sessionStorage
 * so a reload still works, and removes it from the address bar so it is not shared by copy-paste.
 */
export function takeSecretFromLocation(loc: Location = window.location, storage: Storage = window.sessionStorage): string | null {
  const fragment = new URLSearchParams(loc.hash.replace(/^#/, ''))
  const fromUrl = fragment.get('secret')
  if (fromUrl) {
    storage.setItem(SECRET_KEY, fromUrl)
    window.history.replaceState(window.history.state, '', loc.pathname + loc.search)
    return fromUrl
  }
  return storage.getItem(SECRET_KEY)
}

/** Waits after a dropped event stream before the next try: doubling from the first to the last. */
const RETRY_FIRST_MS = 500
const RETRY_LAST_MS = 5_000

/**
 * Reads a Server-Sent Events body and calls `onEvent` for every complete `event:`/`data:` frame.
 * Resolves when the stream ends.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (name: string, data: string) => void): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let name = 'message'
      const data: string[] = []
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
      }
      if (data.length > 0) onEvent(name, data.join('\n'))
    }
  }
}

/**
 * Talks to the headless console: `POST /api/<method>`, and Server-Sent Events from `GET /api/events`
 * read through fetch, so that the secret travels in the Authorization header (EventSource can only
 * put it in the URL, where logs and history keep it).
 */
export function httpTransport(secret: string | null, base = '', fetchImpl: typeof fetch = (...a) => window.fetch(...a)): Transport {
  const listeners = new Map<EventName, Set<AnyListener>>()
  const connectionListeners = new Set<(connected: boolean) => void>()
  const known = new Set<string>(eventNames)
  let stream: AbortController | null = null
  let connected = true

  // Events sent while the stream was away are lost, so listeners hear of both edges and resync.
  function setConnected(next: boolean): void {
    if (next === connected) return
    connected = next
    for (const l of connectionListeners) l(next)
  }

  function dispatchEvent(name: string, data: string): void {
    if (!known.has(name)) return
    let payload: unknown
    try {
      payload = JSON.parse(data)
    } catch {
      return
    }
    for (const l of listeners.get(name as EventName) ?? []) (l as (p: unknown) => void)(payload)
  }

  /** Keeps one event stream open while anyone listens, reconnecting with a growing pause after a drop. */
  async function follow(control: AbortController): Promise<void> {
    let pause = RETRY_FIRST_MS
    while (!control.signal.aborted) {
      try {
        const response = await fetchImpl(`${base}/api/events`, {
          headers: { Accept: 'text/event-stream', Authorization: `Bearer ${secret ?? ''}` },
          cache: 'no-store',
          signal: control.signal
        })
        if (!response.ok || !response.body) throw new Error(`the event stream answered ${response.status}`)
        setConnected(true)
        pause = RETRY_FIRST_MS
        await readEventStream(response.body, dispatchEvent)
      } catch {
        // A refused or dropped stream: reported below, then tried again.
      }
      if (control.signal.aborted) return
      setConnected(false)
      await new Promise((resolve) => setTimeout(resolve, pause))
      pause = Math.min(pause * 2, RETRY_LAST_MS)
    }
  }

  function connect(): void {
    if (stream) return
    stream = new AbortController()
    void follow(stream)
  }

  function disconnectWhenUnused(): void {
    for (const set of listeners.values()) if (set.size > 0) return
    stream?.abort()
    stream = null
  }

  return {
    kind: 'http',
    async invoke(method, input) {
      let response: Response
      try {
        response = await fetchImpl(`${base}/api/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${secret ?? ''}` },
          body: JSON.stringify(input ?? {})
        })
      } catch (error) {
        throw new TransportError(`The console is not reachable (${error instanceof Error ? error.message : String(error)})`)
      }
      try {
        return (await response.json()) as ConsoleResult<unknown>
      } catch {
        const code = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'internal'
        return { ok: false, error: { code, message: `The console answered ${response.status} without a result` } }
      }
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as AnyListener)
      connect()
      return () => {
        set.delete(listener as AnyListener)
        disconnectWhenUnused()
      }
    },
    onConnection(listener) {
      connectionListeners.add(listener)
      return () => {
        connectionListeners.delete(listener)
      }
    }
  }
}
