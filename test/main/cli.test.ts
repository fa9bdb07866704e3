import { mkdirSync, mkdtempSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CliError, USAGE, checkStartupPaths, parseCliOptions, type CliOptions } from '../../src/main/cli'

describe('command-line options', () => {
  it('has the documented defaults', () => {
    const o = parseCliOptions([], { HOME: '/home/u' })
    expect(o.port).toBe(9000)
    expect(o.workspace).toBeUndefined()
    expect(o.envPorts).toEqual({})
    expect(o.secret.length).toBeGreaterThanOrEqual(24)
    expect(o.help).toBeUndefined()
    expect(o.traceMaxBytes).toBeUndefined()
  })

  it('reads GATELAB_SECRET and GATELAB_DATA', () => {
    const o = parseCliOptions([], { GATELAB_SECRET: 'from-env-secret', GATELAB_DATA: '/data' })
    expect(o.secret).toBe('from-env-secret')
    expect(o.dataDir).toBe('/data')
  })

  it('parses every flag, in both spellings', () => {
    const o = parseCliOptions(
      ['--workspace', 'w.json', '--create', '--data=/d', '--port', '0', '--secret', 'abcdefgh1', '--env-port', 'test=0', '--env-port=prod=19002', '--trace-max-mb', '64'],
      {}
    )
    expect(o).toEqual({
      workspace: 'w.json',
      createWorkspace: true,
      dataDir: '/d',
      port: 0,
      secret: 'abcdefgh1',
      envPorts: { test: 0, prod: 19002 },
      traceMaxBytes: 64 * 1024 * 1024
    })
    expect(parseCliOptions(['--trace-max-mb=1'], {}).traceMaxBytes).toBe(1048576)
  })

  it('--help and -h ask for the usage, whatever else is on the line', () => {
    expect(parseCliOptions(['--help'], {}).help).toBe(true)
    expect(parseCliOptions(['--bogus', '-h'], {}).help).toBe(true)
    expect(parseCliOptions(['--port', 'x', '--help'], {}).help).toBe(true)
  })

  it('the usage names the commands that exist', () => {
    expect(USAGE).toMatch(/^Usage: npm run serve -- \[options\]/)
    expect(USAGE).toContain('node out/main/serve.js [options]')
    expect(USAGE).toContain('npm start -- [options]')
    expect(USAGE).not.toContain('gatelab serve')
    for (const flag of ['--workspace', '--create', '--data', '--port', '--secret', '--env-port', '--trace-max-mb', '--help']) expect(USAGE).toContain(flag)
  })

  it.each([
    [['--port', 'x'], '--port must be a port number from 0 to 65535, got "x"'],
    [['--port', '70000'], '--port must be a port number from 0 to 65535, got "70000"'],
    [['--env-port', 'test'], '--env-port takes NAME=PORT, got "test"'],
    [['--secret', 'short'], '--secret must be at least 8 characters long'],
    [['--data'], '--data needs a value'],
    [['--data', '--port', '9100'], '--data needs a value'],
    [['--trace-max-mb', '0'], '--trace-max-mb must be a positive whole number of megabytes, got "0"'],
    [['--trace-max-mb', '-5'], '--trace-max-mb must be a positive whole number of megabytes, got "-5"'],
    [['--trace-max-mb=-5'], '--trace-max-mb must be a positive whole number of megabytes, got "-5"'],
    [['--trace-max-mb', '1.5'], '--trace-max-mb must be a positive whole number of megabytes, got "1.5"'],
    [['--trace-max-mb', '64MB'], '--trace-max-mb must be a positive whole number of megabytes, got "64MB"'],
    [['--trace-max-mb', '99999999999'], '--trace-max-mb must be a positive whole number of megabytes, got "99999999999"'],
    [['--create'], '--create needs --workspace FILE: it creates that file'],
    [['--create=yes', '--workspace', 'w.json'], '--create takes no value'],
    [['--bogus'], 'Unknown option "--bogus"'],
    [['serve'], 'Unexpected argument "serve" (options start with --)']
  ])('refuses %j with a message naming the flag', (argv, message) => {
    expect(() => parseCliOptions(argv, {})).toThrow(CliError)
    expect(() => parseCliOptions(argv, {})).toThrow(message)
  })

  it('an unknown flag asks for the usage text; a bad value does not', () => {
    const caught = (argv: string[]): CliError => {
      try {
        parseCliOptions(argv, {})
      } catch (error) {
        return error as CliError
      }
      throw new Error('no error')
    }
    expect(caught(['--bogus']).usage).toBe(true)
    expect(caught(['--port', 'x']).usage).toBe(false)
  })
})

describe('start-up checks of the data folder and workspace file', () => {
  const scratch = (): string => mkdtempSync(join(tmpdir(), 'gatelab-cli-'))
  const options = (extra: Partial<CliOptions>): CliOptions => ({ ...parseCliOptions([], {}), ...extra })
  const refusal = async (o: CliOptions): Promise<string> => {
    const error = await checkStartupPaths(o).then(
      () => null,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(CliError)
    return (error as CliError).message
  }

  it('creates a missing data folder (0700) and accepts an existing one', async () => {
    const dataDir = join(scratch(), 'nested', 'data')
    await checkStartupPaths(options({ dataDir }))
    expect(statSync(dataDir).isDirectory()).toBe(true)
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    await checkStartupPaths(options({ dataDir }))
  })

  it('refuses a data folder that is a file, or lies under a file', async () => {
    const file = join(scratch(), 'data.txt')
    writeFileSync(file, 'x')
    expect(await refusal(options({ dataDir: file }))).toBe(`Data folder ${file} is a file, not a folder. Choose another data folder with --data DIR.`)
    expect(await refusal(options({ dataDir: join(file, 'sub') }))).toBe(
      `Data folder ${join(file, 'sub')} cannot be used (a part of the path is a file, not a folder). Choose another data folder with --data DIR.`
    )
  })

  it('refuses a --workspace file that does not exist, and creates nothing', async () => {
    const dir = scratch()
    const file = join(dir, 'ws.json')
    expect(await refusal(options({ dataDir: join(dir, 'data'), workspace: file }))).toBe(
      `--workspace ${file} does not exist. Add --create to start a new workspace there from the bundled sample.`
    )
    expect(existsSync(file)).toBe(false)
  })

  it('accepts a missing --workspace file with --create when its folder exists', async () => {
    const dir = scratch()
    await checkStartupPaths(options({ dataDir: join(dir, 'data'), workspace: join(dir, 'ws.json'), createWorkspace: true }))
  })

  it('refuses a --workspace in a folder that does not exist, even with --create', async () => {
    const dir = scratch()
    const file = join(dir, 'missing', 'ws.json')
    for (const createWorkspace of [undefined, true] as const) {
      expect(await refusal(options({ dataDir: join(dir, 'data'), workspace: file, ...(createWorkspace ? { createWorkspace } : {}) }))).toBe(
        `--workspace ${file}: the folder ${join(dir, 'missing')} does not exist. Create it first, or name a file in an existing folder.`
      )
    }
    expect(existsSync(join(dir, 'missing'))).toBe(false)
  })

  it('refuses a --workspace that is a folder', async () => {
    const dir = scratch()
    const folder = join(dir, 'workspace.json')
    mkdirSync(folder)
    expect(await refusal(options({ dataDir: join(dir, 'data'), workspace: folder }))).toBe(
      `--workspace ${folder} is a folder; name a workspace file, e.g. ${join(folder, 'workspace.json')}.`
    )
  })

  it('accepts an existing --workspace file', async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'ws.json'), '{}')
    await checkStartupPaths(options({ dataDir: join(dir, 'data'), workspace: join(dir, 'ws.json') }))
  })
})
