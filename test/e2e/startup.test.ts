/**
 * Start-up of the built headless console (`node out/main/serve.js`): the command line, refused paths and
 * environment names (exit 2, one clear line on stderr, nothing created, nothing listening), and a busy
 * gateway port that is retried until it frees, in the output and in the page.
 */
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { ROOT, SERVE_SCRIPT, launchBrowser, openConsole, screenshot, serveScript, startConsole, type BrowserSession, type RunningConsole } from './harness'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

const scratchDirs: string[] = []
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true })
})

/** A fresh folder another user can enter (for the runs that drop root). */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatelab-startup-'))
  chmodSync(dir, 0o755)
  scratchDirs.push(dir)
  return dir
}

/** As root, permission checks do not apply: such runs drop to the `nobody` user (and read the build from the checkout). */
const asRoot = process.getuid?.() === 0

/**
 * Runs serve.js to its exit. A run that starts (prints its console URL) instead is stopped with SIGTERM, so
 * a refusal that regressed fails the test instead of hanging it.
 */
function run(args: string[], options: { otherUser?: boolean } = {}): Promise<Run> {
  const dropRoot = Boolean(options.otherUser && asRoot)
  const script = dropRoot ? SERVE_SCRIPT : serveScript()
  const child = spawn(process.execPath, [script, '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GATELAB_DATA: join(scratch(), 'default-data') },
    ...(dropRoot ? { uid: 65534, gid: 65534 } : {})
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (stdout.includes('Console: ')) child.kill('SIGTERM')
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

/** A refusal: exit 2, nothing started, the one message (and the pointer to --help) on stderr, no stack trace. */
function expectRefused(result: Run, message: string): void {
  expect(result.stdout).toBe('')
  expect(result.stderr).toBe(`Gatelab: ${message}\nRun with --help for the options.\n`)
  expect(result.code).toBe(2)
}

describe('command line', () => {
  it('--help prints the usage, naming the real commands, on stdout and exits 0', async () => {
    const result = await run(['--help'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^Usage: npm run serve -- \[options\]/)
    expect(result.stdout).toContain('node out/main/serve.js [options]')
    expect(result.stdout).not.toContain('gatelab serve')
  })

  it('an unknown flag exits 2 with the usage on stderr', async () => {
    const result = await run(['--bogus'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^Gatelab: Unknown option "--bogus"\n\nUsage: npm run serve -- \[options\]/)
  })

  it.each([
    [['--port', 'x'], '--port must be a port number from 0 to 65535, got "x"'],
    [['--trace-max-mb', '0'], '--trace-max-mb must be a positive whole number of megabytes, got "0"'],
    [['--trace-max-mb', 'lots'], '--trace-max-mb must be a positive whole number of megabytes, got "lots"']
  ])('a bad value (%j) exits 2 naming the flag', async (args, message) => {
    expectRefused(await run(args), message)
  })
})

describe('data folder and workspace file', () => {
  it('a --workspace file that does not exist is refused and not created', async () => {
    const dir = scratch()
    const file = join(dir, 'nonexistent.json')
    expectRefused(await run(['--data', join(dir, 'data'), '--workspace', file]), `--workspace ${file} does not exist. Add --create to start a new workspace there from the bundled sample.`)
    expect(existsSync(file)).toBe(false)
  })

  it('--workspace FILE --create starts a new workspace there from the sample', async () => {
    const dir = scratch()
    const file = join(dir, 'mine.json')
    const result = await run(['--data', join(dir, 'data'), '--workspace', file, '--create', '--env-port', 'test=0', '--env-port', 'prod=0'])
    expect(result.stdout).toMatch(/^Console: http:\/\/127\.0\.0\.1:\d+\/#secret=/)
    expect(JSON.parse(readFileSync(file, 'utf8')).organization.name).toBe('sample')
  })

  it('a --workspace in a folder that does not exist is refused at start, with or without --create', async () => {
    const dir = scratch()
    const file = join(dir, 'missing', 'ws.json')
    for (const create of [[], ['--create']]) {
      expectRefused(
        await run(['--data', join(dir, 'data'), '--workspace', file, ...create]),
        `--workspace ${file}: the folder ${join(dir, 'missing')} does not exist. Create it first, or name a file in an existing folder.`
      )
    }
    expect(existsSync(join(dir, 'missing'))).toBe(false)
  })

  it('--data naming a file is refused with a message, not a stack trace', async () => {
    const file = join(scratch(), 'data.txt')
    writeFileSync(file, 'not a folder')
    expectRefused(await run(['--data', file]), `Data folder ${file} is a file, not a folder. Choose another data folder with --data DIR.`)
  })

  it('a data folder that cannot be created or written is refused, naming it and why', async () => {
    const dir = scratch()
    const locked = join(dir, 'locked')
    mkdirSync(locked, { mode: 0o555 })
    chmodSync(locked, 0o555)
    expectRefused(await run(['--data', locked], { otherUser: true }), `Data folder ${locked} is not writable (permission denied). Choose another data folder with --data DIR.`)
    expectRefused(
      await run(['--data', join(locked, 'data')], { otherUser: true }),
      `Data folder ${join(locked, 'data')} cannot be created (permission denied). Choose another data folder with --data DIR.`
    )
    // A workspace whose folder cannot take the new file each save writes.
    const data = join(dir, 'data')
    mkdirSync(data, { mode: 0o777 })
    chmodSync(data, 0o777)
    const file = join(locked, 'ws.json')
    expectRefused(
      await run(['--data', data, '--workspace', file, '--create'], { otherUser: true }),
      `--workspace ${file}: its folder ${locked} is not writable (permission denied); Gatelab saves by writing a new file there.`
    )
  })
})

describe('--env-port', () => {
  it('an environment the workspace does not have is refused, naming the known ones, before anything listens', async () => {
    const dir = scratch()
    expectRefused(
      await run(['--data', join(dir, 'data'), '--env-port', 'nosuchenv=0']),
      '--env-port nosuchenv: the workspace has no environment "nosuchenv"; its environments are test, prod.'
    )
  })
})

describe('a busy gateway port (headless console, chromium)', () => {
  let running: RunningConsole | undefined
  let browser: BrowserSession | undefined
  let blocker: net.Server | undefined
  afterEach(async () => {
    await browser?.close()
    await running?.stop()
    blocker?.close()
  })

  it('is retried until it frees: the output, the shell and the environment view say so, then it listens', async () => {
    blocker = net.createServer((socket) => socket.destroy())
    const busyPort = await new Promise<number>((resolve) => blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as AddressInfo).port)))
    running = await startConsole({ environments: ['prod'], args: ['--env-port', `test=${busyPort}`] })
    expect(running.output).toContain(`Gateway test: not listening (port-in-use: port ${busyPort} is in use by another program; retrying until it is free)`)

    browser = await launchBrowser()
    const { page } = browser
    await openConsole(page, running, '/environments/test')
    const tag = page.getByTestId('gateway-status').locator('[data-state="port-in-use"]', { hasText: `test :${busyPort}` })
    await tag.waitFor()
    await tag.hover()
    const retry = page.getByTestId('gateway-retry')
    await retry.waitFor()
    expect(await retry.innerText()).toMatch(/^retrying: \d+ attempts? so far, next at \d\d:\d\d:\d\d$/)
    await expect(page.getByTestId('listener-retry').innerText()).resolves.toMatch(/retrying: \d+ attempts? so far, next at \d\d:\d\d:\d\d/)
    await screenshot(page, 'gateway-port-retry')

    // The port frees: the next retry takes it, and the page follows without a reload.
    await new Promise<void>((resolve) => blocker!.close(() => resolve()))
    blocker = undefined
    await page.getByTestId('gateway-status').locator('[data-state="started"]', { hasText: `test :${busyPort}` }).waitFor({ timeout: 30_000 })
    await page.getByTestId('listener-retry').waitFor({ state: 'detached' })
    expect(running.output).toContain(`Gateway test: http://127.0.0.1:${busyPort}`)
    expect(browser.problems).toEqual([])
  })
})
