/** Command-line options shared by headless mode and the desktop app, and the start-up checks of their paths. */
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ensurePrivateDir } from './store/durable-file'

export interface CliOptions {
  /** `--help` or `-h` was given: print USAGE and exit 0; nothing else was parsed. */
  help?: true
  /** An explicit workspace file; default: `workspace.json` in the data folder (seeded from the sample). */
  workspace?: string
  /** `--create`: a missing `--workspace` file is created (from the sample) instead of refused. */
  createWorkspace?: true
  dataDir: string
  /** Console port; 0 picks a free one. */
  port: number
  secret: string
  /** Gateway port overrides by environment name. */
  envPorts: Record<string, number>
  /** Trace buffer bound in bytes (`--trace-max-mb`); default: the console's own. */
  traceMaxBytes?: number
}

/** A start-up problem the user fixes on the command line: the process prints the message and exits 2. */
export class CliError extends Error {
  /** `usage`: the command line itself is wrong (unknown flag): the usage text follows the message. */
  constructor(
    message: string,
    readonly usage = false
  ) {
    super(message)
  }
}

/** Exit status for a CliError (bad flag, bad value, unusable path), as most command-line tools use. */
export const USAGE_EXIT_CODE = 2

const USAGE = `Usage: npm run serve -- [options]          build, then start the headless console
       node out/main/serve.js [options]   start the headless console (after npm run build)
       npm start -- [options]             build, then open the desktop window (headless where it cannot open)

Options:
  --workspace FILE   open this workspace file (default: workspace.json in the data folder, a copy of the
                     bundled sample on first start); FILE must exist unless --create is given
  --create           with --workspace: create FILE from the bundled sample if it does not exist
                     (its folder must exist and be writable)
  --data DIR         data folder for workspace.json and tokens.json, created if missing
                     (default: $GATELAB_DATA, else ~/.gatelab; the desktop app uses its user data folder)
  --port N           console port on 127.0.0.1 (default 9000; 0 = any free port)
  --secret S         console API secret, 8 characters or more (default: $GATELAB_SECRET, else random per run)
  --env-port NAME=P  listen for environment NAME on port P instead of its configured port (repeatable;
                     NAME must be an environment of the workspace)
  --trace-max-mb N   keep at most N MB of traces in memory (a positive whole number)
  -h, --help         print this help and exit`

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
  // Help wins over everything else on the line, even a bad flag before it.
  if (argv.some((arg) => arg === '--help' || arg === '-h')) return { ...options, help: true }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      // `--data --port 9100` forgot the folder: do not take the next flag as one.
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--'))) throw new CliError(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--workspace':
        options.workspace = value()
        break
      case '--create':
        if (inline !== undefined) throw new CliError('--create takes no value')
        options.createWorkspace = true
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
      case '--trace-max-mb': {
        const mb = value()
        const bytes = Number(mb) * 1024 * 1024
        if (!/^\d+$/.test(mb) || bytes === 0 || !Number.isSafeInteger(bytes)) throw new CliError(`--trace-max-mb must be a positive whole number of megabytes, got "${mb}"`)
        options.traceMaxBytes = bytes
        break
      }
      default:
        throw new CliError(arg.startsWith('-') ? `Unknown option "${arg}"` : `Unexpected argument "${arg}" (options start with --)`, true)
    }
  }
  if (options.createWorkspace && options.workspace === undefined) throw new CliError('--create needs --workspace FILE: it creates that file')
  return options
}

/** Why a file-system call failed, in words. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EROFS':
      return 'read-only file system'
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder'
    case 'ENOENT':
      return 'it does not exist'
    default:
      return code ?? (error as Error).message
  }
}

/** stat(), or null for a path that does not exist; other failures (permission, ENOTDIR) are thrown. */
async function statOrNull(path: string): Promise<Awaited<ReturnType<typeof stat>> | null> {
  try {
    return await stat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

async function writable(path: string): Promise<string | null> {
  try {
    await access(path, constants.W_OK)
    return null
  } catch (error) {
    return reason(error)
  }
}

/**
 * Checks, before anything opens, that the data folder and the workspace file can be used, so a bad path
 * is refused at start with a message instead of failing (or failing each save) later. Creates a missing
 * data folder (0700: it holds tokens and secrets). Throws CliError naming the flag, the path and the fix.
 */
export async function checkStartupPaths(options: CliOptions): Promise<void> {
  const dataDir = resolve(options.dataDir)
  const dataFix = 'Choose another data folder with --data DIR.'
  let data
  try {
    data = await statOrNull(dataDir)
  } catch (error) {
    throw new CliError(`Data folder ${dataDir} cannot be used (${reason(error)}). ${dataFix}`)
  }
  if (data && !data.isDirectory()) throw new CliError(`Data folder ${dataDir} is a file, not a folder. ${dataFix}`)
  if (!data) {
    try {
      await ensurePrivateDir(dataDir)
    } catch (error) {
      throw new CliError(`Data folder ${dataDir} cannot be created (${reason(error)}). ${dataFix}`)
    }
  }
  const dataProblem = await writable(dataDir)
  if (dataProblem) throw new CliError(`Data folder ${dataDir} is not writable (${dataProblem}). ${dataFix}`)

  if (options.workspace === undefined) return
  const file = resolve(options.workspace)
  const folder = dirname(file)
  let existing
  try {
    existing = await statOrNull(file)
  } catch (error) {
    throw new CliError(`--workspace ${file} cannot be used (${reason(error)}).`)
  }
  if (existing?.isDirectory()) throw new CliError(`--workspace ${file} is a folder; name a workspace file, e.g. ${join(file, 'workspace.json')}.`)
  if (!existing) {
    const parent = await statOrNull(folder).catch(() => null)
    if (!parent?.isDirectory()) throw new CliError(`--workspace ${file}: the folder ${folder} does not exist. Create it first, or name a file in an existing folder.`)
    if (!options.createWorkspace) throw new CliError(`--workspace ${file} does not exist. Add --create to start a new workspace there from the bundled sample.`)
  } else {
    try {
      await access(file, constants.R_OK | constants.W_OK)
    } catch (error) {
      throw new CliError(`--workspace ${file} cannot be opened for reading and writing (${reason(error)}).`)
    }
  }
  // Every save writes a temporary file beside the workspace and renames it over the file.
  const folderProblem = await writable(folder)
  if (folderProblem) throw new CliError(`--workspace ${file}: its folder ${folder} is not writable (${folderProblem}); Gatelab saves by writing a new file there.`)
}
