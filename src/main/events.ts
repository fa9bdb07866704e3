/** The push-event hub: services emit, transports (IPC, Server-Sent Events) forward to every console. */
import type { ConsoleEvents, EventName } from '../shared/contract'

export type EventListener = <E extends EventName>(name: E, payload: ConsoleEvents[E]) => void

export class EventHub {
  private readonly listeners = new Set<EventListener>()

  emit<E extends EventName>(name: E, payload: ConsoleEvents[E]): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload)
      } catch (error) {
        console.error(`event listener for ${name} failed`, error)
      }
    }
  }

  /** Adds a listener for every event; returns the function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
