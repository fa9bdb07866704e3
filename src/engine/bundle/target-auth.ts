/**
 * A TargetEndpoint's `<HTTPTargetConnection><Authentication>` (Apigee X): the gateway attaches a Google OAuth
 * access token (`<GoogleAccessToken>`) or OpenID Connect ID token (`<GoogleIDToken>`) minted for the proxy's
 * service account. Gatelab has no Google credentials: it sends a stand-in token instead, configurable per
 * environment, and the trace says which real token Apigee would have attached.
 */
import { child, children, xmlBoolean, type XmlElement } from './xml'

export interface GoogleAuthentication {
  kind: 'GoogleAccessToken' | 'GoogleIDToken'
  /** `<HeaderName>`; the token goes there as `Bearer <token>`. */
  headerName: string
  /** GoogleAccessToken: the OAuth scopes asked for. */
  scopes: string[]
  /** GoogleIDToken: the audience text, or a variable (`ref`), or the target URL (`useTargetUrl="true"`). */
  audience?: { value?: string; ref?: string; useTargetUrl: boolean }
}

/** Environment variables that replace the stand-in tokens (private, so traces mask them). */
export const GOOGLE_TOKEN_VARIABLES = {
  GoogleAccessToken: 'private.gatelab.google_access_token',
  GoogleIDToken: 'private.gatelab.google_id_token'
} as const

/** The stand-in tokens sent when the environment sets none: clearly not Google's. */
export const FAKE_GOOGLE_TOKENS = {
  GoogleAccessToken: 'gatelab-fake-google-access-token',
  GoogleIDToken: 'gatelab-fake-google-id-token'
} as const

type Report = (code: string, message: string, el: XmlElement) => void

/** Compiles `<Authentication>`; problems go to `report` and give null. */
export function compileTargetAuthentication(el: XmlElement, report: Report): GoogleAuthentication | null {
  const access = child(el, 'GoogleAccessToken')
  const id = child(el, 'GoogleIDToken')
  if ((access ? 1 : 0) + (id ? 1 : 0) !== 1) {
    report('InvalidAuthentication', '<Authentication> needs exactly one of <GoogleAccessToken> or <GoogleIDToken>', el)
    return null
  }
  const headerEl = child(el, 'HeaderName')
  if (headerEl && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(headerEl.text)) {
    report('InvalidAuthentication', `<HeaderName> must be an HTTP header name, found "${headerEl.text}"`, headerEl)
    return null
  }
  const headerName = headerEl?.text ?? 'Authorization'
  if (access) {
    const scopesEl = child(access, 'Scopes')
    const scopes = (scopesEl ? children(scopesEl, 'Scope') : []).map((s) => s.text).filter((s) => s !== '')
    if (scopes.length === 0) {
      report('InvalidAuthentication', '<GoogleAccessToken> needs <Scopes> with at least one <Scope>', scopesEl ?? access)
      return null
    }
    return { kind: 'GoogleAccessToken', headerName, scopes }
  }
  const audienceEl = child(id!, 'Audience')
  const useTargetUrl = xmlBoolean(audienceEl?.attributes.useTargetUrl, false)
  const ref = audienceEl?.attributes.ref?.trim()
  if (!audienceEl || (!useTargetUrl && !ref && audienceEl.text === '')) {
    report('InvalidAuthentication', '<GoogleIDToken> needs an <Audience> (a value, a ref or useTargetUrl="true")', audienceEl ?? id!)
    return null
  }
  const audience: NonNullable<GoogleAuthentication['audience']> = { useTargetUrl }
  if (ref) audience.ref = ref
  if (audienceEl.text !== '') audience.value = audienceEl.text
  return { kind: 'GoogleIDToken', headerName, scopes: [], audience }
}

/**
 * Puts the stand-in token into `headers` (replacing a header of the same name) and returns the trace text.
 * `lookup` reads flow variables (the environment's token, an audience ref); `url` is the target URL.
 */
export function attachGoogleToken(
  headers: Array<[string, string]>,
  auth: GoogleAuthentication,
  lookup: (name: string) => string | undefined,
  url: string
): { headers: Array<[string, string]>; note: string } {
  const configured = lookup(GOOGLE_TOKEN_VARIABLES[auth.kind])
  const token = configured !== undefined && configured !== '' ? configured : FAKE_GOOGLE_TOKENS[auth.kind]
  const lower = auth.headerName.toLowerCase()
  const out = headers.filter(([name]) => name.toLowerCase() !== lower)
  out.push([auth.headerName, `Bearer ${token}`])
  const which =
    auth.kind === 'GoogleAccessToken'
      ? `a Google access token for scopes ${auth.scopes.join(' ')}`
      : `a Google ID token for audience ${idTokenAudience(auth, lookup, url)}`
  const source = configured !== undefined && configured !== '' ? `the token set in ${GOOGLE_TOKEN_VARIABLES[auth.kind]}` : 'a fake token'
  return { headers: out, note: `Apigee would attach ${which} in ${auth.headerName}; Gatelab sent ${source}` }
}

/** The audience an ID token would be minted for: the ref's value when set, else the literal, else the target URL without its query. */
function idTokenAudience(auth: GoogleAuthentication, lookup: (name: string) => string | undefined, url: string): string {
  const fromRef = auth.audience?.ref ? lookup(auth.audience.ref) : undefined
  if (fromRef !== undefined && fromRef !== '') return fromRef
  if (auth.audience?.value !== undefined && !auth.audience.useTargetUrl) return auth.audience.value
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}
