/**
 * Child process of the crash test: opens the store and changes the workspace and the tokens in a tight
 * loop, telling the parent after each step (and whether that step was flushed to disk) until killed.
 */
import { createHash } from 'node:crypto'
import { openStore } from '../../../src/main/store'

const [dataDir, sampleFile] = process.argv.slice(2) as [string, string]
const send = (message: { n: number; flushed: boolean }): void => void process.send?.(message)

const store = await openStore({ dataDir, sampleFile, now: () => Date.now() })
for (let n = 1; ; n++) {
  store.update((draft) => {
    draft.organization.displayName = `burst ${n}`
    // A payload whose size changes every step makes the writes long enough to be cut in the middle.
    draft.environments[0]!.variables = [{ name: 'payload', value: 'x'.repeat((n * 7919) % 300_000) }]
  }, 'organization')
  store.tokens.put({
    kind: 'access_token',
    hash: createHash('sha256').update(`token ${n}`).digest('hex'),
    issuedAt: n,
    expiresAt: -1,
    status: 'approved',
    clientId: 'app-one-key'
  })
  const flushed = n % 3 === 0
  if (flushed) await store.flush()
  else await new Promise((resolve) => setImmediate(resolve))
  send({ n, flushed })
}
