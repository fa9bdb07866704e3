import { describe, expect, it } from 'vitest'
import { guardNavigation, isAppUrl, secureWindowOptions } from '../../src/main/window/create-window'
import { CONSOLE_CSP } from '../../src/main/http/console-server'

describe('the console window', () => {
  const prefs = secureWindowOptions('/app/out/preload/index.cjs').webPreferences!

  it.each([
    ['contextIsolation', true],
    ['sandbox', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInWorker', false],
    ['nodeIntegrationInSubFrames', false],
    ['webSecurity', true],
    ['allowRunningInsecureContent', false],
    ['experimentalFeatures', false],
    ['webviewTag', false]
  ] as const)('has %s = %s', (key, value) => {
    expect(prefs[key]).toBe(value)
  })

  it('loads the bundled preload', () => {
    expect(prefs.preload).toBe('/app/out/preload/index.cjs')
  })

  it('denies window.open and blocks navigation away from the app origin', () => {
    const listeners = new Map<string, (event: { preventDefault(): void }, ...args: unknown[]) => void>()
    let openHandler: ((d: { url: string }) => { action: string }) | undefined
    guardNavigation({
      setWindowOpenHandler: (h) => (openHandler = h),
      on: (event, listener) => listeners.set(event, listener)
    })
    expect(openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    const attempt = (event: string, url: string): boolean => {
      let prevented = false
      listeners.get(event)!({ preventDefault: () => (prevented = true) }, url)
      return prevented
    }
    expect(attempt('will-navigate', 'https://evil.example/')).toBe(true)
    expect(attempt('will-navigate', 'file:///etc/passwd')).toBe(true)
    expect(attempt('will-navigate', 'app://console.evil.example/')).toBe(true)
    expect(attempt('will-redirect', 'http://127.0.0.1:9000/')).toBe(true)
    expect(attempt('will-navigate', 'app://console/index.html#/apps')).toBe(false)
    expect(attempt('will-attach-webview', 'app://console/')).toBe(true)
  })

  it('compares origins with a URL parser', () => {
    expect(isAppUrl('app://console/')).toBe(true)
    expect(isAppUrl('app://console@evil.example/')).toBe(false)
    expect(isAppUrl('not a url')).toBe(false)
  })

  it('enforces a strict Content-Security-Policy', () => {
    expect(CONSOLE_CSP).toContain("default-src 'self'")
    expect(CONSOLE_CSP).toContain("script-src 'self';")
    expect(CONSOLE_CSP).not.toMatch(/script-src[^;]*unsafe/)
    expect(CONSOLE_CSP).toContain("object-src 'none'")
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'")
  })
})
