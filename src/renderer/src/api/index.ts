/**
 * The renderer's only way to main: a typed client over the console contract. The same surface
 * works in Electron (preload bridge) and in a browser (headless console over HTTP).
 *   await api.call('products.list', {})   or   await api.products.list({})
 * Both unwrap the ConsoleResult and throw an ApiError (code, message, issues) on failure.
 */
import type { ConsoleEvents, EventName, MethodInput, MethodName, MethodResult } from '@shared/contract'
import type { ActionOf, Domain } from '../../../preload/index.d'
import { ApiError } from './errors'
import { httpTransport, ipcTransport, takeSecretFromLocation, TransportError, type Transport } from './transport'

export { ApiError, errorMessage, type ApiErrorCode } from './errors'
export type { Transport } from './transport'

export type ClientDomain<D extends Domain> = {
  [A in ActionOf<MethodName, D>]: `${D}.${A}` extends infer M extends MethodName ? (input: MethodInput<M>) => Promise<MethodResult<M>> : never
}

export interface ApiClientCore {
  readonly transport: Transport
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>>
  on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void): () => void
  /** `false` when the push channel drops, `true` when it is back (then caches must resync). */
  onConnection(listener: (connected: boolean) => void): () => void
}

export type ApiClient = ApiClientCore & { [D in Domain]: ClientDomain<D> }

/** Builds a client over a transport; exported so tests can drive it with a fake transport. */
export function createApiClient(transport: Transport): ApiClient {
  const core: ApiClientCore = {
    transport,
    async call(method, input) {
      let result
      try {
        result = await transport.invoke(method, input)
      } catch (error) {
        if (error instanceof TransportError) throw new ApiError(method, 'network', error.message)
        throw error
      }
      if (!result.ok) throw ApiError.fromData(method, result.error)
      return result.data as MethodResult<typeof method>
    },
    on(event, listener) {
      return transport.on(event, listener)
    },
    onConnection(listener) {
      return transport.onConnection(listener)
    }
  }
  const domains = new Map<string, unknown>()
  return new Proxy(core as ApiClient, {
    get(target, prop, receiver) {
      if (typeof prop !== 'string' || prop in target) return Reflect.get(target, prop, receiver)
      let domain = domains.get(prop)
      if (!domain) {
        domain = new Proxy(
          {},
          {
            get: (_t, action) => (typeof action === 'string' ? (input: unknown) => core.call(`${prop}.${action}` as MethodName, input as never) : undefined)
          }
        )
        domains.set(prop, domain)
      }
      return domain
    }
  })
}

function defaultTransport(): Transport {
  if (typeof window !== 'undefined' && window.gatelab) return ipcTransport(window.gatelab)
  return httpTransport(typeof window !== 'undefined' ? takeSecretFromLocation() : null)
}

let client: ApiClient | null = null

/** The app-wide client, created on first use (after the secret has been read from the URL). */
export function useApi(): ApiClient {
  if (!client) client = createApiClient(defaultTransport())
  return client
}

/** Replaces the app-wide client (tests and the mock harness). */
export function setApiClient(next: ApiClient): void {
  client = next
}
