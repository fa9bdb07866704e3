/**
 * Secrets never reach a trace in clear: the whole serialised record (traces.get) and traces.export are
 * searched for each secret the exchange saw, on the sample workspace through the real listeners.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createConsole, type GatelabConsole } from '../../src/main/console'
import type { MethodArgs, MethodName, MethodResult, WorkbenchResponse } from '../../src/shared/contract'
import { contract } from '../../src/shared/contract'

let gatelab: GatelabConsole

async function call<M extends MethodName>(method: M, input: unknown): Promise<MethodResult<M>> {
  const args = contract[method].input.parse(input) as MethodArgs<M>
  return (await (gatelab.services[method] as (a: MethodArgs<M>) => Promise<MethodResult<M>>)(args)) as MethodResult<M>
}

const FORM: [string, string] = ['Content-Type', 'application/x-www-form-urlencoded']
const CALLBACK = 'https://app_one.sample.example/callback'

function send(path: string, headers: Array<[string, string]> = [], body = '', method: 'GET' | 'POST' = body ? 'POST' : 'GET'): Promise<WorkbenchResponse> {
  return call('workbench.send', { environment: 'test', method, path, headers, body })
}

const header = (res: WorkbenchResponse, name: string) => res.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? ''

async function clientCredentialsToken(): Promise<string> {
  const res = await send('/oauth/token', [FORM], 'grant_type=client_credentials&client_id=app-one-key&client_secret=app-one-secret')
  expect(res.status).toBe(200)
  return JSON.parse(res.body).access_token as string
}

/** The trace of a response and the export of it, serialised, must not contain any of `secrets`. */
async function expectNoneInTrace(res: WorkbenchResponse, secrets: string[]): Promise<string> {
  expect(res.traceId).not.toBeNull()
  const record = JSON.stringify(await call('traces.get', { id: res.traceId! }))
  const exported = JSON.stringify(await call('traces.export', { ids: [res.traceId!] }))
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8)
    expect(record).not.toContain(secret)
    expect(exported).not.toContain(secret)
    expect(record).not.toContain(encodeURIComponent(secret))
  }
  return record
}

beforeAll(async () => {
  gatelab = await createConsole({
    dataDir: await mkdtemp(join(tmpdir(), 'gatelab-trace-secrets-')),
    sampleFile: resolve(__dirname, '../../resources/samples/sample-org.json'),
    envPorts: { test: 0, prod: 0 }
  })
})
afterAll(() => gatelab.close())

describe('secrets in traces', () => {
  it('masks the authorization code in the Location of an authorize redirect, and its exchange', async () => {
    const res = await send(`/oauth/authorize?response_type=code&client_id=app-one-key&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s1`)
    expect(res.status).toBe(302)
    const code = new URL(header(res, 'Location')).searchParams.get('code')!
    const record = await expectNoneInTrace(res, [code])
    // Enough is kept to tell two codes apart.
    expect(record).toContain(`code=${code.slice(0, 4)}********`)
    const exchange = await send('/oauth/token', [FORM], `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CALLBACK)}&client_id=app-one-key&client_secret=app-one-secret`)
    expect(exchange.status).toBe(200)
    const body = JSON.parse(exchange.body)
    await expectNoneInTrace(exchange, [code, body.access_token, body.refresh_token, 'app-one-secret'])
  })

  it('masks the implicit-grant token in the Location fragment and in oauthv2accesstoken.* variables', async () => {
    const res = await send(`/oauth/authorize?response_type=token&client_id=app-one-key&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s2`)
    expect(res.status).toBe(302)
    const fragment = new URLSearchParams(new URL(header(res, 'Location')).hash.slice(1))
    const token = fragment.get('access_token')!
    expect(token).toBeTruthy()
    await expectNoneInTrace(res, [token])
  })

  it('masks an access token passed as ?access_token= in the URL', async () => {
    const token = await clientCredentialsToken()
    const res = await send(`/api-one/items?access_token=${token}`)
    await expectNoneInTrace(res, [token])
  })

  it('masks a token in the URL of a request no proxy serves (the 404 trace)', async () => {
    const token = await clientCredentialsToken()
    const res = await send(`/no-such-proxy?access_token=${token}`)
    expect(res.status).toBe(404)
    await expectNoneInTrace(res, [token])
  })

  it('masks a bearer token the echo target copies into its response body', async () => {
    const token = await clientCredentialsToken()
    const res = await send('/api-one/items', [['Authorization', `Bearer ${token}`]])
    expect(res.status).toBe(200)
    expect(res.body).toContain(token)
    await expectNoneInTrace(res, [token])
  })

  it('masks the Basic client secret and the password of a password grant wherever they appear', async () => {
    const basic = `Basic ${Buffer.from('app-one-key:app-one-secret').toString('base64')}`
    const res = await send('/oauth/token', [FORM, ['Authorization', basic]], 'grant_type=password&username=ada&password=correct-horse-battery')
    const record = await expectNoneInTrace(res, ['app-one-secret', 'correct-horse-battery', basic.slice(6)])
    expect(record).toContain('password=********')
  })

  it('masks a refresh token sent to the token endpoint and the new tokens it gets', async () => {
    const code = new URL(header(await send(`/oauth/authorize?response_type=code&client_id=app-one-key&redirect_uri=${encodeURIComponent(CALLBACK)}`), 'Location')).searchParams.get('code')!
    const first = JSON.parse((await send('/oauth/token', [FORM], `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CALLBACK)}&client_id=app-one-key&client_secret=app-one-secret`)).body)
    const refreshed = await send('/oauth/token', [FORM], `grant_type=refresh_token&refresh_token=${first.refresh_token}&client_id=app-one-key&client_secret=app-one-secret`)
    expect(refreshed.status).toBe(200)
    const second = JSON.parse(refreshed.body)
    await expectNoneInTrace(refreshed, [first.refresh_token, second.access_token, second.refresh_token])
  })

  it('still explains a failed call by its token when the trace was opened without the workbench', async () => {
    const token = await clientCredentialsToken()
    await call('apps.setStatus', { app: 'App_One', status: 'revoked' })
    try {
      const res = await send('/api-one/items', [['Authorization', `Bearer ${token}`]])
      expect(res.status).toBe(401)
      const diagnosis = await call('traces.explain', { id: res.traceId! })
      expect(JSON.stringify(diagnosis)).toContain('Token status:')
      expect(JSON.stringify(diagnosis)).not.toContain(token)
    } finally {
      await call('apps.setStatus', { app: 'App_One', status: 'approved' })
    }
  })
})

describe('the workbench with masked consumer secrets', () => {
  it('sends the placeholder the console showed, and main fills in the stored secret (Basic and form)', async () => {
    const [app] = await call('apps.list', {})
    const credential = app!.credentials[0]!
    expect(credential.consumerSecret).toBe('********')
    const basic = `Basic ${Buffer.from(`${credential.consumerKey}:${credential.consumerSecret}`).toString('base64')}`
    const viaBasic = await send('/oauth/token', [FORM, ['Authorization', basic]], 'grant_type=client_credentials')
    expect(viaBasic.status).toBe(200)
    // What the console gets back keeps the placeholder.
    expect(viaBasic.sentHeaders).toContainEqual(['Authorization', basic])
    expect(JSON.stringify(viaBasic)).not.toContain('app-one-secret')
    const viaForm = await send('/oauth/token', [FORM], `grant_type=client_credentials&client_id=${credential.consumerKey}&client_secret=${credential.consumerSecret}`)
    expect(viaForm.status).toBe(200)
    // A placeholder for a client the workspace does not know goes out as it is, and is refused.
    const unknown = await send('/oauth/token', [FORM], 'grant_type=client_credentials&client_id=nobody&client_secret=********')
    expect(unknown.status).toBe(401)
  })
})
