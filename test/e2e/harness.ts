/**
 * Browser-test harness: starts the headless console (`node out/main/serve.js`) on free ports with a
 * fresh data directory (so every test file sees the sample workspace), and drives Debian's chromium
 * through playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { inject } from 'vitest'

export const ROOT = resolve(import.meta.dirname, '../..')
export const SERVE_SCRIPT = join(ROOT, 'out/main/serve.js')
export const CHROMIUM_PATH = '/usr/bin/chromium'
export const RESULTS_DIR = join(ROOT, 'test-results')

/** The serve script of the build snapshot global-setup made, or of out/ when run without it. */
export function serveScript(): string {
  let dir: string | undefined
  try {
    dir = inject('gatelabBuildDir')
  } catch {
    dir = undefined
  }
  return dir ? join(dir, 'out/main/serve.js') : SERVE_SCRIPT
}

export interface RunningConsole {
  /** `http://127.0.0.1:<port>/#secret=<s>` as printed. */
  url: string
  origin: string
  secret: string
  /** Gateway URL by environment name. */
  gateways: Record<string, string>
  dataDir: string
  output: string[]
  stop(): Promise<void>
}

/** Starts `serve.js` and resolves once it has printed the console URL and every gateway line. */
export async function startConsole(
  options: { environments?: string[]; prepare?: (dataDir: string) => void; /** More flags, after the harness's own (a later --env-port wins). */ args?: string[] } = {}
): Promise<RunningConsole> {
  const environments = options.environments ?? ['test', 'prod']
  const dataDir = mkdtempSync(join(tmpdir(), 'gatelab-e2e-data-'))
  options.prepare?.(dataDir)
  const secret = randomBytes(18).toString('base64url')
  const args = [serveScript(), '--data', dataDir, '--port', '0', ...environments.flatMap((e) => ['--env-port', `${e}=0`]), '--secret', secret, ...(options.args ?? [])]
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  const gateways: Record<string, string> = {}
  let url = ''

  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  child.stderr!.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)))

  await new Promise<void>((ready, fail) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      output.push(line)
      const consoleLine = /^Console: (\S+)$/.exec(line)
      if (consoleLine) url = consoleLine[1]!
      const gatewayLine = /^Gateway (\S+): (http:\/\/\S+)$/.exec(line)
      if (gatewayLine) gateways[gatewayLine[1]!] = gatewayLine[2]!
      if (url && environments.every((e) => gateways[e])) ready()
    })
    void exited.then((code) => fail(new Error(`serve.js exited (${code}) before it was ready:\n${output.join('\n')}`)))
  })

  return {
    url,
    origin: new URL(url).origin,
    secret,
    gateways,
    dataDir,
    output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

export interface BrowserSession {
  context: BrowserContext
  page: Page
  /** Uncaught page errors and console errors (CSP violations show up here). */
  problems: string[]
  close(): Promise<void>
}

/** Launches Debian's chromium headless with a fresh profile. */
export async function launchBrowser(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'gatelab-e2e-profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1440, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    // A console call that fails on purpose (validation, conflict) answers 4xx; Chromium logs every such response.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()))
      problems.push(`console: ${message.text()}`)
  })
  return {
    context,
    page,
    problems,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

/** Opens the console page with its secret, then goes to `route` (e.g. `/apps/App_One`). */
export async function openConsole(page: Page, running: RunningConsole, route = '/'): Promise<void> {
  await page.goto(running.url)
  await page.waitForFunction(() => !location.hash.includes('secret='))
  await page.locator('[data-testid="org-name"]').getByText(/\S/).first().waitFor()
  if (route !== '/') await page.goto(`${running.origin}/#${route}`)
}

/** Saves a full-window screenshot as test-results/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `${name}.png`)
  // Wait for running transitions (modal fade, field feedback) to end, so the picture shows the settled state.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity))
  await page.screenshot({ path })
  return path
}

/** The console API, called like the page calls it (to set up or check state behind the UI). */
export async function callConsole<T = unknown>(running: RunningConsole, method: string, input: unknown = {}): Promise<T> {
  const response = await fetch(`${running.origin}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${running.secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input)
  })
  const result = (await response.json()) as { ok: true; data: T } | { ok: false; error: { code: string; message: string } }
  if (!result.ok) throw new Error(`${method}: ${result.error.code}: ${result.error.message}`)
  return result.data
}

/** The form item of a field (`data-field` on the NFormItem). */
export function field(page: Page, name: string) {
  return page.locator(`.n-modal [data-field="${name}"]`)
}

/** Types into a field's text input, replacing what was there. */
export async function fill(page: Page, name: string, value: string): Promise<void> {
  await field(page, name).locator('.n-input__input-el, .n-input__textarea-el').first().fill(value)
}

/** The validation message shown under a field. */
export function feedback(page: Page, name: string) {
  return field(page, name).locator('.n-form-item-feedback-wrapper')
}

/** Opens a select and picks options by their visible label. */
export async function choose(page: Page, name: string, labels: string[]): Promise<void> {
  const select = field(page, name).locator('.n-base-selection').first()
  for (const label of labels) {
    await select.click()
    await page.locator('.n-base-select-option', { hasText: label }).first().click()
  }
  // Close a multiple select's menu by clicking the dialog title (Escape would also close the dialog once the menu is gone).
  await page.locator('.n-modal .n-card-header__main').click()
  await page.locator('.n-base-select-menu').first().waitFor({ state: 'hidden' })
}

/** Adds a tag to an NDynamicTags field. */
export async function addTag(page: Page, name: string, value: string): Promise<void> {
  const input = field(page, name).locator('input').last()
  // A click while the dialog is still opening can be lost on a loaded machine: click again until the input shows.
  for (let attempt = 0; attempt < 5 && !(await input.isVisible()); attempt++) {
    await field(page, name).locator('button').last().click()
    await input.waitFor({ timeout: 2_000 }).catch(() => undefined)
  }
  await input.fill(value)
  await input.press('Enter')
}

/** Clicks the positive button of the open confirmation dialog. */
export async function confirmDialog(page: Page, action: string): Promise<void> {
  const dialog = page.locator('.n-dialog', { has: page.getByRole('button', { name: action, exact: true }) }).last()
  await dialog.getByRole('button', { name: action, exact: true }).click()
  // Wait for this dialog to go; another (an error report) may open in its place.
  await dialog.waitFor({ state: 'detached' })
}

/** Waits for a success or error toast with the text and returns it. */
export async function toast(page: Page, text: string | RegExp) {
  const message = page.locator('.n-message', { hasText: text }).first()
  await message.waitFor()
  return message
}

/** The option of an entity list. */
export function listItem(page: Page, key: string) {
  return page.locator(`[role="option"][data-key="${key}"]`)
}
