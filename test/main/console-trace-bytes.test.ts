/**
 * The console's trace byte limit (ConsoleOptions.traceMaxBytes) and what a big request leaves behind:
 * the pushed `trace.added` event is the summary alone, the record keeps 64 KiB of the body with its size.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createConsole, type GatelabConsole } from '../../src/main/console'
import type { TraceSummary } from '../../src/shared/trace'

let gatelab: GatelabConsole
const pushed: unknown[] = []

beforeAll(async () => {
  gatelab = await createConsole({
    dataDir: await mkdtemp(join(tmpdir(), 'gatelab-trace-bytes-')),
    sampleFile: resolve(__dirname, '../../resources/samples/sample-org.json'),
    envPorts: { test: 0, prod: 0 },
    traceMaxBytes: 512 * 1024
  })
  gatelab.events.subscribe((name, payload) => {
    if (name === 'trace.added') pushed.push(payload)
  })
})
afterAll(async () => gatelab?.close())

const SUMMARY_FIELDS = ['id', 'messageId', 'startedAt', 'durationMs', 'environment', 'proxy', 'method', 'path', 'status', 'faultName', 'app', 'clientId']

it('a 300 KB request: the event carries the summary only, the record 64 KiB of the body and its size, and the byte limit holds', async () => {
  const body = 'p'.repeat(300_000)
  const send = () => gatelab.services['workbench.send']({ environment: 'test', method: 'POST', path: '/api-one/items', headers: [['Content-Type', 'text/plain']], body })
  const first = await send()
  expect(first.status).toBe(401)
  const event = pushed.at(-1) as TraceSummary
  expect(Object.keys(event).sort()).toEqual([...SUMMARY_FIELDS].sort())
  expect(event.id).toBe(first.traceId)
  const record = await gatelab.services['traces.get']({ id: first.traceId! })
  expect(record.request).toMatchObject({ body: 'p'.repeat(64 * 1024), bodyTruncated: true, bodyBytes: 300_000 })
  for (let i = 0; i < 9; i++) await send()
  // About 70 KiB each (the body kept, the fault): seven fit in 512 KiB, the oldest went.
  const listed = await gatelab.services['traces.list']({})
  expect(listed.length).toBeLessThan(10)
  expect(listed.length).toBeGreaterThan(3)
  await expect(Promise.resolve().then(() => gatelab.services['traces.get']({ id: first.traceId! }))).rejects.toThrow('is not in the buffer')
})
