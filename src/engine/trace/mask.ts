/**
 * Secret masking for traces: private.* variables, client secrets and passwords are hidden entirely;
 * tokens, codes, API keys and Authorization credentials keep a short recognisable prefix.
 */
import type { HeaderList } from '../../shared/trace'

/** What a masked value reads like when nothing of it is kept. */
export const FULL_MASK = '********'

const PREFIX_KEEP = 4

/** Variable families named `<family>.<policy name>.<field>`. */
const POLICY_SCOPED_PREFIXES = ['verifyapikey.', 'oauthv2accesstoken.', 'oauthv2refreshtoken.', 'oauthv2authcode.', 'oauthv2client.']

/** How much of a variable's value may be shown: all of it, a short prefix, or nothing. */
export type SecretKind = 'none' | 'prefix' | 'full'

/** Classifies a flow variable name by how secret its value is. */
export function secretKindOfVariable(name: string): SecretKind {
  const lower = name.toLowerCase()
  if (lower.startsWith('private.') || lower.includes('.private.')) return 'full'
  if (/(client_secret|consumer_secret|consumersecret|password|passwd)/.test(lower)) return 'full'
  if (lower.endsWith('header.authorization') || lower.endsWith('header.proxy-authorization')) return 'prefix'
  // Policy-scoped variables (`verifyapikey.<policy>.failed`, `oauthv2accesstoken.<policy>.expires_in`, ...) carry
  // "apikey" or "accesstoken" only in their prefix: judge them by what follows the policy name.
  const scoped = POLICY_SCOPED_PREFIXES.find((prefix) => lower.startsWith(prefix))
  const judged = scoped ? lower.split('.').slice(2).join('.') : lower
  if (/(access_token|refresh_token|id_token|authorization_code|apikey|api_key|x-api-key)/.test(judged)) return 'prefix'
  if (/(^|\.)(token|code|key|consumer_key)$/.test(judged) && !/(^|\.)status\.code$/.test(judged) && !lower.startsWith('fault.')) return 'prefix'
  return 'none'
}

/** Keeps the first few characters of a secret so a user can recognise it, masks the rest. */
export function maskWithPrefix(value: string): string {
  if (value.length <= PREFIX_KEEP * 2) return FULL_MASK
  return `${value.slice(0, PREFIX_KEEP)}${FULL_MASK}`
}

/** Masks the credentials of an Authorization header value but keeps the scheme (`Basic dXNl********`). */
export function maskAuthorization(value: string): string {
  const space = value.indexOf(' ')
  if (space < 0) return maskWithPrefix(value)
  return `${value.slice(0, space)} ${maskWithPrefix(value.slice(space + 1).trim())}`
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'apikey', 'cookie', 'set-cookie'])
const FORM_SECRET = /(^|&)(client_secret|password|access_token|refresh_token|code|id_token|apikey|token)=([^&]*)/gi
const JSON_SECRET = /"(client_secret|password|access_token|refresh_token|code|id_token|apikey|token)"(\s*:\s*)"([^"]*)"/gi

/** A value to hide wherever it appears, and what shows in its place. */
interface KnownSecret {
  value: string
  replacement: string
}

/**
 * Masks secrets in trace text. Variables, headers and form/JSON fields are masked by name; on top of
 * that, every known secret value (the environment's `private.*` values, and what one exchange saw:
 * see collectExchangeSecrets) is replaced wherever it appears: URLs, bodies, any header or variable.
 */
export class SecretMasker {
  private readonly known: KnownSecret[]

  constructor(secretValues: Iterable<string> = [], known: KnownSecret[] = []) {
    const all = [...known]
    for (const value of secretValues) if (value.length >= 4) all.push({ value, replacement: FULL_MASK })
    this.known = sortedUnique(all)
  }

  /** A masker that also hides `secrets` (value -> how much of it may show). */
  including(secrets: ReadonlyMap<string, Exclude<SecretKind, 'none'>>): SecretMasker {
    if (secrets.size === 0) return this
    const known = [...this.known]
    for (const [value, kind] of secrets) {
      if (value.length < (kind === 'full' ? 4 : MIN_TOKEN_LENGTH)) continue
      const replacement = kind === 'full' ? FULL_MASK : maskWithPrefix(value)
      known.push({ value, replacement })
      // The same value as it appears in a URL or form (percent-encoded) or in a JSON string.
      const encoded = encodeURIComponent(value)
      if (encoded !== value) known.push({ value: encoded, replacement })
      const json = JSON.stringify(value).slice(1, -1)
      if (json !== value) known.push({ value: json, replacement })
    }
    return new SecretMasker([], known)
  }

  /** A variable's value as a trace may show it. */
  variable(name: string, value: string | null): string | null {
    if (value === null) return null
    const kind = secretKindOfVariable(name)
    if (kind === 'full') return FULL_MASK
    if (kind === 'prefix') {
      return name.toLowerCase().endsWith('authorization') ? maskAuthorization(value) : maskWithPrefix(value)
    }
    return this.text(value)
  }

  /** Headers with credentials masked. */
  headers(headers: HeaderList): HeaderList {
    return headers.map(([n, v]) => {
      const lower = n.toLowerCase()
      if (!SECRET_HEADERS.has(lower)) return [n, this.text(v)]
      return [n, lower.includes('authorization') ? maskAuthorization(v) : maskWithPrefix(v)]
    })
  }

  /** A body with secret form fields and JSON properties masked. */
  body(text: string): string {
    if (text === '') return text
    let out = text
    if (out.includes('=')) out = out.replace(FORM_SECRET, (_m, lead: string, key: string, value: string) => `${lead}${key}=${maskFormValue(key, value)}`)
    if (out.includes('"')) out = out.replace(JSON_SECRET, (_m, key: string, sep: string, value: string) => `"${key}"${sep}"${maskFormValue(key, value)}"`)
    return this.text(out)
  }

  /** Replaces known secret values anywhere in free text. */
  text(value: string): string {
    const known = this.known
    if (known.length === 0 || value.length < 4) return value
    let out = value
    for (let i = 0; i < known.length; i++) {
      const secret = known[i]!
      if (out.includes(secret.value)) out = out.split(secret.value).join(secret.replacement)
    }
    return out
  }
}

/** Tokens and codes shorter than this are not searched for in free text (too likely to match by chance). */
const MIN_TOKEN_LENGTH = 8

/** Longest first, so a secret that contains another is replaced whole; one entry per value. */
function sortedUnique(known: KnownSecret[]): KnownSecret[] {
  const byValue = new Map<string, KnownSecret>()
  for (const k of known) if (!byValue.has(k.value) || k.replacement === FULL_MASK) byValue.set(k.value, k)
  return [...byValue.values()].sort((a, b) => b.value.length - a.value.length)
}

function maskFormValue(key: string, value: string): string {
  const lower = key.toLowerCase()
  return lower === 'client_secret' || lower === 'password' ? FULL_MASK : maskWithPrefix(value)
}
