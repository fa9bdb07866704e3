/**
 * The type of `window.gatelab`, derived from the console contract: one async function per
 * `domain.action` method, plus `on` for the push events. The preload builds the object; the
 * renderer only sees this type, so the contract is the single source of both.
 */
import type { ConsoleEvents, ConsoleResult, EventName, MethodInput, MethodName, MethodResult } from '../shared/contract'

/** `products.list` -> `products`. */
export type DomainOf<M extends string> = M extends `${infer D}.${string}` ? D : never
/** Methods of a domain, by their action name: `products` -> `list | get | ...`. */
export type ActionOf<M extends string, D extends string> = M extends `${D}.${infer A}` ? A : never
export type Domain = DomainOf<MethodName>

export type GatelabDomainApi<D extends Domain> = {
  [A in ActionOf<MethodName, D>]: `${D}.${A}` extends infer M extends MethodName
    ? (input: MethodInput<M>) => Promise<ConsoleResult<MethodResult<M>>>
    : never
}

export type GatelabApi = { [D in Domain]: GatelabDomainApi<D> } & {
  /** Subscribes to a push event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void): () => void
}

declare global {
  interface Window {
    gatelab?: GatelabApi
  }
}
