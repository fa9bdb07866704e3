/**
 * The secret values one exchange saw, collected when its trace is first read (never on the request
 * path): credentials it presented, tokens and codes it was given, `private.*` and other secret
 * variables it wrote. A trace masks each of them wherever it appears, not only where a name says it
 * is a secret: a code in a redirect's Location, a token in a URL, a bearer token an echo copies into
 * its body.
 */
import { secretKindOfVariable, type SecretKind } from './mask'
import type { RawSnapshot } from './lazy'

/** A secret value and how much of it a trace may show. */
export type ExchangeSecrets = Map<string, Exclude<SecretKind, 'none'>>

/** Query, fragment and form parameters whose values are secrets. */
const SECRET_PARAMS: Readonly<Record<string, Exclude<SecretKind, 'none'>>> = {
  client_secret: 'full',
  password: 'full',
  access_token: 'prefix',
  refresh_token: 'prefix',
  id_token: 'prefix',
  code: 'prefix',
  token: 'prefix',
  assertion: 'prefix',
  client_assertion: 'prefix',
  subject_token: 'prefix'
}
const JSON_SECRET_FIELD = /"(client_secret|password|access_token|refresh_token|id_token|code|token|assertion)"\s*:\s*"([^"\\]*)"/g
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization'])
const URL_HEADERS = new Set(['location', 'content-location', 'refresh'])
/** Bodies beyond this are only searched in their first part (traces cut them there too). */
const MAX_SCANNED = 64 * 1024

const decoder = new TextDecoder()

/** Collects the secrets in messages (request, target request and response, response) and written variables. */
export function collectExchangeSecrets(messages: ReadonlyArray<RawSnapshot>, written: Iterable<[string, unknown]> | null): ExchangeSecrets {
  const found: ExchangeSecrets = new Map()
  for (const message of messages) {
    if (message.url) collectFromUrl(message.url, found)
    for (const [name, value] of message.headers) {
      const lower = name.toLowerCase()
      if (CREDENTIAL_HEADERS.has(lower)) collectCredentials(value, found)
      else if (URL_HEADERS.has(lower)) collectFromUrl(value, found)
    }
    if (message.body.length > 0) collectFromBody(decoder.decode(message.body.subarray(0, MAX_SCANNED)), found)
  }
  if (written) {
    for (const [name, value] of written) {
      if (typeof value !== 'string' || value === '') continue
      const kind = variableSecretKind(name)
      if (kind !== 'none') add(found, value, kind)
    }
  }
  return found
}

/**
 * How secret a written variable's value is, for searching it elsewhere. API keys and consumer keys
 * are left out: they are client ids too, and a trace must keep naming the client.
 */
function variableSecretKind(name: string): SecretKind {
  const kind = secretKindOfVariable(name)
  if (kind !== 'prefix') return kind
  return /(key|apikey|api_key)$/i.test(name) ? 'none' : kind
}

function add(found: ExchangeSecrets, value: string, kind: Exclude<SecretKind, 'none'>): void {
  if (found.get(value) !== 'full') found.set(value, kind)
}

/** The credentials of an Authorization header; for Basic also the client secret inside them. */
function collectCredentials(value: string, found: ExchangeSecrets): void {
  const trimmed = value.trim()
  const space = trimmed.indexOf(' ')
  const credentials = space < 0 ? trimmed : trimmed.slice(space + 1).trim()
  if (credentials === '') return
  add(found, credentials, 'prefix')
  if (space > 0 && trimmed.slice(0, space).toLowerCase() === 'basic') {
    const decoded = decodeBase64(credentials)
    const colon = decoded?.indexOf(':') ?? -1
    if (decoded && colon >= 0) {
      const secret = decoded.slice(colon + 1)
      if (secret !== '') add(found, secret, 'full')
      // Clients percent-encode the secret before Basic-encoding it (RFC 6749 2.3.1).
      const plain = safeDecodeURIComponent(secret)
      if (plain && plain !== secret) add(found, plain, 'full')
    }
  }
}

/** Secret parameters in a URL's query and fragment (a relative URL or a bare query works too). */
function collectFromUrl(url: string, found: ExchangeSecrets): void {
  const q = url.indexOf('?')
  const h = url.indexOf('#')
  if (q >= 0) collectParams(url.slice(q + 1, h > q ? h : undefined), found)
  if (h >= 0) collectParams(url.slice(h + 1), found)
}

function collectParams(text: string, found: ExchangeSecrets): void {
  if (!text.includes('=')) return
  for (const [key, value] of new URLSearchParams(text)) {
    const kind = SECRET_PARAMS[key.toLowerCase()]
    if (kind && value !== '') add(found, value, kind)
  }
}

function collectFromBody(text: string, found: ExchangeSecrets): void {
  const first = text.trimStart()[0]
  if (first === '{' || first === '[') {
    for (const match of text.matchAll(JSON_SECRET_FIELD)) {
      const kind = SECRET_PARAMS[match[1]!.toLowerCase()]
      if (kind && match[2]) add(found, match[2], kind)
    }
  } else if (text.includes('=')) collectParams(text, found)
  // Bodies that echo another message (the echo target) hold that message's secrets: they are
  // collected from the message itself and masked here by value.
}

function decodeBase64(text: string): string | undefined {
  try {
    const binary = atob(text)
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return decoder.decode(bytes)
  } catch {
    return undefined
  }
}

function safeDecodeURIComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}
