/**
 * The console answers a change only once it is on disk: a write that fails is answered with an error
 * naming the file and the OS error (never ok), and the console shows the workspace as it is on disk.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { createConsole, type GatelabConsole } from '../../src/main/console'
import { dispatch } from '../../src/main/dispatch'

let dir: string
let gatelab: GatelabConsole

beforeAll(async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  dir = await mkdtemp(join(tmpdir(), 'gatelab-console-durability-'))
  gatelab = await createConsole({ dataDir: dir, sampleFile: resolve(__dirname, '../../resources/samples/sample-org.json'), envPorts: { test: 0, prod: 0 } })
})
afterAll(async () => {
  await gatelab.close()
  await rm(dir, { recursive: true, force: true })
  vi.restoreAllMocks()
})

it('answers a failed workspace write with an error naming the file and the OS error, and keeps showing what is on disk', async () => {
  const saved = await dispatch(gatelab.services, 'organization.update', { patch: { displayName: 'saved' } })
  expect(saved).toMatchObject({ ok: true, data: { displayName: 'saved' } })

  // The write goes through `.workspace.json.tmp`: a directory in its place makes it fail.
  await mkdir(join(dir, '.workspace.json.tmp'))
  const failed = await dispatch(gatelab.services, 'organization.update', { patch: { displayName: 'lost' } })
  expect(failed).toEqual({
    ok: false,
    error: {
      code: 'internal',
      message: `Could not save ${join(dir, 'workspace.json')}: EISDIR: illegal operation on a directory, open '${join(dir, '.workspace.json.tmp')}'; the change was undone`
    }
  })
  const info = await dispatch(gatelab.services, 'workspace.info', {})
  expect(info).toMatchObject({ ok: true, data: { organization: { displayName: 'saved' } } })
  expect((info as { data: { problems: Array<{ kind: string }> } }).data.problems.map((p) => p.kind)).toEqual(['write-failed'])

  // Read-only methods are not held up by the failure.
  expect(await dispatch(gatelab.services, 'apps.list', {})).toMatchObject({ ok: true })
  await rm(join(dir, '.workspace.json.tmp'), { recursive: true })
  expect(await dispatch(gatelab.services, 'organization.update', { patch: { displayName: 'works again' } })).toMatchObject({ ok: true })
})
