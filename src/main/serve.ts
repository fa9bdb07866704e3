/**
 * Headless mode: the whole console without Electron. Gateway listeners, the console web page and
 * the console API, all on 127.0.0.1. Prints the console URL (secret in the fragment) and each
 * environment's gateway URL; stops cleanly on SIGINT/SIGTERM.
 */
import { CliError, USAGE, USAGE_EXIT_CODE, checkStartupPaths, parseCliOptions } from './cli'
import { createConsole } from './console'
import { startConsoleServer } from './http/console-server'
import { appPaths } from './paths'
import { DataFolderInUseError, StoreStartError } from './store'
import type { ListenerStatus } from '../shared/deployment'

function gatewayLine(listener: ListenerStatus): string {
  if (listener.state === 'started') return `Gateway ${listener.environment}: ${listener.url}`
  const retrying = listener.retry ? '; retrying until it is free' : ''
  return `Gateway ${listener.environment}: not listening (${listener.state}${listener.error ? `: ${listener.error}` : ''}${retrying})`
}

async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2))
  if (options.help) {
    console.log(USAGE)
    process.exit(0)
  }
  await checkStartupPaths(options)
  const paths = appPaths(import.meta.url)
  let gatelab
  try {
    gatelab = await createConsole({
      dataDir: options.dataDir,
      workspaceFile: options.workspace,
      sampleFile: paths.sampleWorkspace,
      envPorts: options.envPorts,
      traceMaxBytes: options.traceMaxBytes,
      instance: 'headless'
    })
  } catch (error) {
    // A second instance on the same data folder, or a workspace path that cannot be used: say why, no stack.
    if (error instanceof DataFolderInUseError || error instanceof StoreStartError) {
      console.error(`Gatelab: ${error.message}`)
      process.exit(1)
    }
    throw error
  }
  let server
  try {
    server = await startConsoleServer({
      port: options.port,
      secret: options.secret,
      services: gatelab.services,
      events: gatelab.events,
      staticDir: paths.rendererDir
    })
  } catch (error) {
    await gatelab.close()
    const code = (error as NodeJS.ErrnoException).code
    console.error(
      code === 'EADDRINUSE'
        ? `Gatelab: console port ${options.port} is already in use; choose another with --port N (0 picks a free one).`
        : `Gatelab: the console could not start: ${(error as Error).message}`
    )
    process.exit(1)
  }

  await gatelab.store.describeInstance(new URL(server.url).origin + '/')
  console.log(`Console: ${server.url}`)
  const listeningNow = (listeners: ListenerStatus[]): Set<string> => new Set(listeners.filter((l) => l.state === 'started').map((l) => l.environment))
  let listening = listeningNow(gatelab.gateway.status())
  for (const listener of gatelab.gateway.status()) console.log(gatewayLine(listener))
  // A listener that starts later (its port freed up, or a new environment) is printed the same way.
  gatelab.events.subscribe((name, payload) => {
    if (name !== 'gateway.changed') return
    const listeners = payload as ListenerStatus[]
    for (const listener of listeners) if (listener.state === 'started' && !listening.has(listener.environment)) console.log(gatewayLine(listener))
    listening = listeningNow(listeners)
  })
  for (const problem of gatelab.store.problems()) console.warn(`Workspace: ${problem.message}`)

  let stopping = false
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return
    stopping = true
    console.log(`Gatelab: ${signal} received, stopping.`)
    await server.close()
    await gatelab.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((error) => {
  if (error instanceof CliError) {
    // A bad command line: the message names the flag; an unknown flag also gets the usage text.
    console.error(`Gatelab: ${error.message}`)
    console.error(error.usage ? `\n${USAGE}` : 'Run with --help for the options.')
    process.exit(USAGE_EXIT_CODE)
  }
  console.error('Gatelab could not start:', error)
  process.exit(1)
})
