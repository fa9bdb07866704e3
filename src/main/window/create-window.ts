/**
 * The console window, locked down per Electron's security checklist: context isolation, sandbox,
 * no Node integration, web security on, no new windows, no navigation away, no permissions,
 * and a strict Content-Security-Policy on everything the app protocol serves.
 */
import type { BrowserWindowConstructorOptions } from 'electron'

/** The app's own origin: the renderer is served from this custom protocol, never from file://. */
export const APP_SCHEME = 'app'
export const APP_ORIGIN = `${APP_SCHEME}://console`

/** Window options; a unit test asserts every security-relevant value. */
export function secureWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Gatelab',
    backgroundColor: '#101014',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false
    }
  }
}

/** True when `url` belongs to the console's own origin (compared with a URL parser, not startsWith). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === 'console'
  } catch {
    return false
  }
}

/** The subset of a WebContents the guards need (a fake in tests). */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: { preventDefault(): void }, ...args: unknown[]) => void): unknown
}

/** Denies new windows, navigation away from the app origin, and webview attachment. */
export function guardNavigation(contents: GuardedContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  const blockForeign = (event: { preventDefault(): void }, url: unknown): void => {
    if (typeof url !== 'string' || !isAppUrl(url)) event.preventDefault()
  }
  contents.on('will-navigate', blockForeign)
  contents.on('will-redirect', blockForeign)
  contents.on('will-attach-webview', (event) => event.preventDefault())
}
