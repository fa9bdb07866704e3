import { describe, expect, it } from 'vitest'
import { CliError, parseCliOptions } from '../../src/main/cli'

describe('command-line options', () => {
  it('has the documented defaults', () => {
    const o = parseCliOptions([], { HOME: '/home/u' })
    expect(o.port).toBe(9000)
    expect(o.workspace).toBeUndefined()
    expect(o.envPorts).toEqual({})
    expect(o.secret.length).toBeGreaterThanOrEqual(24)
  })

  it('reads GATELAB_SECRET and GATELAB_DATA', () => {
    const o = parseCliOptions([], { GATELAB_SECRET: 'from-env-secret', GATELAB_DATA: '/data' })
    expect(o.secret).toBe('from-env-secret')
    expect(o.dataDir).toBe('/data')
  })

  it('parses every flag, in both spellings', () => {
    const o = parseCliOptions(['--workspace', 'w.json', '--data=/d', '--port', '0', '--secret', 'abcdefgh1', '--env-port', 'test=0', '--env-port=prod=19002'], {})
    expect(o).toEqual({ workspace: 'w.json', dataDir: '/d', port: 0, secret: 'abcdefgh1', envPorts: { test: 0, prod: 19002 } })
  })

  it.each([
    [['--port', 'x'], '--port must be a port number from 0 to 65535, got "x"'],
    [['--port', '70000'], '--port must be a port number from 0 to 65535, got "70000"'],
    [['--env-port', 'test'], '--env-port takes NAME=PORT, got "test"'],
    [['--secret', 'short'], '--secret must be at least 8 characters long'],
    [['--data'], '--data needs a value'],
    [['--bogus'], 'Unknown option "--bogus"']
  ])('refuses %j with a message naming the flag', (argv, message) => {
    expect(() => parseCliOptions(argv, {})).toThrow(CliError)
    expect(() => parseCliOptions(argv, {})).toThrow(message)
  })
})
