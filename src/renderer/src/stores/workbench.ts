import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef, watch } from 'vue'
import { useApi } from '@renderer/api'
import type { WorkbenchRequest, WorkbenchResponse } from '@shared/contract'
import type { Fix } from '@shared/explain'
import type { DeveloperApp } from '@shared/model'
import {
  basicAuthorization,
  bearerToken,
  buildRevokeRequest,
  buildTokenRequest,
  expiryOf,
  headerValue,
  looksLikeJwt,
  oauthBasePath,
  parseBasicAuthorization,
  parseLocation,
  parseTokenResponse,
  tokenState,
  newRow,
  splitPath,
  withHeader,
  type CallDraft,
  type GrantType,
  type TokenForm
} from '@renderer/components/workbench/http'
import { useAppsStore } from './apps'
import { useClockStore } from './clock'
import { useProxiesStore } from './proxies'

/** One request the workbench sent, kept in the history. */
export interface SentRequest {
  id: string
  /** Date.now() when it was sent. */
  at: number
  /** Exactly as sent, secrets in clear. */
  request: WorkbenchRequest
  response: WorkbenchResponse | null
  /** Why the request got no HTTP response at all (listener down, connection refused). */
  error: string | null
  /** e.g. "client_credentials token for App_Two" or "GET /api-one/items". */
  label: string
}

/** A token the workbench obtained, with its state at the engine clock's now. */
export interface WalletToken {
  id: string
  environment: string
  app: string
  consumerKey: string
  grantType: string
  accessToken: string
  refreshToken: string | null
  scope: string
  issuedAt: number
  /** Epoch ms, -1 never; from issued_at + expires_in. */
  expiresAt: number
  status: 'active' | 'expired' | 'revoked'
  jwt: boolean
}

/** What a token request is for, so a successful response can go to the wallet. */
export interface TokenRequestMeta {
  environment: string
  app: string
  consumerKey: string
  grantType: GrantType | string
}

/** What is stored for a wallet token; `status` is derived from `revoked` and the clock. */
type StoredToken = Omit<WalletToken, 'status'> & { revoked: boolean }

const HISTORY_KEY = 'gatelab.workbench.history'
const WALLET_KEY = 'gatelab.workbench.wallet'
const KEEP_HISTORY = 200
/**
 * Characters of request and response bodies the history keeps (the newest entry always stays): the
 * gateway accepts 10 MB bodies, and 200 of those would hold gigabytes in this window.
 */
export const KEEP_HISTORY_BODY_CHARS = 16 * 1024 * 1024

/** The newest entries, at most KEEP_HISTORY of them and KEEP_HISTORY_BODY_CHARS of their bodies. */
function keptHistory(entries: SentRequest[]): SentRequest[] {
  let chars = 0
  let kept = 0
  for (const entry of entries.slice(0, KEEP_HISTORY)) {
    chars += entry.request.body.length + (entry.response?.body.length ?? 0)
    if (kept > 0 && chars > KEEP_HISTORY_BODY_CHARS) break
    kept++
  }
  return entries.slice(0, kept)
}

/** Tokens and secrets are in these lists, so they live in sessionStorage only (gone with the window). */
function load<T>(key: string): T[] {
  try {
    const raw = typeof sessionStorage !== 'undefined' ? sessionStorage.getItem(key) : null
    const parsed: unknown = raw ? JSON.parse(raw) : []
    return Array.isArray(parsed) ? (parsed as T[]) : []
  } catch {
    return []
  }
}

function save(key: string, value: unknown): void {
  try {
    if (typeof sessionStorage !== 'undefined') sessionStorage.setItem(key, JSON.stringify(value))
  } catch {
    // A full or disabled sessionStorage only loses the history across reloads; sending still works.
  }
}

function newId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`
}

/** A plain copy (no Vue proxies: IPC and sessionStorage need cloneable data). */
export function plainRequest(request: WorkbenchRequest): WorkbenchRequest {
  return {
    environment: request.environment,
    method: request.method,
    path: request.path,
    headers: request.headers.map(([name, value]): [string, string] => [name, value]),
    body: request.body
  }
}

/** "GET /api-one/items" */
export function describeRequest(request: WorkbenchRequest): string {
  const q = request.path.indexOf('?')
  return `${request.method} ${q < 0 ? request.path : request.path.slice(0, q)}`
}

/**
 * The token workbench: requests sent to the gateway listeners (history), tokens obtained (wallet),
 * and the client-side fixes an explanation offers (`workbench.*`), which the trace viewer runs here.
 */
export const useWorkbenchStore = defineStore('workbench', () => {
  const api = useApi()
  const clock = useClockStore()
  const apps = useAppsStore()
  const proxies = useProxiesStore()

  // Entries are never mutated in place (every change replaces the array), so shallow refs suffice.
  const history = shallowRef<SentRequest[]>(load<SentRequest>(HISTORY_KEY))
  const stored = shallowRef<StoredToken[]>(load<StoredToken>(WALLET_KEY))
  watch(history, (next) => save(HISTORY_KEY, next))
  watch(stored, (next) => save(WALLET_KEY, next))

  if (!clock.state) void clock.refresh()

  /** The engine's now; before the clock has loaded, wall time (the engine's default). */
  const now = computed(() => clock.now ?? Date.now())

  const wallet = computed<WalletToken[]>(() =>
    stored.value.map(({ revoked, ...token }) => ({ ...token, status: tokenState({ expiresAt: token.expiresAt, revoked }, now.value) }))
  )

  // What the workbench view shows and edits; kept here so it survives navigating away and back.
  const activeTab = ref<'token' | 'call'>('token')
  /** The history entry the response panel shows. */
  const shownId = ref<string | null>(null)
  const shown = computed(() => (shownId.value ? history.value.find((h) => h.id === shownId.value) ?? null : null))
  const tokenDraft = reactive<TokenForm & { app: string; consumerKey: string }>({
    environment: '',
    app: '',
    consumerKey: '',
    grantType: 'client_credentials',
    tokenPath: '/oauth/token',
    authorizePath: '/oauth/authorize',
    revokePath: '/oauth/revoke',
    clientId: '',
    clientSecret: '',
    clientAuth: 'basic',
    scope: '',
    redirectUri: '',
    state: '',
    username: '',
    password: '',
    code: '',
    refreshToken: ''
  })
  const callDraft = reactive<CallDraft>({
    environment: '',
    method: 'GET',
    path: '/',
    query: [],
    headers: [newRow('Accept', 'application/json')],
    body: ''
  })

  /** Loads a sent request into the composer (history click). */
  function loadIntoComposer(sent: SentRequest): void {
    const { path, query } = splitPath(sent.request.path)
    callDraft.environment = sent.request.environment
    callDraft.method = sent.request.method
    callDraft.path = path
    callDraft.query = query
    callDraft.headers = sent.request.headers.map(([name, value]) => newRow(name, value))
    callDraft.body = sent.request.body
    shownId.value = sent.id
    activeTab.value = 'call'
  }

  /** Puts a wallet token into the composer as `Authorization: Bearer <token>`, in the token's environment. */
  function useTokenInComposer(id: string): void {
    const token = tokenById(id)
    if (!token) return
    const existing = callDraft.headers.find((r) => r.name.toLowerCase() === 'authorization')
    if (existing) {
      existing.value = `Bearer ${token.accessToken}`
      existing.enabled = true
    } else callDraft.headers.push(newRow('Authorization', `Bearer ${token.accessToken}`))
    callDraft.environment = token.environment
    activeTab.value = 'call'
  }

  /** Sends one request through the gateway listener; a successful token response goes to the wallet when `token` says whose it is. */
  async function send(request: WorkbenchRequest, label?: string, token?: TokenRequestMeta): Promise<SentRequest> {
    return (await sendForToken(request, label, token)).sent
  }

  /** Like send, and also returns the wallet token the response yielded, if any. */
  async function sendForToken(request: WorkbenchRequest, label?: string, token?: TokenRequestMeta): Promise<{ sent: SentRequest; token: WalletToken | undefined }> {
    const plain = plainRequest(request)
    const sent: SentRequest = { id: newId(), at: Date.now(), request: plain, response: null, error: null, label: label ?? describeRequest(plain) }
    try {
      sent.response = await api.workbench.send(plainRequest(plain))
    } catch (e) {
      sent.error = e instanceof Error ? e.message : String(e)
    }
    history.value = keptHistory([sent, ...history.value])
    shownId.value = sent.id
    const captured = token && sent.response ? captureToken(sent.response, token) : undefined
    return { sent, token: captured }
  }

  /** Puts the token of a successful token response (JSON body, or an implicit redirect's fragment) into the wallet. */
  function captureToken(response: WorkbenchResponse, meta: TokenRequestMeta): WalletToken | undefined {
    let fields = response.status === 200 ? parseTokenResponse(response.body) : undefined
    if (!fields && response.status >= 300 && response.status < 400) {
      const location = headerValue(response.headers, 'Location')
      const redirect = location ? parseLocation(location) : undefined
      if (redirect?.accessToken) {
        const expires = Number(redirect.expiresIn ?? '')
        fields = {
          accessToken: redirect.accessToken,
          refreshToken: null,
          expiresIn: redirect.expiresIn !== undefined && Number.isFinite(expires) && expires >= 0 ? expires : -1,
          issuedAt: null,
          scope: redirect.scope ?? '',
          tokenType: redirect.fragment['token_type'] ?? '',
          clientId: null,
          applicationName: null
        }
      }
    }
    if (!fields) return undefined
    const issuedAt = fields.issuedAt ?? now.value
    const consumerKey = fields.clientId ?? meta.consumerKey
    // Apigee's application_name holds the app's id, not its name: name the app from the model.
    const owner = apps.items.find((a) => a.credentials.some((c) => c.consumerKey === consumerKey))
    const entry: StoredToken = {
      id: newId(),
      environment: meta.environment,
      app: meta.app || owner?.name || fields.applicationName || consumerKey,
      consumerKey,
      grantType: meta.grantType,
      accessToken: fields.accessToken,
      refreshToken: fields.refreshToken,
      scope: fields.scope,
      issuedAt,
      expiresAt: expiryOf(issuedAt, fields.expiresIn),
      jwt: looksLikeJwt(fields.accessToken),
      revoked: false
    }
    stored.value = [entry, ...stored.value.filter((t) => t.accessToken !== entry.accessToken)]
    return wallet.value.find((t) => t.id === entry.id)
  }

  function tokenById(id: string): WalletToken | undefined {
    return wallet.value.find((t) => t.id === id)
  }

  function removeToken(id: string): void {
    stored.value = stored.value.filter((t) => t.id !== id)
  }

  function clearHistory(): void {
    history.value = []
    shownId.value = null
  }

  function requestByTraceId(traceId: string): SentRequest | undefined {
    return history.value.find((h) => h.response?.traceId === traceId)
  }

  function requireSent(traceId: string): SentRequest {
    const sent = requestByTraceId(traceId)
    if (!sent) throw new Error(`Trace ${traceId} did not come from the workbench (or its history was cleared): send the request again from the workbench`)
    return sent
  }

  async function resend(traceId: string): Promise<SentRequest> {
    const sent = requireSent(traceId)
    return send(sent.request, sent.label)
  }

  async function credentialOf(app: string, consumerKey?: string): Promise<{ app: DeveloperApp; consumerKey: string; consumerSecret: string }> {
    await apps.ensureLoaded()
    const found = apps.items.find((a) => a.name === app)
    if (!found) throw new Error(`App ${app} does not exist`)
    const credential = consumerKey ? found.credentials.find((c) => c.consumerKey === consumerKey) : found.credentials.find((c) => c.status === 'approved') ?? found.credentials[0]
    if (!credential) throw new Error(consumerKey ? `App ${app} has no credential ${consumerKey}` : `App ${app} has no credential`)
    return { app: found, consumerKey: credential.consumerKey, consumerSecret: credential.consumerSecret }
  }

  async function oauthPaths(environment: string): Promise<{ token: string; revoke: string; authorize: string }> {
    await proxies.ensureLoaded()
    const base = oauthBasePath(proxies.items, environment)
    return { token: `${base}/token`, revoke: `${base}/revoke`, authorize: `${base}/authorize` }
  }

  /** Gets a client_credentials token for an app's credential (Basic client auth) and puts it in the wallet. */
  async function requestClientCredentialsToken(input: { environment: string; app: string; consumerKey?: string; scope?: string }): Promise<{ sent: SentRequest; token: WalletToken | undefined }> {
    const credential = await credentialOf(input.app, input.consumerKey)
    const paths = await oauthPaths(input.environment)
    const request = buildTokenRequest({
      environment: input.environment,
      grantType: 'client_credentials',
      tokenPath: paths.token,
      authorizePath: paths.authorize,
      revokePath: paths.revoke,
      clientId: credential.consumerKey,
      clientSecret: credential.consumerSecret,
      clientAuth: 'basic',
      scope: input.scope ?? '',
      redirectUri: '',
      state: '',
      username: '',
      password: '',
      code: '',
      refreshToken: ''
    })
    const meta = { environment: input.environment, app: credential.app.name, consumerKey: credential.consumerKey, grantType: 'client_credentials' }
    return sendForToken(request, `client_credentials token for ${credential.app.name}`, meta)
  }

  /** Refreshes a wallet token with its refresh token (grant_type=refresh_token, Basic client auth). */
  async function refreshToken(id: string): Promise<SentRequest> {
    const token = tokenById(id)
    if (!token) throw new Error('That token is no longer in the wallet')
    if (!token.refreshToken) throw new Error(`The ${token.grantType} token of ${token.app} has no refresh token`)
    const credential = await credentialOf(token.app, token.consumerKey)
    const paths = await oauthPaths(token.environment)
    const request: WorkbenchRequest = {
      environment: token.environment,
      method: 'POST',
      path: paths.token,
      headers: [
        ['Authorization', basicAuthorization(credential.consumerKey, credential.consumerSecret)],
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['Accept', 'application/json']
      ],
      body: new URLSearchParams([
        ['grant_type', 'refresh_token'],
        ['refresh_token', token.refreshToken]
      ]).toString()
    }
    return send(request, `refresh ${token.app}'s token`, { environment: token.environment, app: token.app, consumerKey: token.consumerKey, grantType: 'refresh_token' })
  }

  /** Revokes a wallet token at the revocation endpoint (token=<access token>); marks it revoked when the gateway says 200. */
  async function revokeToken(id: string): Promise<SentRequest> {
    const token = tokenById(id)
    if (!token) throw new Error('That token is no longer in the wallet')
    const credential = await credentialOf(token.app, token.consumerKey)
    const paths = await oauthPaths(token.environment)
    const request = buildRevokeRequest(token.environment, paths.revoke, token.accessToken, { clientId: credential.consumerKey, clientSecret: credential.consumerSecret })
    const sent = await send(request, `revoke ${token.app}'s token`)
    if (sent.response && sent.response.status >= 200 && sent.response.status < 300) {
      stored.value = stored.value.map((t) => (t.id === id ? { ...t, revoked: true } : t))
    }
    return sent
  }

  /** The wallet token a request carries as Bearer, if it came from the wallet. */
  function walletTokenOf(request: WorkbenchRequest): WalletToken | undefined {
    const bearer = bearerToken(request.headers)
    return bearer ? wallet.value.find((t) => t.accessToken === bearer) : undefined
  }

  /** Whose request it was: the wallet token it carried, else the app the gateway named in the trace. */
  async function appOfTrace(sent: SentRequest, traceId: string): Promise<{ app: string; consumerKey?: string } | undefined> {
    const token = walletTokenOf(sent.request)
    if (token) return { app: token.app, consumerKey: token.consumerKey }
    const basic = parseBasicAuthorization(headerValue(sent.request.headers, 'Authorization'))
    await apps.ensureLoaded()
    const byKey = (key: string | null | undefined) => (key ? apps.items.find((a) => a.credentials.some((c) => c.consumerKey === key)) : undefined)
    if (basic) {
      const app = byKey(basic.clientId)
      if (app) return { app: app.name, consumerKey: basic.clientId }
    }
    try {
      const trace = await api.traces.get({ id: traceId })
      if (trace.app) return { app: trace.app, consumerKey: trace.clientId ?? undefined }
      const app = byKey(trace.clientId)
      if (app) return { app: app.name, consumerKey: trace.clientId ?? undefined }
    } catch {
      // The trace may have left the buffer; then only the wallet or the request itself can tell.
    }
    return undefined
  }

  async function sendWithToken(sent: SentRequest, token: WalletToken | undefined, tokenSent: SentRequest): Promise<SentRequest> {
    if (!token) {
      const status = tokenSent.response ? `${tokenSent.response.status} ${tokenSent.response.reasonPhrase}` : tokenSent.error
      throw new Error(`Getting a new token failed (${status}); the request was not resent`)
    }
    const request = { ...sent.request, headers: withHeader(sent.request.headers, 'Authorization', `Bearer ${token.accessToken}`) }
    return send(request, `${describeRequest(request)} with ${token.app}'s token`)
  }

  async function runClientFix(fix: Fix, traceId: string): Promise<SentRequest> {
    const sent = requireSent(traceId)
    const input = (fix.input && typeof fix.input === 'object' ? fix.input : {}) as Record<string, unknown>
    const text = (name: string): string | undefined => (typeof input[name] === 'string' && input[name] ? (input[name] as string) : undefined)
    switch (fix.method) {
      case 'workbench.resend':
        return send(sent.request, sent.label)
      case 'workbench.useEnvironment': {
        const environment = text('environment')
        if (!environment) throw new Error(`Fix ${fix.id} names no environment`)
        return send({ ...sent.request, environment }, `${describeRequest(sent.request)} in ${environment}`)
      }
      case 'workbench.useCredential': {
        const app = text('app')
        if (!app) throw new Error(`Fix ${fix.id} names no app`)
        const credential = await credentialOf(app, text('consumerKey'))
        const authorization = headerValue(sent.request.headers, 'Authorization')
        // A token request authenticates the client itself: swap its credentials rather than add a token.
        if (parseBasicAuthorization(authorization)) {
          const request = { ...sent.request, headers: withHeader(sent.request.headers, 'Authorization', basicAuthorization(credential.consumerKey, credential.consumerSecret)) }
          return send(request, `${describeRequest(request)} as ${app}`)
        }
        if (!bearerToken(sent.request.headers) && sent.request.body.includes('client_secret=')) {
          const form = new URLSearchParams(sent.request.body)
          form.set('client_id', credential.consumerKey)
          form.set('client_secret', credential.consumerSecret)
          return send({ ...sent.request, body: form.toString() }, `${describeRequest(sent.request)} as ${app}`)
        }
        // An API key call (VerifyAPIKey) carries the key itself: put the other key where the old one was.
        if (!authorization) {
          const origin = await appOfTrace(sent, traceId)
          const oldKey = origin?.consumerKey
          if (oldKey && (sent.request.path.includes(oldKey) || sent.request.headers.some(([, v]) => v === oldKey))) {
            const request = {
              ...sent.request,
              path: sent.request.path.split(oldKey).join(credential.consumerKey),
              headers: sent.request.headers.map(([n, v]): [string, string] => [n, v === oldKey ? credential.consumerKey : v])
            }
            return send(request, `${describeRequest(request)} with ${app}'s key`)
          }
        }
        const got = await requestClientCredentialsToken({ environment: sent.request.environment, app, consumerKey: credential.consumerKey })
        return sendWithToken(sent, got.token, got.sent)
      }
      case 'workbench.requestToken': {
        const origin = text('app') ? { app: text('app')!, consumerKey: text('consumerKey') } : await appOfTrace(sent, traceId)
        if (!origin) throw new Error('Whose token to request is unknown: choose an app in the workbench and get a token there')
        const previous = walletTokenOf(sent.request)
        const got = await requestClientCredentialsToken({
          environment: sent.request.environment,
          app: origin.app,
          consumerKey: text('consumerKey') ?? origin.consumerKey,
          scope: text('scope') ?? previous?.scope ?? undefined
        })
        return sendWithToken(sent, got.token, got.sent)
      }
      default:
        throw new Error(`${fix.method} is not a workbench fix`)
    }
  }

  return {
    history,
    wallet,
    now,
    activeTab,
    shownId,
    shown,
    tokenDraft,
    callDraft,
    loadIntoComposer,
    useTokenInComposer,
    send,
    sendForToken,
    captureToken,
    requestByTraceId,
    resend,
    runClientFix,
    requestClientCredentialsToken,
    refreshToken,
    revokeToken,
    removeToken,
    tokenById,
    walletTokenOf,
    clearHistory,
    oauthPaths,
    credentialOf
  }
})
