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

/** Talks to the headless console: `POST /api/<method>` and Server-Sent Events at `/api/events`. */
export function httpTransport(secret: string | null, base = '', fetchImpl: typeof fetch = (...a) => window.fetch(...a)): Transport {
  const listeners = new Map<EventName, Set<AnyListener>>()
  const connectionListeners = new Set<(connected: boolean) => void>()
  let source: EventSource | null = null
  let connected = true

  // EventSource reconnects by itself; events sent while it was away are lost, so listeners hear of both edges and resync.
  function setConnected(next: boolean): void {
    if (next === connected) return
    connected = next
    for (const l of connectionListeners) l(next)
  }

  function connect(): void {
    if (source || typeof EventSource === 'undefined') return
    source = new EventSource(`${base}/api/events?secret=${encodeURIComponent(secret ?? '')}`)
    source.addEventListener('open', () => setConnected(true))
    source.addEventListener('error', () => setConnected(false))
    for (const name of eventNames) {
      source.addEventListener(name, (e) => {
        let payload: unknown
        try {
          payload = JSON.parse((e as MessageEvent<string>).data)
        } catch {
          return
        }
        for (const l of listeners.get(name) ?? []) (l as (p: unknown) => void)(payload)
      })
    }
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
