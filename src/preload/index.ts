/**
 * The preload: exposes `window.gatelab`, one named function per contract method plus `on(event)`
 * for push events. No raw ipcRenderer, no generic invoke: the renderer can call the contract and
 * nothing else, and listeners never see the IpcRendererEvent.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { eventNames, methodNames, type EventName } from '../shared/contract'

const EVENT_CHANNEL = 'gatelab:event'

function buildApi(): Record<string, unknown> {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>> | unknown> = {}
  for (const method of methodNames) {
    const [domain, action] = method.split('.') as [string, string]
    const group = (api[domain] ??= {}) as Record<string, (input?: unknown) => Promise<unknown>>
    group[action] = (input?: unknown) => ipcRenderer.invoke(method, input ?? {})
  }
  api.on = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    if (!eventNames.includes(event)) throw new Error(`Unknown event ${String(event)}`)
    const relay = (_e: unknown, name: string, payload: unknown): void => {
      if (name === event) listener(payload)
    }
    ipcRenderer.on(EVENT_CHANNEL, relay)
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, relay)
  }
  api.transport = 'ipc'
  return api
}

contextBridge.exposeInMainWorld('gatelab', buildApi())
