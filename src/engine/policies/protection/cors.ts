/**
 * CORS: answers preflight requests itself (GeneratePreflightResponse) and adds the CORS headers to the
 * response of the other cross-origin requests, wherever the response comes from (target, fault, cache).
 * Reference: Apigee X CORS policy; choices it leaves open are marked [U] in docs/fidelity.md.
 */
import { child, childText, xmlBoolean, type XmlElement } from '../../bundle/xml'
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import { FlowResponse } from '../../runtime/flow-response'
import { compileTemplate, renderTemplate, type MessageTemplate } from '../../runtime/template'
import type { CompileContext, PolicyHandler } from '../types'

export interface CorsConfig {
  allowOrigins: MessageTemplate
  allowMethods: string
  allowHeaders: string
  exposeHeaders: string | null
  /** Seconds; null for `-1` (no Access-Control-Max-Age header). */
  maxAge: number | null
  allowCredentials: boolean
  generatePreflightResponse: boolean
  ignoreUnresolvedVariables: boolean
}

/** CORS runtime faults ([U] faultstring wording: the reference gives only the error code). */
export const corsFaults = {
  unresolvedVariable: (policy: string, variable: string): FaultSpec => ({
    name: 'UnresolvedVariable',
    status: 500,
    errorcode: 'steps.cors.UnresolvedVariable',
    faultstring: `CORS[${policy}]: Unable to resolve variable ${variable}`
  })
}

/** CORS deployment error codes. */
export const corsDeploymentErrors = {
  InvalidMaxAge: 'InvalidMaxAge',
  InvalidHTTPMethod: 'InvalidHTTPMethod',
  /** [U] name: the reference makes `<AllowOrigins>` required. */
  MissingAllowOrigins: 'MissingAllowOrigins'
} as const

const DEFAULT_METHODS = 'GET, PUT, POST, DELETE'
const DEFAULT_HEADERS = 'origin, x-requested-with, accept, content-type'
const DEFAULT_MAX_AGE = 1800
/** An HTTP method token (RFC 9110 token characters). */
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** A comma-separated list, trimmed, empty entries dropped, joined the way the headers carry it. */
function normaliseList(text: string): string {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join(', ')
}

function compileMethods(el: XmlElement | undefined, ctx: CompileContext): string {
  if (!el) return DEFAULT_METHODS
  const list = normaliseList(el.text)
  for (const method of list.split(', ')) {
    if (method === '' || !METHOD_TOKEN.test(method)) {
      ctx.error(corsDeploymentErrors.InvalidHTTPMethod, `<AllowMethods> holds an invalid HTTP method "${method}"`, el)
    }
  }
  return list
}

function compileMaxAge(el: XmlElement | undefined, ctx: CompileContext): number | null {
  if (!el) return DEFAULT_MAX_AGE
  const text = el.text.trim()
  if (!/^-?\d+$/.test(text) || Number(text) < -1 || !Number.isSafeInteger(Number(text))) {
    ctx.error(corsDeploymentErrors.InvalidMaxAge, `<MaxAge> must be a whole number of seconds or -1, got "${text}"`, el)
    return DEFAULT_MAX_AGE
  }
  return Number(text) === -1 ? null : Number(text)
}

/** The CORS policy handler. */
export const corsPolicy: PolicyHandler<CorsConfig> = {
  type: 'CORS',
  faultVariablePrefix: 'cors',
  compile(root, ctx) {
    const originsEl = child(root, 'AllowOrigins')
    if (!originsEl || originsEl.text.trim() === '') {
      ctx.error(corsDeploymentErrors.MissingAllowOrigins, '<AllowOrigins> is required: list the origins allowed, e.g. {request.header.origin}', originsEl ?? root)
    }
    const exposeText = childText(root, 'ExposeHeaders')
    return {
      allowOrigins: compileTemplate(originsEl?.text.trim() ?? ''),
      allowMethods: compileMethods(child(root, 'AllowMethods'), ctx),
      allowHeaders: normaliseList(childText(root, 'AllowHeaders') ?? DEFAULT_HEADERS),
      exposeHeaders: exposeText === undefined || normaliseList(exposeText) === '' ? null : normaliseList(exposeText),
      maxAge: compileMaxAge(child(root, 'MaxAge'), ctx),
      allowCredentials: xmlBoolean(childText(root, 'AllowCredentials'), false),
      generatePreflightResponse: xmlBoolean(childText(root, 'GeneratePreflightResponse'), true),
      ignoreUnresolvedVariables: xmlBoolean(childText(root, 'IgnoreUnresolvedVariables'), true)
    }
  },
  execute(config, ctx) {
    const request = ctx.request
    const origin = request.getHeader('origin')
    const requestedMethod = request.getHeader('access-control-request-method')
    const preflight = (ctx.variables.getString('request.verb') ?? '').toUpperCase() === 'OPTIONS' && origin !== undefined && requestedMethod !== undefined
    ctx.variables.set('cors.isPreflightRequest', preflight)
    ctx.variables.set(`cors.${ctx.policyName}.isPreflightRequest`, preflight)

    const unresolved: string[] = []
    const origins = renderTemplate(config.allowOrigins, ctx.variables, unresolved)
    if (unresolved.length > 0 && !config.ignoreUnresolvedVariables) {
      throw new PolicyFault(corsFaults.unresolvedVariable(ctx.policyName, unresolved[0]!))
    }
    const allowOrigin = origin === undefined ? null : allowedOrigin(origins, origin, config.allowCredentials)

    const headers: Array<[string, string]> = []
    if (allowOrigin !== null) {
      headers.push(['Access-Control-Allow-Origin', allowOrigin])
      // A reflected origin makes the answer depend on the Origin header: caches must know.
      if (allowOrigin !== '*') headers.push(['Vary', 'Origin'])
      if (config.allowCredentials) headers.push(['Access-Control-Allow-Credentials', 'true'])
    }

    if (preflight && config.generatePreflightResponse && ctx.flow === 'request') {
      if (allowOrigin !== null) {
        headers.push(['Access-Control-Allow-Methods', config.allowMethods])
        if (config.allowHeaders !== '') headers.push(['Access-Control-Allow-Headers', config.allowHeaders])
        if (config.maxAge !== null) headers.push(['Access-Control-Max-Age', String(config.maxAge)])
      }
      ctx.note(
        allowOrigin !== null
          ? `preflight from ${origin} for ${requestedMethod} answered 200 with the CORS headers; the flow ends here`
          : `preflight from ${origin} answered 200 without CORS headers: the origin is not in AllowOrigins; the flow ends here`
      )
      throw new FlowResponse(200, headers)
    }

    if (origin === undefined) {
      ctx.note('no Origin header: not a cross-origin request, no CORS headers added')
      return
    }
    if (allowOrigin === null) {
      ctx.note(`origin ${origin} is not in AllowOrigins: no CORS headers added`)
      return
    }
    if (config.exposeHeaders !== null) headers.push(['Access-Control-Expose-Headers', config.exposeHeaders])
    if (ctx.setHeadersOnSend) ctx.setHeadersOnSend(headers)
    else for (const [name, value] of headers) ctx.response.setHeader(name, value)
    ctx.note(`origin ${origin} allowed: ${headers.map(([n]) => n).join(', ')} set on the response`)
  }
}

/**
 * The Access-Control-Allow-Origin value for `origin`, or null when it is not allowed. `*` allows any
 * origin; with credentials the origin itself is sent back, since browsers refuse `*` with credentials [U].
 */
function allowedOrigin(origins: string, origin: string, credentials: boolean): string | null {
  const wanted = origin.toLowerCase()
  for (const entry of origins.split(',')) {
    const candidate = entry.trim()
    if (candidate === '*') return credentials ? origin : '*'
    if (candidate !== '' && candidate.toLowerCase() === wanted) return origin
  }
  return null
}
