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

/** Masks secrets in trace text; values of `private.*` environment variables are masked wherever they appear. */
export class SecretMasker {
  private readonly secretValues: string[]

  constructor(secretValues: Iterable<string> = []) {
    this.secretValues = [...secretValues].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length)
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

  /** Replaces known secret values (private environment variables) anywhere in free text. */
  text(value: string): string {
    if (this.secretValues.length === 0) return value
    let out = value
    for (const secret of this.secretValues) if (out.includes(secret)) out = out.split(secret).join(FULL_MASK)
    return out
  }
}

function maskFormValue(key: string, value: string): string {
  const lower = key.toLowerCase()
  return lower === 'client_secret' || lower === 'password' ? FULL_MASK : maskWithPrefix(value)
}
