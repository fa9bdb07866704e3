/**
 * Pure helpers of the token workbench: building OAuth requests from a form, rendering them as raw
 * HTTP and as a curl command, masking secrets for display, reading redirects and token responses,
 * decoding JWTs and computing expiry. No Vue, no store: unit-tested in test/renderer/workbench.test.ts.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose'
import type { WorkbenchRequest } from '@shared/contract'
import type { ApiProxy } from '@shared/model'
import { MASKED_SECRET } from '@shared/secrets'

export type Header = [string, string]
export type HttpMethod = WorkbenchRequest['method']
export type GrantType = 'client_credentials' | 'password' | 'authorization_code' | 'implicit' | 'refresh_token'
export type ClientAuthMode = 'basic' | 'body'

export const grantTypes: GrantType[] = ['client_credentials', 'password', 'authorization_code', 'implicit', 'refresh_token']

/** Shown in place of a secret until the user reveals it. */
export const MASK = '••••••••'

// ---------------------------------------------------------------------------------------------
// Headers

/** The first value of a header, by case-insensitive name. */
export function headerValue(headers: Header[], name: string): string | undefined {
  const lower = name.toLowerCase()
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1]
}

/** Headers with every `name` header replaced by one `name: value` (in place of the first, else appended). */
export function withHeader(headers: Header[], name: string, value: string): Header[] {
  const lower = name.toLowerCase()
  const index = headers.findIndex(([n]) => n.toLowerCase() === lower)
  const rest = headers.filter(([n]) => n.toLowerCase() !== lower)
  if (index < 0) return [...rest, [name, value]]
  const out = [...rest]
  out.splice(index, 0, [name, value])
  return out
}

/** Headers without any `name` header. */
export function withoutHeader(headers: Header[], name: string): Header[] {
  const lower = name.toLowerCase()
  return headers.filter(([n]) => n.toLowerCase() !== lower)
}

/** The bearer token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(headers: Header[]): string | undefined {
  const value = headerValue(headers, 'Authorization')
  const match = value ? /^Bearer\s+(.+)$/i.exec(value.trim()) : null
  return match?.[1]
}

/** Base64 of UTF-8 text (btoa alone refuses characters above U+00FF). */
export function base64Utf8(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** `Basic base64(id:secret)`, as RFC 6749 2.3.1 puts client credentials in a header. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${base64Utf8(`${clientId}:${clientSecret}`)}`
}

/** The client id and secret of a `Basic` header, or undefined when it is not one. */
export function parseBasicAuthorization(value: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = value ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(value.trim()) : null
  if (!match?.[1]) return undefined
  try {
    const binary = atob(match[1])
    const text = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
    const colon = text.indexOf(':')
    if (colon < 0) return undefined
    return { clientId: text.slice(0, colon), clientSecret: text.slice(colon + 1) }
  } catch {
    return undefined
  }
}

/** True when a request carries the masked consumer-secret placeholder (in Basic or in client_secret). */
export function hasSecretPlaceholder(request: WorkbenchRequest): boolean {
  if (parseBasicAuthorization(headerValue(request.headers, 'Authorization'))?.clientSecret === MASKED_SECRET) return true
  return new URLSearchParams(request.body).get('client_secret') === MASKED_SECRET
}

/**
 * The request with the placeholder replaced by the real `secret`. The console fills it in itself when
 * it sends; this is for a copied command, which must work outside the console.
 */
export function fillSecretPlaceholder(request: WorkbenchRequest, secret: string): WorkbenchRequest {
  const basic = parseBasicAuthorization(headerValue(request.headers, 'Authorization'))
  const headers = basic?.clientSecret === MASKED_SECRET ? withHeader(request.headers, 'Authorization', basicAuthorization(basic.clientId, secret)) : request.headers
  const form = new URLSearchParams(request.body)
  const body =
    form.get('client_secret') === MASKED_SECRET
      ? request.body.replace(/(^|&)client_secret=[^&]*/, (_m, lead: string) => `${lead}client_secret=${encodeURIComponent(secret)}`)
      : request.body
  return { ...request, headers, body }
}

// ---------------------------------------------------------------------------------------------
// Building OAuth requests

/** Everything the "Get a token" form holds. */
export interface TokenForm {
  environment: string
  grantType: GrantType
  /** Path of the token endpoint, e.g. `/oauth/token`. */
  tokenPath: string
  /** Path of the authorization endpoint, e.g. `/oauth/authorize`. */
  authorizePath: string
  /** Path of the revocation endpoint, e.g. `/oauth/revoke`. */
  revokePath: string
  clientId: string
  clientSecret: string
  clientAuth: ClientAuthMode
  scope: string
  redirectUri: string
  state: string
  username: string
  password: string
  /** The authorization code from step 1 of the authorization_code grant. */
  code: string
  refreshToken: string
}

/** Where the sample (and most Apigee setups) serve OAuth: the `oauth` proxy's base path in that environment. */
export function oauthBasePath(proxies: ApiProxy[], environment: string): string {
  const deployed = proxies.filter((p) => p.environments.includes(environment))
  const byName = deployed.find((p) => p.name.toLowerCase() === 'oauth') ?? proxies.find((p) => p.name.toLowerCase() === 'oauth')
  const byPath = deployed.find((p) => p.basePath.toLowerCase() === '/oauth')
  return (byName ?? byPath)?.basePath ?? '/oauth'
}

/**
 * Token endpoints the OAuth proxy in `environment` serves, read from its flow conditions
 * (`proxy.pathsuffix MatchesPath "/token"`, `"/jwt/token"`...), as full paths; the standard one first.
 */
export function tokenEndpoints(proxies: ApiProxy[], environment: string): string[] {
  const base = oauthBasePath(proxies, environment)
  const proxy = proxies.find((p) => p.basePath === base && p.environments.includes(environment)) ?? proxies.find((p) => p.basePath === base)
  const suffixes = new Set<string>(['/token'])
  for (const xml of Object.values(proxy?.proxyEndpoints ?? {})) {
    for (const match of xml.matchAll(/MatchesPath\s+(?:"|&quot;)([^"&]*token[^"&]*)(?:"|&quot;)/gi)) if (match[1] && !match[1].includes('*')) suffixes.add(match[1])
  }
  return [...suffixes].map((s) => `${base}${s}`)
}

/** `application/x-www-form-urlencoded` text of ordered pairs, skipping empty optional values. */
export function formBody(pairs: Array<[string, string]>): string {
  return new URLSearchParams(pairs).toString()
}

function clientAuth(form: TokenForm): { headers: Header[]; pairs: Array<[string, string]> } {
  if (form.clientAuth === 'basic') return { headers: [['Authorization', basicAuthorization(form.clientId, form.clientSecret)]], pairs: [] }
  return {
    headers: [],
    pairs: [
      ['client_id', form.clientId],
      ['client_secret', form.clientSecret]
    ]
  }
}

const FORM_TYPE = 'application/x-www-form-urlencoded'

/** The POST to the token endpoint for the form's grant (authorization_code: step 2, the code exchange). */
export function buildTokenRequest(form: TokenForm): WorkbenchRequest {
  const auth = clientAuth(form)
  const pairs: Array<[string, string]> = [['grant_type', form.grantType]]
  switch (form.grantType) {
    case 'client_credentials':
      if (form.scope) pairs.push(['scope', form.scope])
      break
    case 'password':
      pairs.push(['username', form.username], ['password', form.password])
      if (form.scope) pairs.push(['scope', form.scope])
      break
    case 'authorization_code':
      pairs.push(['code', form.code])
      if (form.redirectUri) pairs.push(['redirect_uri', form.redirectUri])
      break
    case 'refresh_token':
      pairs.push(['refresh_token', form.refreshToken])
      if (form.scope) pairs.push(['scope', form.scope])
      break
    case 'implicit':
      // The implicit grant has no token request: the token comes back in the authorize redirect.
      return buildAuthorizeRequest(form, 'token')
  }
  return {
    environment: form.environment,
    method: 'POST',
    path: form.tokenPath,
    headers: [...auth.headers, ['Content-Type', FORM_TYPE], ['Accept', 'application/json']],
    body: formBody([...pairs, ...auth.pairs])
  }
}

/** The GET to the authorization endpoint: `response_type=code` (step 1) or `token` (implicit). */
export function buildAuthorizeRequest(form: TokenForm, responseType: 'code' | 'token'): WorkbenchRequest {
  const query: Array<[string, string]> = [
    ['response_type', responseType],
    ['client_id', form.clientId]
  ]
  if (form.redirectUri) query.push(['redirect_uri', form.redirectUri])
  if (form.state) query.push(['state', form.state])
  if (form.scope) query.push(['scope', form.scope])
  return { environment: form.environment, method: 'GET', path: `${form.authorizePath}?${formBody(query)}`, headers: [], body: '' }
}

/** POST to the revocation endpoint with `token=<token>` and the client's credentials as Basic. */
export function buildRevokeRequest(
  environment: string,
  revokePath: string,
  token: string,
  client: { clientId: string; clientSecret: string }
): WorkbenchRequest {
  return {
    environment,
    method: 'POST',
    path: revokePath,
    headers: [
      ['Authorization', basicAuthorization(client.clientId, client.clientSecret)],
      ['Content-Type', FORM_TYPE]
    ],
    body: formBody([['token', token]])
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering and masking

/** POSIX shell single quoting: everything literal, a quote becomes `'\''`. */
export function shellQuote(text: string): string {
  if (text !== '' && /^[A-Za-z0-9_./:=@%+,-]+$/.test(text)) return `'${text}'`
  return `'${text.replace(/'/g, `'\\''`)}'`
}

function isFormRequest(request: WorkbenchRequest): boolean {
  return (headerValue(request.headers, 'Content-Type') ?? '').toLowerCase().startsWith(FORM_TYPE)
}

/**
 * The form pairs of a body that curl's `--data-urlencode name=value` sends with the same meaning
 * (curl encodes the value only, so names must need no encoding; the body must be canonical form
 * encoding, so no stray bytes are lost), else undefined and the body goes as `--data-raw`.
 */
function dataUrlencodePairs(body: string): Array<[string, string]> | undefined {
  if (!body) return undefined
  const pairs = [...new URLSearchParams(body).entries()]
  if (pairs.some(([name]) => name === '' || encodeURIComponent(name) !== name)) return undefined
  return formBody(pairs) === body ? pairs : undefined
}

/**
 * The request as a curl command, one option per line, ready to paste into a POSIX shell.
 * With `maskSecrets`, secrets are masked for display (see maskRequest) while the form pairs keep
 * their --data-urlencode shape; without it, the command is exactly what is sent.
 */
export function renderCurl(request: WorkbenchRequest, baseUrl: string, maskSecrets?: string[]): string {
  const shown = maskSecrets ? maskRequest(request, maskSecrets) : request
  const url = `${baseUrl.replace(/\/$/, '')}${shown.path}`
  const parts: string[] = []
  if (request.method === 'HEAD') parts.push('curl --head')
  else if (request.method === 'GET' && !request.body) parts.push('curl')
  else parts.push(`curl -X ${request.method}`)
  parts[0] = `${parts[0]} ${shellQuote(url)}`
  for (const [name, value] of shown.headers) parts.push(`-H ${shellQuote(`${name}: ${value}`)}`)
  if (request.body) {
    const pairs = isFormRequest(request) ? dataUrlencodePairs(request.body) : undefined
    if (pairs) {
      for (const [name, value] of pairs) {
        const masked = maskSecrets && (SECRET_PARAMS.has(name) || maskSecrets.includes(value)) && value ? MASK : value
        parts.push(`--data-urlencode ${shellQuote(`${name}=${masked}`)}`)
      }
    } else parts.push(`--data-raw ${shellQuote(shown.body)}`)
  }
  return parts.join(' \\\n  ')
}

/** The request as it goes over the wire (HTTP/1.1 message text). */
export function renderHttp(request: WorkbenchRequest, host: string): string {
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `Host: ${host}`]
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`)
  if (request.body) lines.push(`Content-Length: ${new TextEncoder().encode(request.body).length}`)
  return `${lines.join('\n')}\n\n${request.body}`
}

/**
 * Form and query parameters whose values are secrets. An authorization code is not among them: it is
 * single-use, short-lived and shown in the redirect anyway, and seeing it travel is the lesson.
 */
export const SECRET_PARAMS = new Set(['client_secret', 'password', 'refresh_token', 'token', 'access_token'])

/** A token or secret shortened for display: the first 6 characters, then the mask. */
export function maskSecret(value: string, keep = 0): string {
  if (!value) return ''
  return keep > 0 && value.length > keep * 2 ? `${value.slice(0, keep)}${MASK}` : MASK
}

/** Form/query text with secret values replaced by the mask; other pairs keep their encoding. */
function maskParams(text: string, extra: string[]): string {
  const pairs = [...new URLSearchParams(text).entries()]
  if (!pairs.some(([name, value]) => SECRET_PARAMS.has(name) || (value && extra.includes(value)))) return text
  return pairs
    .map(([name, value]) => (value && (SECRET_PARAMS.has(name) || extra.includes(value)) ? `${formBody([[name, '']])}${MASK}` : formBody([[name, value]])))
    .join('&')
}

/**
 * The request with secrets replaced by the mask, for display only: Authorization credentials,
 * secret form and query parameters, and any of `secrets` wherever they appear.
 */
export function maskRequest(request: WorkbenchRequest, secrets: string[] = []): WorkbenchRequest {
  const known = secrets.filter((s) => s.length >= 4)
  const scrub = (text: string): string => known.reduce((acc, secret) => acc.split(secret).join(MASK), text)
  const headers: Header[] = request.headers.map(([name, value]) => {
    if (name.toLowerCase() === 'authorization') {
      const match = /^(\w+)\s+(.+)$/.exec(value.trim())
      return [name, match ? `${match[1]} ${match[1]!.toLowerCase() === 'bearer' ? maskSecret(match[2]!, 6) : MASK}` : MASK]
    }
    return [name, scrub(value)]
  })
  const q = request.path.indexOf('?')
  const path = q < 0 ? request.path : `${request.path.slice(0, q)}?${maskParams(request.path.slice(q + 1), known)}`
  const body = request.body && isFormRequest(request) ? maskParams(request.body, known) : scrub(request.body)
  return { ...request, headers, path: scrub(path), body }
}

// ---------------------------------------------------------------------------------------------
// Reading responses

export interface RedirectParams {
  /** The redirect target without query and fragment. */
  target: string
  query: Record<string, string>
  fragment: Record<string, string>
  code?: string
  state?: string
  accessToken?: string
  expiresIn?: string
  scope?: string
  error?: string
  errorDescription?: string
}

/** Reads a redirect Location: the code/state of the query, the token of the fragment (implicit), or an error. */
export function parseLocation(location: string): RedirectParams | undefined {
  let url: URL
  try {
    url = new URL(location, 'http://relative.invalid')
  } catch {
    return undefined
  }
  const query = Object.fromEntries(url.searchParams.entries())
  const fragment = Object.fromEntries(new URLSearchParams(url.hash.replace(/^#/, '')).entries())
  const pick = (name: string): string | undefined => fragment[name] ?? query[name]
  const target = location.startsWith('http') ? `${url.origin}${url.pathname}` : url.pathname
  const out: RedirectParams = { target, query, fragment }
  const fields: Array<[keyof RedirectParams, string]> = [
    ['code', 'code'],
    ['state', 'state'],
    ['accessToken', 'access_token'],
    ['expiresIn', 'expires_in'],
    ['scope', 'scope'],
    ['error', 'error'],
    ['errorDescription', 'error_description']
  ]
  for (const [key, name] of fields) {
    const value = pick(name)
    if (value !== undefined) (out as unknown as Record<string, string>)[key] = value
  }
  return out
}

/** The fields of a token response the wallet keeps, from Apigee's shape (string values) or RFC 6749's. */
export interface TokenResponseFields {
  accessToken: string
  refreshToken: string | null
  /** Seconds, or -1 when the response says the token never expires (or says nothing). */
  expiresIn: number
  /** Epoch ms from `issued_at`, when the response has it. */
  issuedAt: number | null
  scope: string
  tokenType: string
  clientId: string | null
  applicationName: string | null
}

/** Parses a JSON token response; undefined when the body has no access_token. */
export function parseTokenResponse(body: string): TokenResponseFields | undefined {
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch {
    return undefined
  }
  if (!data || typeof data !== 'object') return undefined
  const d = data as Record<string, unknown>
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null)
  const accessToken = text(d['access_token'])
  if (!accessToken) return undefined
  const expires = Number(text(d['expires_in']) ?? '')
  const issued = Number(text(d['issued_at']) ?? '')
  return {
    accessToken,
    refreshToken: text(d['refresh_token']) || null,
    expiresIn: Number.isFinite(expires) && text(d['expires_in']) !== null && expires >= 0 ? expires : -1,
    issuedAt: Number.isFinite(issued) && issued > 0 ? issued : null,
    scope: text(d['scope']) ?? '',
    tokenType: text(d['token_type']) ?? '',
    clientId: text(d['client_id']),
    applicationName: text(d['application_name'])
  }
}

/** The body pretty-printed when it is JSON, else unchanged. */
export function prettyBody(body: string, contentType = ''): { text: string; json: boolean } {
  const trimmed = body.trim()
  if (contentType.includes('json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true }
    } catch {
      return { text: body, json: false }
    }
  }
  return { text: body, json: false }
}

/** `2xx` / `3xx` / `4xx` / `5xx`, for colouring a status. */
export function statusClass(status: number): 'success' | 'redirect' | 'client-error' | 'server-error' | 'other' {
  if (status >= 200 && status < 300) return 'success'
  if (status >= 300 && status < 400) return 'redirect'
  if (status >= 400 && status < 500) return 'client-error'
  if (status >= 500 && status < 600) return 'server-error'
  return 'other'
}

// ---------------------------------------------------------------------------------------------
// JWT and expiry

export interface DecodedJwt {
  header: Record<string, unknown>
  claims: Record<string, unknown>
}

/** Whether a token has the shape of a compact JWS (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)
}

/** Header and claims of a JWT (not verified), or undefined when the token is not one. */
export function decodeJwtToken(token: string): DecodedJwt | undefined {
  if (!looksLikeJwt(token)) return undefined
  try {
    return { header: decodeProtectedHeader(token) as Record<string, unknown>, claims: decodeJwt(token) as Record<string, unknown> }
  } catch {
    return undefined
  }
}

/** Expiry in epoch ms from issue time and `expires_in` seconds; -1 when it never expires. */
export function expiryOf(issuedAt: number, expiresInSeconds: number): number {
  if (expiresInSeconds < 0) return -1
  return issuedAt + expiresInSeconds * 1000
}

export type TokenState = 'active' | 'expired' | 'revoked'

/** A wallet token's state at `now` (engine clock): revoked wins, then expiry. */
export function tokenState(token: { expiresAt: number; revoked: boolean }, now: number): TokenState {
  if (token.revoked) return 'revoked'
  if (token.expiresAt !== -1 && now >= token.expiresAt) return 'expired'
  return 'active'
}

/** Milliseconds left at `now`, 0 when expired, null when the token never expires. */
export function timeLeft(expiresAt: number, now: number): number | null {
  if (expiresAt === -1) return null
  return Math.max(0, expiresAt - now)
}

// ---------------------------------------------------------------------------------------------
// The "Call an API" composer

/** An editable name/value row (header or query parameter); disabled rows are kept but not sent. */
export interface EditableRow {
  id: number
  enabled: boolean
  name: string
  value: string
}

export interface CallDraft {
  environment: string
  method: HttpMethod
  /** Path without the query, e.g. `/api-one/items`. */
  path: string
  query: EditableRow[]
  headers: EditableRow[]
  body: string
}

let nextRowId = 1
/** A new row with a unique id (stable keys for v-for). */
export function newRow(name = '', value = '', enabled = true): EditableRow {
  return { id: nextRowId++, enabled, name, value }
}

/** The request the composer describes: enabled rows with a name, query appended to the path. */
export function buildCallRequest(draft: CallDraft): WorkbenchRequest {
  const path = draft.path.startsWith('/') ? draft.path : `/${draft.path}`
  const query = draft.query.filter((r) => r.enabled && r.name).map((r): [string, string] => [r.name, r.value])
  const headers = draft.headers.filter((r) => r.enabled && r.name.trim()).map((r): Header => [r.name.trim(), r.value])
  const sendsBody = !['GET', 'HEAD'].includes(draft.method) || draft.body !== ''
  return {
    environment: draft.environment,
    method: draft.method,
    path: query.length ? `${path}?${formBody(query)}` : path,
    headers,
    body: sendsBody ? draft.body : ''
  }
}

/** Splits a path with query into the composer's path and query rows. */
export function splitPath(pathWithQuery: string): { path: string; query: EditableRow[] } {
  const q = pathWithQuery.indexOf('?')
  if (q < 0) return { path: pathWithQuery, query: [] }
  return {
    path: pathWithQuery.slice(0, q),
    query: [...new URLSearchParams(pathWithQuery.slice(q + 1)).entries()].map(([name, value]) => newRow(name, value))
  }
}

/** A random `state` value for the authorization request (CSRF protection the client checks on return). */
export function randomState(): string {
  const bytes = new Uint8Array(9)
  crypto.getRandomValues(bytes)
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_')
}
