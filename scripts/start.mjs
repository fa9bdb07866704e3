#!/usr/bin/env node
/**
 * `npm start`: builds, then opens the desktop window where Electron can run. Where it cannot
 * (no Electron binary, no display), starts the headless console instead and prints its URL.
 * Arguments after `--` go to the console: `npm start -- --port 9100 --data ./data`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const args = process.argv.slice(2)

const electronVite = fileURLToPath(new URL('../node_modules/electron-vite/bin/electron-vite.js', import.meta.url))
const build = spawnSync(process.execPath, [electronVite, 'build'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

/**
 * The Electron binary, or the reason there is none. On first run it is fetched (electron's own install
 * script), bounded in time and quiet: where the download host cannot be reached, headless mode follows.
 */
function electronBinary() {
  const dir = dirname(require.resolve('electron/package.json'))
  const located = () => {
    const pathFile = join(dir, 'path.txt')
    if (!existsSync(pathFile)) return null
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(binary) ? binary : null
  }
  let binary = located()
  if (!binary && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.log('Gatelab: fetching the Electron binary (first run)...')
    spawnSync(process.execPath, [join(dir, 'install.js')], { cwd: dir, stdio: 'ignore', timeout: 120_000 })
    binary = located()
  }
  return binary ? { binary } : { reason: 'the Electron binary is not installed and could not be downloaded from here (`npx install-electron` fetches it)' }
}

const electron = electronBinary()
const display = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
let command, commandArgs
if (electron.binary && display) {
  command = electron.binary
  commandArgs = ['.', ...args]
} else {
  const reason = electron.binary ? 'there is no display' : electron.reason
  console.log(`Gatelab: the desktop window cannot open here because ${reason}; starting the headless console instead.`)
  command = process.execPath
  commandArgs = [fileURLToPath(new URL('../out/main/serve.js', import.meta.url)), ...args]
}

const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)))
