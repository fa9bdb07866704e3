/**
 * The desktop app: Electron's main process. Builds the same console as headless mode, serves the
 * renderer from the `app://console` protocol (never file://), and wires the contract over IPC.
 */
import { app, BrowserWindow, ipcMain, net, protocol, session, dialog } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CliError, USAGE, USAGE_EXIT_CODE, checkStartupPaths, parseCliOptions, type CliOptions } from './cli'
import { createConsole, type GatelabConsole } from './console'
import { CONSOLE_CSP } from './http/console-server'
import { EVENT_CHANNEL, registerConsoleIpc, unregisterConsoleIpc } from './ipc/register'
import { appPaths } from './paths'
import { APP_ORIGIN, APP_SCHEME, createConsoleWindow, denyAllPermissions, guardNavigation, isAppUrl } from './window/create-window'
import { rendererFile } from './window/renderer-files'
import { claimSingleInstance } from './window/single-instance'
import { DataFolderInUseError, StoreStartError } from './store'

// Every renderer sandboxed, whatever its options say; every WebContents (windows, devtools, anything
// created later) gets the navigation and new-window guards.
app.enableSandbox()
app.on('web-contents-created', (_event, contents) => guardNavigation(contents))
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }])

const paths = appPaths(import.meta.url)
let gatelab: GatelabConsole | undefined
let mainWindow: BrowserWindow | undefined

/** Serves the built renderer under app://console/, with the console CSP on every response. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = rendererFile(paths.rendererDir, request.url)
    if (!('file' in target)) return new Response(target.message, { status: target.status })
    const response = await net.fetch(pathToFileURL(target.file).toString()).catch(() => net.fetch(pathToFileURL(join(paths.rendererDir, 'index.html')).toString()))
    const headers = new Headers(response.headers)
    headers.set('Content-Security-Policy', CONSOLE_CSP)
    headers.set('X-Content-Type-Options', 'nosniff')
    return new Response(response.body, { status: response.status, headers })
  })
}

async function openWindow(): Promise<void> {
  const window = createConsoleWindow(paths.preload)
  mainWindow = window
  window.once('closed', () => {
    if (mainWindow === window) mainWindow = undefined
  })
  window.once('ready-to-show', () => window.show())
  await window.loadURL(`${APP_ORIGIN}/index.html`)
}

async function start(options: CliOptions): Promise<void> {
  await checkStartupPaths(options)
  await app.whenReady()
  denyAllPermissions(session.defaultSession)
  serveRenderer()
  gatelab = await createConsole({
    dataDir: options.dataDir,
    workspaceFile: options.workspace,
    sampleFile: paths.sampleWorkspace,
    envPorts: options.envPorts,
    traceMaxBytes: options.traceMaxBytes,
    instance: 'desktop'
  })
  registerConsoleIpc(ipcMain, gatelab.services, isAppUrl)
  gatelab.events.subscribe((name, payload) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send(EVENT_CHANNEL, name, payload)
  })
  await openWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void openWindow()
  })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
app.on('will-quit', (event) => {
  if (!gatelab) return
  event.preventDefault()
  const closing = gatelab
  gatelab = undefined
  unregisterConsoleIpc(ipcMain)
  void closing.close().finally(() => app.quit())
})

function fail(error: unknown): void {
  const known = error instanceof CliError || error instanceof DataFolderInUseError || error instanceof StoreStartError
  const message = known ? (error as Error).message : `Gatelab could not start: ${(error as Error).stack ?? error}`
  console.error(error instanceof CliError && error.usage ? `${message}\n\n${USAGE}` : message)
  dialog.showErrorBox('Gatelab', message)
  app.exit(error instanceof CliError ? USAGE_EXIT_CODE : 1)
}

function main(): void {
  let options: CliOptions
  try {
    const electronArgs = process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => a !== '.')
    options = parseCliOptions(electronArgs, { ...process.env, GATELAB_DATA: process.env.GATELAB_DATA || app.getPath('userData') })
  } catch (error) {
    fail(error)
    return
  }
  if (options.help) {
    console.log(USAGE)
    app.exit(0)
    return
  }
  const primary = claimSingleInstance(app, {
    profileDir: app.getPath('userData'),
    dataDir: options.dataDir,
    window: () => mainWindow,
    // Before the console is up its window is on the way; afterwards (macOS, every window closed) open one.
    openWindow: () => {
      if (gatelab) void openWindow().catch(fail)
    }
  })
  // A second launch exits before it opens the store or binds a port; the first one has its window up front.
  if (!primary) app.exit(0)
  else start(options).catch(fail)
}

main()
