/// <reference types="node" />
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createApiClient, setApiClient, type Transport } from '@renderer/api'
import type { ClockState, ConsoleEvents, ConsoleResult, EventName, WorkbenchRequest, WorkbenchResponse } from '@shared/contract'
import type { DeveloperApp } from '@shared/model'
import { KEEP_HISTORY_BODY_CHARS, useWorkbenchStore } from '@renderer/stores/workbench'
import { parseBasicAuthorization } from '@renderer/components/workbench/http'

// The clock store ticks with window.setInterval; node has the same timer functions on globalThis.
;(globalThis as unknown as { window: unknown }).window ??= globalThis

const T0 = 1_800_000_000_000
const app = (name: string, key: string, products: string[]): DeveloperApp => ({
  appId: name.toLowerCase(),
  name,
  developerId: 'dev',
  callbackUrl: `https://${name.toLowerCase()}.example/cb`,
  status: 'approved',
  attributes: [],
  scopes: [],
  createdAt: 0,
  credentials: [{ consumerKey: key, consumerSecret: `${key}-secret`, status: 'approved', issuedAt: 0, expiresAt: -1, apiProducts: products.map((p) => ({ apiproduct: p, status: 'approved' })), scopes: [], attributes: [] }]
})
const apps = [app('App_One', 'one-key', ['Product_One']), app('App_Two', 'two-key', ['Product_Two'])]

/**
 * A small gateway behind a fake transport: /oauth/token issues tokens to known Basic credentials,
 * /api-one accepts only App_One's tokens and only in `test`, /oauth/revoke revokes.
 */
function fakeConsole() {
  const sent: WorkbenchRequest[] = []
  const tokens = new Map<string, { app: string; revoked: boolean }>()
  const listeners = new Map<string, Array<(p: unknown) => void>>()
  let traces = 0
  let clock: ClockState = { now: T0, iso: new Date(T0).toISOString(), mode: 'frozen', offsetMs: 0 }

  const respond = (status: number, body: unknown, headers: Array<[string, string]> = [['Content-Type', 'application/json']]): WorkbenchResponse => ({
    url: 'http://127.0.0.1:1',
    status,
    reasonPhrase: status === 200 ? 'OK' : 'Unauthorized',
    headers,
    body: JSON.stringify(body),
    durationMs: 1,
    traceId: `trace-${++traces}`,
    sentHeaders: []
  })

  function gateway(request: WorkbenchRequest): WorkbenchResponse {
    const auth = request.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1]
    const path = request.path.split('?')[0]
    if (path === '/oauth/token') {
      const client = parseBasicAuthorization(auth)
      const owner = apps.find((a) => a.credentials.some((c) => c.consumerKey === client?.clientId && c.consumerSecret === client?.clientSecret))
      if (!owner) return respond(401, { ErrorCode: 'invalid_client', Error: 'ClientId is Invalid' })
      const token = `AT-${tokens.size + 1}`
      tokens.set(token, { app: owner.name, revoked: false })
      return respond(200, { access_token: token, expires_in: '3599', issued_at: String(clock.now), application_name: owner.appId, client_id: client!.clientId, token_type: 'BearerToken', refresh_token: `RT-${token}`, scope: '' })
    }
    if (path === '/oauth/revoke') {
      const token = new URLSearchParams(request.body).get('token') ?? ''
      const record = tokens.get(token)
      if (record) record.revoked = true
      return respond(200, {})
    }
    if (path?.startsWith('/api-one')) {
      const record = tokens.get(/^Bearer (.+)$/.exec(auth ?? '')?.[1] ?? '')
      if (record && !record.revoked && record.app === 'App_One' && request.environment === 'test') return respond(200, { path })
      return respond(401, { fault: { faultstring: 'Invalid API call as no apiproduct match found', detail: { errorcode: 'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound' } } })
    }
    return respond(404, {})
  }

  const answers: Record<string, (input: unknown) => unknown> = {
    'apps.list': () => apps,
    'proxies.list': () => [{ name: 'oauth', basePath: '/oauth', environments: ['test', 'prod'], proxyEndpoints: {}, targetEndpoints: {}, policies: {}, resources: {}, description: '' }],
    'proxies.deployments': () => [],
    'clock.get': () => clock,
    'traces.get': () => ({ app: 'App_Two', clientId: 'two-key' }),
    'workbench.send': (input) => {
      sent.push(input as WorkbenchRequest)
      return gateway(input as WorkbenchRequest)
    }
  }
  const transport: Transport = {
    kind: 'http',
    async invoke(method, input): Promise<ConsoleResult<unknown>> {
      const answer = answers[method]
      return answer ? { ok: true, data: answer(input) } : { ok: false, error: { code: 'unknown-method', message: method } }
    },
    on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener as (p: unknown) => void])
      return () => {}
    },
    onConnection: () => () => {}
  }
  return {
    transport,
    sent,
    tokens,
    advanceClock(ms: number) {
      clock = { ...clock, now: clock.now + ms, iso: new Date(clock.now + ms).toISOString() }
      for (const l of listeners.get('clock.changed') ?? []) l(clock)
    }
  }
}

const bearer = (r: WorkbenchRequest | undefined) => r?.headers.find(([n]) => n === 'Authorization')?.[1]

describe('workbench store', () => {
  let fake: ReturnType<typeof fakeConsole>
  let store: ReturnType<typeof useWorkbenchStore>

  beforeEach(async () => {
    fake = fakeConsole()
    setApiClient(createApiClient(fake.transport))
    setActivePinia(createPinia())
    store = useWorkbenchStore()
    await new Promise((r) => setTimeout(r, 0))
  })

  it('sends, keeps the request in the history (newest first) and finds it by trace id', async () => {
    const request: WorkbenchRequest = { environment: 'test', method: 'GET', path: '/api-one/items?x=1', headers: [], body: '' }
    const first = await store.send(request)
    const second = await store.send(request, 'again')
    expect(first).toMatchObject({ label: 'GET /api-one/items', error: null, response: { status: 401, traceId: 'trace-1' } })
    expect(store.history.map((h) => h.id)).toEqual([second.id, first.id])
    expect(store.shownId).toBe(second.id)
    expect(store.requestByTraceId('trace-1')?.id).toBe(first.id)
    expect(store.requestByTraceId('nope')).toBeUndefined()
    await expect(store.resend('nope')).rejects.toThrow('did not come from the workbench')
  })

  it('keeps no more than its body budget in the history: the oldest big entries go, the newest always stays', async () => {
    const big = (fill: string): WorkbenchRequest => ({ environment: 'test', method: 'POST', path: '/nowhere', headers: [], body: fill.repeat(6 * 1024 * 1024) })
    const sent = []
    for (const fill of ['a', 'b', 'c', 'd']) sent.push(await store.send(big(fill)))
    // Two 6 Mi-character bodies fit in the 16 Mi budget, a third does not.
    expect(store.history.map((h) => h.id)).toEqual([sent[3]!.id, sent[2]!.id])
    expect(store.history.reduce((n, h) => n + h.request.body.length, 0)).toBeLessThanOrEqual(KEEP_HISTORY_BODY_CHARS)
    const huge = await store.send({ ...big('e'), body: 'e'.repeat(KEEP_HISTORY_BODY_CHARS + 1) })
    expect(store.history.map((h) => h.id)).toEqual([huge.id])
    // Once it is not the newest, an entry over the budget goes too.
    for (let i = 0; i < 3; i++) await store.send({ environment: 'test', method: 'GET', path: `/nowhere/${i}`, headers: [], body: '' })
    expect(store.history.map((h) => h.request.path)).toEqual(['/nowhere/2', '/nowhere/1', '/nowhere/0'])
  })

  it("puts a client_credentials token in the wallet under the app's name, expiring on the engine clock", async () => {
    const { sent, token } = await store.requestClientCredentialsToken({ environment: 'test', app: 'App_One' })
    expect(parseBasicAuthorization(bearer(sent.request))).toEqual({ clientId: 'one-key', clientSecret: 'one-key-secret' })
    expect(sent.request.path).toBe('/oauth/token')
    expect(token).toMatchObject({ app: 'App_One', consumerKey: 'one-key', environment: 'test', grantType: 'client_credentials', accessToken: 'AT-1', refreshToken: 'RT-AT-1', issuedAt: T0, expiresAt: T0 + 3_599_000, status: 'active', jwt: false })
    fake.advanceClock(3_599_000)
    expect(store.wallet[0]?.status).toBe('expired')
  })

  it('revoke marks the wallet token revoked after the gateway says 200', async () => {
    const { token } = await store.requestClientCredentialsToken({ environment: 'test', app: 'App_One' })
    const revoke = await store.revokeToken(token!.id)
    expect(revoke.request.body).toBe('token=AT-1')
    expect(store.wallet[0]?.status).toBe('revoked')
    expect(fake.tokens.get('AT-1')?.revoked).toBe(true)
  })

  it("workbench.useCredential: gets that credential's token in the trace's environment and resends with it", async () => {
    const { token } = await store.requestClientCredentialsToken({ environment: 'test', app: 'App_Two' })
    const failed = await store.send({ environment: 'test', method: 'GET', path: '/api-one/items', headers: [['Authorization', `Bearer ${token!.accessToken}`]], body: '' })
    expect(failed.response?.status).toBe(401)

    const fixed = await store.runClientFix({ id: 'use-credential:one-key', label: "Use App_One's credentials", method: 'workbench.useCredential', input: { app: 'App_One', consumerKey: 'one-key' }, resend: true }, failed.response!.traceId!)
    expect(fixed.response?.status).toBe(200)
    expect(bearer(fixed.request)).toBe('Bearer AT-2')
    expect(fixed.request.path).toBe('/api-one/items')
    expect(store.wallet.map((t) => t.app)).toEqual(['App_One', 'App_Two'])
  })

  it('workbench.useCredential on a token request swaps the Basic credentials', async () => {
    const bad = await store.send({ environment: 'test', method: 'POST', path: '/oauth/token', headers: [['Authorization', `Basic ${btoa('one-key:wrong')}`]], body: 'grant_type=client_credentials' })
    expect(bad.response?.status).toBe(401)
    const fixed = await store.runClientFix({ id: 'x', label: 'x', method: 'workbench.useCredential', input: { app: 'App_One', consumerKey: 'one-key' }, resend: true }, bad.response!.traceId!)
    expect(fixed.response?.status).toBe(200)
    expect(parseBasicAuthorization(bearer(fixed.request))).toEqual({ clientId: 'one-key', clientSecret: 'one-key-secret' })
  })

  it('workbench.useEnvironment resends the same request to the other environment', async () => {
    const { token } = await store.requestClientCredentialsToken({ environment: 'prod', app: 'App_One' })
    const failed = await store.send({ environment: 'prod', method: 'GET', path: '/api-one/items', headers: [['Authorization', `Bearer ${token!.accessToken}`]], body: '' })
    const fixed = await store.runClientFix({ id: 'use-environment:test', label: 'Call API_One in test', method: 'workbench.useEnvironment', input: { environment: 'test' }, resend: true }, failed.response!.traceId!)
    expect(fixed.request).toEqual({ ...failed.request, environment: 'test' })
    expect(fixed.response?.status).toBe(200)
  })

  it('workbench.requestToken without an app: a fresh token for the app of the token the request carried', async () => {
    const { token } = await store.requestClientCredentialsToken({ environment: 'test', app: 'App_One' })
    const request: WorkbenchRequest = { environment: 'test', method: 'GET', path: '/api-one/items', headers: [['Authorization', `Bearer ${token!.accessToken}`]], body: '' }
    await store.revokeToken(token!.id)
    const failed = await store.send(request)
    expect(failed.response?.status).toBe(401)
    const fixed = await store.runClientFix({ id: 'request-token', label: 'Request a new access token', method: 'workbench.requestToken', input: {}, resend: true }, failed.response!.traceId!)
    expect(bearer(fixed.request)).toBe('Bearer AT-2')
    expect(fixed.response?.status).toBe(200)
  })

  it('workbench.resend sends the same request; other methods are not client fixes', async () => {
    const first = await store.send({ environment: 'test', method: 'GET', path: '/api-one/items', headers: [], body: '' })
    const again = await store.runClientFix({ id: 'resend', label: 'Send again', method: 'workbench.resend', input: {}, resend: true }, first.response!.traceId!)
    expect(again.request).toEqual(first.request)
    expect(again.id).not.toBe(first.id)
    await expect(store.runClientFix({ id: 'a', label: 'a', method: 'apps.setProductStatus', input: {}, resend: true }, first.response!.traceId!)).rejects.toThrow('not a workbench fix')
  })

  it('loads a history entry into the composer and puts a wallet token in it as Bearer', async () => {
    const { token } = await store.requestClientCredentialsToken({ environment: 'prod', app: 'App_One' })
    const sent = await store.send({ environment: 'test', method: 'POST', path: '/api-one/items?a=1&b=2', headers: [['Content-Type', 'application/json']], body: '{"x":1}' })
    store.loadIntoComposer(sent)
    expect(store.activeTab).toBe('call')
    expect(store.callDraft).toMatchObject({ environment: 'test', method: 'POST', path: '/api-one/items', body: '{"x":1}' })
    expect(store.callDraft.query.map((r) => [r.name, r.value])).toEqual([
      ['a', '1'],
      ['b', '2']
    ])
    store.useTokenInComposer(token!.id)
    expect(store.callDraft.environment).toBe('prod')
    expect(store.callDraft.headers.map((r) => [r.name, r.value])).toEqual([
      ['Content-Type', 'application/json'],
      ['Authorization', `Bearer ${token!.accessToken}`]
    ])
  })
})
