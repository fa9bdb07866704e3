import { describe, expect, it, vi } from 'vitest'
import { contract, methodNames } from '../../src/shared/contract'
import { registerConsoleIpc, type IpcMainLike } from '../../src/main/ipc/register'
import { isMethodName } from '../../src/main/dispatch'

const exposed: Record<string, unknown> = {}
const invoked: Array<[string, unknown]> = []
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: {
    invoke: (channel: string, input: unknown) => {
      invoked.push([channel, input])
      return Promise.resolve({ ok: true, data: null })
    },
    on: () => undefined,
    removeListener: () => undefined
  }
}))

function fakeIpcMain(): IpcMainLike & { channels: Map<string, (e: { senderFrame: { url: string } | null }, input: unknown) => Promise<unknown>> } {
  const channels = new Map()
  return { channels, handle: (c, l) => void channels.set(c, l), removeHandler: (c) => void channels.delete(c) }
}

describe('one contract, three transports', () => {
  it('every contract method has an input schema and a domain.action name', () => {
    for (const name of methodNames) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/)
      expect(typeof contract[name].input.safeParse).toBe('function')
    }
  })

  it('IPC registers exactly the contract methods', () => {
    const ipc = fakeIpcMain()
    const registered = registerConsoleIpc(ipc, {} as never, () => true)
    expect([...ipc.channels.keys()].sort()).toEqual([...methodNames].sort())
    expect(registered.sort()).toEqual([...methodNames].sort())
  })

  it('the preload exposes exactly one named function per contract method, plus on()', async () => {
    await import('../../src/preload/index')
    const api = exposed.gatelab as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>
    const functions = Object.entries(api).flatMap(([domain, group]) =>
      typeof group === 'object' ? Object.keys(group).map((action) => `${domain}.${action}`) : []
    )
    expect(functions.sort()).toEqual([...methodNames].sort())
    expect(typeof api.on).toBe('function')
    expect('invoke' in api).toBe(false)
    await api.clock!.advance!({ ms: 60000 })
    expect(invoked).toEqual([['clock.advance', { ms: 60000 }]])
  })

  it('HTTP routes serve every contract method and nothing else', () => {
    for (const name of methodNames) expect(isMethodName(name)).toBe(true)
    expect(isMethodName('constructor')).toBe(false)
    expect(isMethodName('toString')).toBe(false)
    expect(isMethodName('workspace.drop')).toBe(false)
  })

  it('IPC refuses calls from a frame that is not the console and changes nothing', async () => {
    const ipc = fakeIpcMain()
    const calls: string[] = []
    const services = new Proxy({}, { get: (_t, m: string) => () => void calls.push(m) }) as never
    registerConsoleIpc(ipc, services, (url) => url.startsWith('app://console/'))
    const handler = ipc.channels.get('developers.setStatus')!
    const foreign = await handler({ senderFrame: { url: 'https://evil.example/' } }, { email: 'a@b.c', status: 'inactive' })
    expect(foreign).toEqual({ ok: false, error: { code: 'forbidden', message: 'Calls are accepted only from the Gatelab window' } })
    const detached = await handler({ senderFrame: null }, { email: 'a@b.c', status: 'inactive' })
    expect((detached as { ok: boolean }).ok).toBe(false)
    expect(calls).toEqual([])
    const own = await handler({ senderFrame: { url: 'app://console/index.html' } }, { email: 'a@b.c', status: 'inactive' })
    expect(own).toEqual({ ok: true, data: null })
    expect(calls).toEqual(['developers.setStatus'])
  })

  it('IPC parses input against the contract before calling the service', async () => {
    const ipc = fakeIpcMain()
    const calls: string[] = []
    const services = new Proxy({}, { get: (_t, m: string) => () => void calls.push(m) }) as never
    registerConsoleIpc(ipc, services, () => true)
    const result = (await ipc.channels.get('developers.setStatus')!({ senderFrame: { url: 'app://console/' } }, { email: 'a@b.c', status: 'sleeping' })) as {
      ok: boolean
      error: { code: string; issues: Array<{ field: string }> }
    }
    expect(result.ok).toBe(false)
    expect(result.error.code).toBe('bad-input')
    expect(result.error.issues[0]!.field).toBe('status')
    expect(calls).toEqual([])
  })
})
