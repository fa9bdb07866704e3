import { describe, expect, it, vi } from 'vitest'
import type { BrowserWindowConstructorOptions } from 'electron'

// The real module needs the Electron binary: record what the window is constructed with instead.
const constructed: BrowserWindowConstructorOptions[] = []
vi.mock('electron', () => ({
  BrowserWindow: class {
    constructor(options: BrowserWindowConstructorOptions) {
      constructed.push(options)
    }
  }
}))

const { createConsoleWindow, denyAllPermissions, guardNavigation, isAppUrl } = await import('../../src/main/window/create-window')
const { CONSOLE_CSP } = await import('../../src/main/http/console-server')

describe('the console window', () => {
  createConsoleWindow('/app/out/preload/index.cjs')
  const prefs = constructed[0]!.webPreferences!

  it.each([
    ['contextIsolation', true],
    ['sandbox', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInWorker', false],
    ['nodeIntegrationInSubFrames', false],
    ['webSecurity', true],
    ['allowRunningInsecureContent', false],
    ['experimentalFeatures', false],
    ['webviewTag', false],
    ['navigateOnDragDrop', false]
  ] as const)('is constructed with %s = %s', (key, value) => {
    expect(prefs[key]).toBe(value)
  })

  it('enables no Blink feature and loads the bundled preload', () => {
    expect(prefs.enableBlinkFeatures).toBeUndefined()
    expect(prefs.preload).toBe('/app/out/preload/index.cjs')
  })

  it('denies window.open and blocks navigation of any frame away from the app origin', () => {
    const listeners = new Map<string, (event: { preventDefault(): void; url?: string }, ...args: unknown[]) => void>()
    let openHandler: ((d: { url: string }) => { action: string }) | undefined
    guardNavigation({
      setWindowOpenHandler: (h) => (openHandler = h),
      on: (event, listener) => listeners.set(event, listener)
    })
    expect(openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    expect(openHandler!({ url: 'app://console/index.html' })).toEqual({ action: 'deny' })
    const attempt = (event: string, url: string, asArgument = true): boolean => {
      let prevented = false
      const e = { preventDefault: () => (prevented = true), url }
      if (asArgument) listeners.get(event)!(e, url)
      else listeners.get(event)!(e)
      return prevented
    }
    expect(attempt('will-navigate', 'https://evil.example/')).toBe(true)
    expect(attempt('will-navigate', 'file:///etc/passwd')).toBe(true)
    expect(attempt('will-navigate', 'app://console.evil.example/')).toBe(true)
    expect(attempt('will-redirect', 'http://127.0.0.1:9000/')).toBe(true)
    expect(attempt('will-navigate', 'app://console/index.html#/apps')).toBe(false)
    // Subframes navigate through will-frame-navigate, whose url is a property of the event.
    expect(attempt('will-frame-navigate', 'https://evil.example/frame', false)).toBe(true)
    expect(attempt('will-frame-navigate', 'app://console/index.html', false)).toBe(false)
    expect(attempt('will-attach-webview', 'app://console/')).toBe(true)
  })

  it('compares origins with a URL parser', () => {
    expect(isAppUrl('app://console/')).toBe(true)
    expect(isAppUrl('app://console@evil.example/')).toBe(false)
    expect(isAppUrl('not a url')).toBe(false)
  })

  it('denies every permission request and check', () => {
    let requestHandler: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | undefined
    let checkHandler: ((c: unknown, p: string) => boolean) | undefined
    denyAllPermissions({
      setPermissionRequestHandler: (h) => (requestHandler = h),
      setPermissionCheckHandler: (h) => (checkHandler = h)
    })
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      let granted: boolean | undefined
      requestHandler!({}, permission, (g) => (granted = g))
      expect(granted, permission).toBe(false)
      expect(checkHandler!({}, permission), permission).toBe(false)
    }
  })

  it('enforces a strict Content-Security-Policy', () => {
    expect(CONSOLE_CSP).toContain("default-src 'self'")
    expect(CONSOLE_CSP).toContain("script-src 'self';")
    expect(CONSOLE_CSP).not.toMatch(/script-src[^;]*unsafe/)
    expect(CONSOLE_CSP).toContain("object-src 'none'")
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'")
  })
})
