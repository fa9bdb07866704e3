/**
 * Headless mode: the whole console without Electron. Gateway listeners, the console web page and
 * the console API, all on 127.0.0.1. Prints the console URL (secret in the fragment) and each
 * environment's gateway URL; stops cleanly on SIGINT/SIGTERM.
 */
import { CliError, parseCliOptions } from './cli'
import { createConsole } from './console'
import { startConsoleServer } from './http/console-server'
import { appPaths } from './paths'
import { DataFolderInUseError, StoreStartError } from './store'

async function main(): Promise<void> {
  let options
  try {
    options = parseCliOptions(process.argv.slice(2))
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }
  const paths = appPaths(import.meta.url)
  let gatelab
  try {
    gatelab = await createConsole({
      dataDir: options.dataDir,
      workspaceFile: options.workspace,
      sampleFile: paths.sampleWorkspace,
      envPorts: options.envPorts,
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
  for (const listener of gatelab.gateway.status()) {
    if (listener.state === 'started') console.log(`Gateway ${listener.environment}: ${listener.url}`)
    else console.log(`Gateway ${listener.environment}: not listening (${listener.state}${listener.error ? `: ${listener.error}` : ''})`)
  }
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
  console.error('Gatelab could not start:', error)
  process.exit(1)
})
