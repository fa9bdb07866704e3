/**
 * One desktop console per user profile: Electron's single-instance lock. A second launch brings the
 * running console's window to the front and exits before it opens a store or binds a port, so two
 * windows never write the same workspace. (Headless mode has its own lock file in the data folder.)
 */
import { readlinkSync } from 'node:fs'
import { join } from 'node:path'

/** The subset of Electron's `app` the lock needs (a fake in tests). */
export interface InstanceLockApp {
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean
  on(event: 'second-instance', listener: (event: unknown, argv: string[], workingDirectory: string, additionalData: unknown) => void): unknown
}

/** The subset of a BrowserWindow needed to bring it to the front. */
export interface FocusableWindow {
  isDestroyed(): boolean
  isMinimized(): boolean
  restore(): void
  show(): void
  focus(): void
}

export interface SingleInstanceOptions {
  /** Chromium's profile folder (app.getPath('userData')), where the lock lives. */
  profileDir: string
  /** The data folder this launch asked for, named in the messages. */
  dataDir: string
  /** The running console's window, if it has one open. */
  window: () => FocusableWindow | undefined
  /** Opens a window when the running console has none (macOS keeps running with every window closed). */
  openWindow: () => void
  log?: (message: string) => void
}

/**
 * The process holding the lock, where the platform tells: on Linux and macOS Chromium's lock is a
 * symlink `SingletonLock -> <host>-<pid>` in the profile folder. Windows uses a named pipe instead.
 */
export function lockHolder(profileDir: string): string | undefined {
  try {
    const pid = /-(\d+)$/.exec(readlinkSync(join(profileDir, 'SingletonLock')))?.[1]
    return pid ? `process ${pid}` : undefined
  } catch {
    return undefined
  }
}

/** What a refused second launch prints. */
export function secondLaunchMessage(profileDir: string, dataDir: string, holder = lockHolder(profileDir)): string {
  const running = holder ? `Gatelab is already running (${holder}, profile ${profileDir})` : `Gatelab is already running (profile ${profileDir})`
  return (
    `${running}: its window was brought to the front and this launch exits without opening ${dataDir}. ` +
    'One desktop console runs per user; for a second console on another data folder, start headless mode with --data DIR.'
  )
}

/**
 * Takes the lock. Returns false after printing why when another instance holds it (the caller exits);
 * otherwise returns true and, on every later launch, brings this instance's window to the front.
 */
export function claimSingleInstance(app: InstanceLockApp, options: SingleInstanceOptions): boolean {
  const log = options.log ?? ((message: string) => console.error(message))
  if (!app.requestSingleInstanceLock({ dataDir: options.dataDir })) {
    log(secondLaunchMessage(options.profileDir, options.dataDir))
    return false
  }
  app.on('second-instance', (_event, _argv, _cwd, additionalData) => {
    const asked = (additionalData as { dataDir?: unknown } | null)?.dataDir
    log(`Gatelab: a second launch${typeof asked === 'string' ? ` (data folder ${asked})` : ''} was refused; this console's window was brought to the front.`)
    const window = options.window()
    if (!window || window.isDestroyed()) {
      options.openWindow()
      return
    }
    if (window.isMinimized()) window.restore()
    window.show()
    window.focus()
  })
  return true
}
