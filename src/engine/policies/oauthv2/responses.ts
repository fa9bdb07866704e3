/**
 * The bodies OAuthV2 answers with: Apigee's token response (all values strings, `BearerToken`) or the
 * RFC 6749 one (numeric `expires_in`, `Bearer`, no-store), and the matching error bodies.
 */
import { PolicyFault, type FaultResponse, type FaultSpec } from '../../faults/fault'
import { fillPlaceholder, tokenEndpointErrors, type TokenEndpointErrorId } from '../../faults/oauth'
import type { PolicyContext } from '../types'
import type { OAuthV2Config } from './config'

/** Headers RFC 6749 section 5.1 requires on responses that carry tokens or credentials. */
export const NO_STORE_HEADERS: Array<[string, string]> = [
  ['Cache-Control', 'no-store'],
  ['Pragma', 'no-cache']
]

/** Apigee's token-endpoint error body, spacing as Apigee writes it. */
export function apigeeErrorBody(errorCode: string, error: string): string {
  return `{"ErrorCode" : ${JSON.stringify(errorCode)}, "Error" :${JSON.stringify(error)}}`
}

/** The RFC-compliant error body, spacing as the seed shows it. */
export function rfcErrorBody(error: string, description: string): string {
  return `{"error" : ${JSON.stringify(error)}, "error_description" :${JSON.stringify(description)}}`
}

/** The complete error response of a token-endpoint failure in the policy's mode. */
export function tokenErrorResponse(id: TokenEndpointErrorId, rfc: boolean, arg?: string): FaultResponse {
  const e = tokenEndpointErrors[id]
  const text = fillPlaceholder(e.error, arg)
  if (rfc) {
    const description = 'description' in e.rfc && e.rfc.description !== undefined ? e.rfc.description : text
    return {
      status: e.rfc.status,
      headers: [['Content-Type', 'application/json'], ...NO_STORE_HEADERS],
      body: rfcErrorBody(e.rfc.error, fillPlaceholder(description, arg))
    }
  }
  return { status: e.status, headers: [['Content-Type', 'application/json']], body: apigeeErrorBody(e.errorCode, text) }
}

/**
 * The fault for a token-endpoint failure: with GenerateResponse on, it carries the `{ErrorCode,Error}` (or RFC)
 * response; with it off, it is the plain fault envelope of the catalogue. `fault.cause` is the Error text.
 */
export function tokenEndpointFault(ctx: PolicyContext, config: OAuthV2Config, id: TokenEndpointErrorId, arg?: string, reason?: string): PolicyFault {
  const e = tokenEndpointErrors[id]
  const text = fillPlaceholder(e.error, arg)
  if (reason) ctx.note(reason)
  const response = tokenErrorResponse(id, config.rfcCompliant, arg)
  if (config.generateErrorResponse) writeResponse(ctx, response.status, response.headers, response.body)
  if (config.generateResponse) {
    const spec: FaultSpec = { name: e.name, status: response.status, errorcode: config.rfcCompliant ? e.rfc.error : e.errorCode, faultstring: text }
    return new PolicyFault(spec, { policy: ctx.policyName, cause: text, response })
  }
  // The documented envelope keeps `{0}` literally for InvalidClientIdentifier; other texts are filled.
  const faultstring = e.fault.faultstring === '' ? text : e.fault.name === 'InvalidClientIdentifier' ? e.fault.faultstring : fillPlaceholder(e.fault.faultstring, arg)
  return new PolicyFault({ ...e.fault, faultstring }, { policy: ctx.policyName, cause: text })
}

/** Replaces the response message (GenerateResponse). */
export function writeResponse(ctx: PolicyContext, status: number, headers: Array<[string, string]>, body: string): void {
  ctx.response.status = status
  ctx.response.reasonPhrase = status === 200 ? 'OK' : status === 302 ? 'Found' : ctx.response.reasonPhrase
  for (const [name, value] of headers) ctx.response.setHeader(name, value)
  ctx.response.content = body
}

/** A JSON 200 response carrying tokens, with the RFC no-store headers in RFC mode. */
export function writeTokenJson(ctx: PolicyContext, config: OAuthV2Config, body: Record<string, string | number>): void {
  const headers: Array<[string, string]> = [['Content-Type', 'application/json']]
  if (config.rfcCompliant) headers.push(...NO_STORE_HEADERS)
  writeResponse(ctx, 200, headers, JSON.stringify(body))
}

/** A 302 redirect (authorization code and implicit responses). */
export function writeRedirect(ctx: PolicyContext, config: OAuthV2Config, location: string): void {
  const headers: Array<[string, string]> = [['Location', location]]
  if (config.rfcCompliant) headers.push(...NO_STORE_HEADERS)
  writeResponse(ctx, 302, headers, '')
}

/** Appends query parameters to a redirect URI, keeping any query it already has. */
export function withQuery(uri: string, params: Array<[string, string]>): string {
  const hashAt = uri.indexOf('#')
  const base = hashAt >= 0 ? uri.slice(0, hashAt) : uri
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
  return `${base}${base.includes('?') ? '&' : '?'}${query}`
}

/** Replaces the fragment of a redirect URI (implicit grant). */
export function withFragment(uri: string, params: Array<[string, string]>): string {
  const hashAt = uri.indexOf('#')
  const base = hashAt >= 0 ? uri.slice(0, hashAt) : uri
  return `${base}#${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`
}
