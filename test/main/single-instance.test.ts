import { describe, expect, it } from 'vitest'
import { mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { claimSingleInstance, lockHolder, secondLaunchMessage, type FocusableWindow, type InstanceLockApp } from '../../src/main/window/single-instance'

type SecondInstance = (event: unknown, argv: string[], cwd: string, data: unknown) => void

function fakeApp(lockFree: boolean): InstanceLockApp & { sent?: unknown; secondInstance?: SecondInstance } {
  const app: InstanceLockApp & { sent?: unknown; secondInstance?: SecondInstance } = {
    requestSingleInstanceLock: (data) => {
      app.sent = data
      return lockFree
    },
    on: (_event, listener) => (app.secondInstance = listener)
  }
  return app
}

function fakeWindow(minimized: boolean): FocusableWindow & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    isDestroyed: () => false,
    isMinimized: () => minimized,
    restore: () => calls.push('restore'),
    show: () => calls.push('show'),
    focus: () => calls.push('focus')
  }
}

describe('the single-instance lock', () => {
  it('refuses a second launch with a message naming the profile, the running process and the data folder', () => {
    const profile = mkdtempSync(join(tmpdir(), 'gatelab-profile-'))
    symlinkSync('devbox-4242', join(profile, 'SingletonLock'))
    const app = fakeApp(false)
    const logged: string[] = []
    const primary = claimSingleInstance(app, { profileDir: profile, dataDir: '/data/two', window: () => undefined, openWindow: () => {}, log: (m) => logged.push(m) })
    expect(primary).toBe(false)
    expect(app.sent).toEqual({ dataDir: '/data/two' })
    expect(app.secondInstance).toBeUndefined()
    expect(logged).toEqual([
      `Gatelab is already running (process 4242, profile ${profile}): its window was brought to the front and this launch exits without opening /data/two. ` +
        'One desktop console runs per user; for a second console on another data folder, start headless mode with --data DIR.'
    ])
  })

  it('names no process where the platform keeps no lock symlink', () => {
    const profile = mkdtempSync(join(tmpdir(), 'gatelab-profile-'))
    expect(lockHolder(profile)).toBeUndefined()
    expect(secondLaunchMessage(profile, '/d')).toMatch(new RegExp(`^Gatelab is already running \\(profile ${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): `))
  })

  it('brings the running window to the front on a second launch, restoring it when minimized', () => {
    const app = fakeApp(true)
    const window = fakeWindow(true)
    const logged: string[] = []
    expect(claimSingleInstance(app, { profileDir: '/p', dataDir: '/d', window: () => window, openWindow: () => {}, log: (m) => logged.push(m) })).toBe(true)
    app.secondInstance!({}, [], '/', { dataDir: '/data/two' })
    expect(window.calls).toEqual(['restore', 'show', 'focus'])
    expect(logged).toEqual(["Gatelab: a second launch (data folder /data/two) was refused; this console's window was brought to the front."])
  })

  it('opens a window on a second launch when the running console has none', () => {
    const app = fakeApp(true)
    let opened = 0
    claimSingleInstance(app, { profileDir: '/p', dataDir: '/d', window: () => undefined, openWindow: () => opened++, log: () => {} })
    app.secondInstance!({}, [], '/', null)
    expect(opened).toBe(1)
  })
})
