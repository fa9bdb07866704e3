/**
 * The desktop app: Electron's main process. Builds the same console as headless mode, serves the
 * renderer from the `app://console` protocol (never file://), and wires the contract over IPC.
 */
import { app, BrowserWindow, ipcMain, net, protocol, session, dialog } from 'electron'
import { join, normalize, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CliError, parseCliOptions } from './cli'
import { createConsole, type GatelabConsole } from './console'
import { CONSOLE_CSP } from './http/console-server'
import { EVENT_CHANNEL, registerConsoleIpc, unregisterConsoleIpc } from './ipc/register'
import { appPaths } from './paths'
import { DataFolderInUseError, StoreStartError } from './store'
import { APP_ORIGIN, APP_SCHEME, guardNavigation, isAppUrl, secureWindowOptions } from './window/create-window'

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }])

const paths = appPaths(import.meta.url)
let gatelab: GatelabConsole | undefined

/** Serves the built renderer under app://console/, with the console CSP on every response. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host !== 'console') return new Response('Not found', { status: 404 })
    const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1))
    const file = normalize(join(paths.rendererDir, relative))
    if (!file.startsWith(normalize(paths.rendererDir) + sep)) return new Response('Forbidden', { status: 403 })
    const response = await net.fetch(pathToFileURL(file).toString()).catch(() => net.fetch(pathToFileURL(join(paths.rendererDir, 'index.html')).toString()))
    const headers = new Headers(response.headers)
    headers.set('Content-Security-Policy', CONSOLE_CSP)
    headers.set('X-Content-Type-Options', 'nosniff')
    return new Response(response.body, { status: response.status, headers })
  })
}

async function openWindow(): Promise<void> {
  const window = new BrowserWindow(secureWindowOptions(paths.preload))
  guardNavigation(window.webContents)
  window.once('ready-to-show', () => window.show())
  await window.loadURL(`${APP_ORIGIN}/index.html`)
}

async function start(): Promise<void> {
  const electronArgs = process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => a !== '.')
  const options = parseCliOptions(electronArgs, { ...process.env, GATELAB_DATA: process.env.GATELAB_DATA || app.getPath('userData') })
  await app.whenReady()
  // The console asks for no permissions (camera, notifications, ...): deny them all.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  serveRenderer()
  gatelab = await createConsole({
    dataDir: options.dataDir,
    workspaceFile: options.workspace,
    sampleFile: paths.sampleWorkspace,
    envPorts: options.envPorts,
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

start().catch((error) => {
  const known = error instanceof CliError || error instanceof DataFolderInUseError || error instanceof StoreStartError
  const message = known ? error.message : `Gatelab could not start: ${(error as Error).stack ?? error}`
  console.error(message)
  dialog.showErrorBox('Gatelab', message)
  app.exit(1)
})
