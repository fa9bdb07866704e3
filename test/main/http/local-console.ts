/** A console on free loopback ports over a workspace of the test's own, and a local service for its targets. */
import type http from 'node:http'
import { mkdtemp, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConsole, type GatelabConsole } from '../../../src/main/console'

/** Starts `server` on 127.0.0.1 and a free port, and returns the port. */
export function listenLocal(server: http.Server): Promise<number> {
  return new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

/** A console in a fresh data folder that starts from `workspace`, its `test` environment on a free port. */
export async function consoleWith(name: string, workspace: unknown): Promise<GatelabConsole> {
  const dir = await mkdtemp(join(tmpdir(), `gatelab-${name}-`))
  const sampleFile = join(dir, `${name}.json`)
  await writeFile(sampleFile, JSON.stringify(workspace))
  return createConsole({ dataDir: join(dir, 'data'), sampleFile, envPorts: { test: 0 } })
}

/** The URL the console's `test` environment listens on. */
export function testGatewayUrl(gatelab: GatelabConsole): string {
  return gatelab.gateway.status().find((s) => s.environment === 'test')!.url
}
