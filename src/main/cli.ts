/** Command-line options shared by headless mode and the desktop app. */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

export interface CliOptions {
  /** An explicit workspace file; default: `workspace.json` in the data folder (seeded from the sample). */
  workspace?: string
  dataDir: string
  /** Console port; 0 picks a free one. */
  port: number
  secret: string
  /** Gateway port overrides by environment name. */
  envPorts: Record<string, number>
}

export class CliError extends Error {}

const USAGE = `Usage: gatelab serve [--workspace FILE] [--data DIR] [--port N] [--secret S] [--env-port NAME=PORT]...
  --workspace FILE   workspace file to open (default: a copy of the bundled sample in the data folder)
  --data DIR         data folder for workspace.json and tokens.json (default: $GATELAB_DATA or ~/.gatelab)
  --port N           console port on 127.0.0.1 (default 9000; 0 = any free port)
  --secret S         console API secret (default: $GATELAB_SECRET or a random one per run)
  --env-port N=P     listen for environment N on port P instead of its configured port (repeatable)`

export { USAGE }

function parsePort(value: string, flag: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) throw new CliError(`${flag} must be a port number from 0 to 65535, got "${value}"`)
  return port
}

/** Parses argv (without node and script); throws CliError naming the bad flag. */
export function parseCliOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const options: CliOptions = {
    dataDir: env.GATELAB_DATA || join(homedir(), '.gatelab'),
    port: 9000,
    secret: env.GATELAB_SECRET || randomBytes(24).toString('base64url'),
    envPorts: {}
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined || v === '') throw new CliError(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--workspace':
        options.workspace = value()
        break
      case '--data':
        options.dataDir = value()
        break
      case '--port':
        options.port = parsePort(value(), '--port')
        break
      case '--secret': {
        const secret = value()
        if (secret.length < 8) throw new CliError('--secret must be at least 8 characters long')
        options.secret = secret
        break
      }
      case '--env-port': {
        const spec = value()
        const match = /^([^=]+)=(.+)$/.exec(spec)
        if (!match) throw new CliError(`--env-port takes NAME=PORT, got "${spec}"`)
        options.envPorts[match[1]!] = parsePort(match[2]!, `--env-port ${match[1]}`)
        break
      }
      case '--help':
      case '-h':
        throw new CliError(USAGE)
      default:
        throw new CliError(`Unknown option "${arg}"\n${USAGE}`)
    }
  }
  return options
}
