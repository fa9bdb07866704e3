/**
 * Serves every contract method over Electron IPC: one channel per method (`domain.action`).
 * Each call is checked for its sender frame, parsed against the contract, and answered as a
 * ConsoleResult, because only an error's message would survive a throw across IPC.
 */
import { methodNames, type ConsoleResult, type ConsoleServices } from '../../shared/contract'
import { dispatch } from '../dispatch'

/** The part of Electron's ipcMain this module needs (a fake in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, input: unknown) => Promise<unknown>): void
  removeHandler(channel: string): void
}

/** Registers a handler for every method; returns the channels registered. */
export function registerConsoleIpc(
  ipcMain: IpcMainLike,
  services: ConsoleServices,
  isTrustedSender: (frameUrl: string) => boolean
): string[] {
  for (const method of methodNames) {
    ipcMain.handle(method, async (event, input): Promise<ConsoleResult<unknown>> => {
      const url = event.senderFrame?.url
      if (!url || !isTrustedSender(url)) {
        return { ok: false, error: { code: 'forbidden', message: 'Calls are accepted only from the Gatelab window' } }
      }
      return dispatch(services, method, input)
    })
  }
  return [...methodNames]
}

/** Removes every handler registerConsoleIpc added. */
export function unregisterConsoleIpc(ipcMain: IpcMainLike): void {
  for (const method of methodNames) ipcMain.removeHandler(method)
}

/** Channel of push events (main -> renderer). */
export const EVENT_CHANNEL = 'gatelab:event'
