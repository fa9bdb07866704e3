/**
 * Explanations: a failed request's trace + the workspace -> what the client saw, what the gateway
 * knew, the cause in one sentence, the evidence and fixes as data (src/shared/explain.ts). Key and
 * product causes are recomputed with kms.decideAccess, the same function the gateway runs.
 */
import type { Workspace } from '../../shared/model'
import type { TraceRecord, TraceStep } from '../../shared/trace'
import type { TokenRecord } from '../../shared/tokens'
import type { Diagnosis, Evidence, Fix } from '../../shared/explain'
import type { ApiCall } from '../kms'
import { checkCredential, findCredential, grantableScopes } from '../kms'
import { hashToken } from '../tokens/hash'
import { JWT_CLOCK_SKEW_SECONDS } from '../tokens/jwt'
import { jwtFailureVariable } from '../policies/oauthv2/jwt-access-token'
import { callLines, explainAccess, explainClient, workingCredentialFixes } from './access'
import { policyElement } from './policy-xml'
import { PROTECTION_POLICY_TYPES, explainProtectionFault } from './protection'

export type { Diagnosis, Evidence, Fix } from '../../shared/explain'
export { explainAccess, explainClient } from './access'
export { applyFix, fixResolves } from './simulate'

/** What the explanation may look up beyond the trace. */
export interface ExplainLookup {
  /** Finds a stored access token by the SHA-256 of its value (the console's token store). */
  tokenByHash?: (hash: string) => TokenRecord | undefined
  /** The clear access token the client sent, when the caller knows it (the workbench does; traces mask it). */
  accessToken?: string
  /** Time for "would it pass now" checks; defaults to the trace's start. */
  now?: number
}

const VERIFY_TOKEN_FAULTS = new Set([
  'InvalidAccessToken',
  'invalid_access_token',
  'access_token_expired',
  'access_token_not_approved',
  'apiresource_doesnot_exist',
  'InvalidAPICallAsNoApiProductMatchFound',
  'InsufficientScope',
  'invalid_client-client_id_not_approved'
])
const JWT_CAUSES: Record<string, string> = {
  JWTDecodingFailed: 'The bearer token is not a well-formed JWT',
  InvalidJWTSignature: 'The JWT access token was not signed with the key this policy verifies with',
  JWTAlgorithmMismatch: "The JWT's algorithm differs from the one the policy expects",
  MissingMandatoryClaimsInJWT: 'The JWT access token lacks claims the gateway requires',
  InvalidTypeInJWTHeader: 'The JWT header typ is not at+JWT',
  InvalidValueForJWTAlgorithm: 'The JWT algorithm is missing or not supported',
  InsufficientKeyLength: 'The key is too short for the JWT algorithm',
  JWTSigningFailed: 'The gateway could not sign the JWT access token'
}
/**
 * VerifyJWTAccessToken checks that share a documented fault with other causes (invalid_access_token,
 * InvalidAPICallAsNoApiProductMatchFound), told apart by the policy's `oauthV2.<policy>.jwt.failure` code.
 */
const JWT_FAILURE_CAUSES: Record<string, string> = {
  'not-yet-valid': `The JWT access token is not valid yet: its nbf lies more than ${JWT_CLOCK_SKEW_SECONDS} s ahead of the gateway clock`,
  'issued-in-future': `The JWT access token claims to be issued more than ${JWT_CLOCK_SKEW_SECONDS} s in the future (iat): it was minted on a clock that runs ahead, or forged`,
  'wrong-issuer': "The JWT access token's iss names no proxy of this environment: it was issued by another environment or system",
  audience: "The JWT access token's aud does not name the product that covers this call: it was issued before the app's key had that product, or for other products"
}
const TARGET_CAUSES: Record<string, string> = {
  ServiceUnavailable: 'The target refused the connection: nothing listens at its address',
  GatewayTimeout: 'The target did not answer in time',
  UnexpectedEOFAtTarget: 'The target closed the connection before sending a complete response',
  DNSLookupFailed: "The target's host name could not be resolved",
  BadGateway: 'The gateway could not talk to the target',
  TooBigBody: "The request body is larger than the gateway's limit"
}
const TOKEN_REQUEST_CAUSES: Array<[RegExp, string]> = [
  [/^Required param : grant_type$/, 'The token request has no grant_type parameter'],
  [/^Required param : (\w+)$/, 'The token request lacks the required parameter $1'],
  [/^Invalid Authorization Code$/, 'The authorization code is unknown, already used or expired'],
  [/^Invalid Refresh Token$/, 'The refresh token is unknown or was revoked'],
  [/^Refresh Token expired$/, 'The refresh token has expired'],
  [/^Invalid redirect_uri : (.*)$/, 'The redirect_uri ($1) differs from the one the code was issued for'],
  [/^Invalid redirection uri (.*)$/, "The redirect_uri ($1) differs from the app's registered callback URL"],
  [/^Redirection URI is required$/, 'The app has no callback URL and the request has no redirect_uri'],
  [/^Response type must be (\w+)$/, 'The response_type must be $1 for this operation'],
  [/^The request is missing a required parameter : (\w+)$/, 'The request lacks the required parameter $1']
]

interface ParsedBody {
  summary: string
  shape: 'fault' | 'apigee-token' | 'rfc-token' | 'other'
  error?: string
}

function parseBody(body: string): ParsedBody {
  try {
    const json = JSON.parse(body) as Record<string, unknown>
    const fault = json['fault'] as { faultstring?: string; detail?: { errorcode?: string } } | undefined
    if (fault && typeof fault === 'object') return { shape: 'fault', summary: `${fault.detail?.errorcode ?? ''}: ${fault.faultstring ?? ''}` }
    if (typeof json['ErrorCode'] === 'string') {
      return { shape: 'apigee-token', summary: `${json['ErrorCode']}: ${String(json['Error'] ?? '')}`, error: String(json['Error'] ?? '') }
    }
    if (typeof json['error'] === 'string') {
      const description = typeof json['error_description'] === 'string' ? json['error_description'] : ''
      return { shape: 'rfc-token', summary: `${json['error']}${description ? `: ${description}` : ''}`, error: description }
    }
  } catch {
    // not JSON: summarised as text below
  }
  return { shape: 'other', summary: body.length > 200 ? `${body.slice(0, 200)}...` : body }
}

/** The call a trace is about, from the variables the gateway set. */
export function callOfTrace(trace: TraceRecord): ApiCall {
  const v = trace.variables
  return {
    proxy: v['apiproxy.name'] ?? trace.proxy ?? '',
    environment: v['environment.name'] ?? trace.environment,
    pathsuffix: v['proxy.pathsuffix'] ?? '',
    verb: (v['request.verb'] ?? trace.method).toUpperCase()
  }
}

function failingStep(trace: TraceRecord): TraceStep | undefined {
  const failed = trace.steps.filter((s) => s.error && s.kind !== 'fault-rule')
  return failed.find((s) => s.policy !== undefined && s.policy === trace.fault?.policy) ?? failed[failed.length - 1]
}

function headerOf(trace: TraceRecord, name: string): string | undefined {
  return trace.request.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
}

/** Explains a failed request; null when the request did not fail. */
export function explainTrace(ws: Workspace, trace: TraceRecord, lookup: ExplainLookup = {}): Diagnosis | null {
  const fault = trace.fault
  const body = parseBody(trace.response.body)
  const clientView = { status: trace.status, summary: body.summary }
  const now = lookup.now ?? trace.startedAt
  const call = callOfTrace(trace)
  if (!fault) {
    if (trace.status < 400) return null
    return {
      faultName: '',
      code: 'unknown-fault',
      clientView,
      gatewayView: callLines(ws, call),
      cause: `The proxy answered ${trace.status} without raising a fault: a policy or the target set this response`,
      evidence: [],
      fixes: []
    }
  }
  const step = failingStep(trace)
  const policyType = step?.policyType
  const ctx: Ctx = { ws, trace, lookup, now, call, clientView, body, step, faultName: fault.name }
  if (fault.name === 'ApplicationNotFound') return explainRouting(ctx)
  if (policyType === 'VerifyAPIKey') return explainApiKey(ctx)
  if (policyType === 'OAuthV2') {
    if (isTokenEndpoint(ctx)) return explainTokenEndpoint(ctx)
    return explainAccessToken(ctx)
  }
  if (policyType === 'GetOAuthV2Info' || policyType === 'SetOAuthV2Info' || policyType === 'DeleteOAuthV2Info') return explainInfo(ctx)
  if (policyType === 'RaiseFault' || fault.name === 'RaiseFault') return explainRaiseFault(ctx)
  if (fault.name === 'ErrorResponseCode' || TARGET_CAUSES[fault.name]) return explainTarget(ctx)
  if (policyType && PROTECTION_POLICY_TYPES.has(policyType)) {
    const { code, cause, view } = explainProtectionFault(policyType, policyName(ctx), fault)
    return simple(ctx, code, cause, { view })
  }
  if (fault.name === 'InternalError') {
    return simple(ctx, 'internal-error', `Policy ${fault.policy ?? step?.policy ?? '(unknown)'} failed inside the gateway: ${fault.faultstring}`)
  }
  return explainUnknown(ctx)
}

interface Ctx {
  ws: Workspace
  trace: TraceRecord
  lookup: ExplainLookup
  now: number
  call: ApiCall
  clientView: Diagnosis['clientView']
  body: ParsedBody
  step: TraceStep | undefined
  faultName: string
}

function simple(ctx: Ctx, code: Diagnosis['code'], cause: string, extra: { evidence?: Evidence[]; fixes?: Fix[]; view?: string[] } = {}): Diagnosis {
  return {
    faultName: ctx.faultName,
    code,
    clientView: ctx.clientView,
    gatewayView: [...callLines(ctx.ws, ctx.call), ...(extra.view ?? [])],
    cause,
    evidence: extra.evidence ?? [],
    fixes: extra.fixes ?? []
  }
}

function policyName(ctx: Ctx): string {
  return ctx.trace.fault?.policy ?? ctx.step?.policy ?? ''
}

// ---------------------------------------------------------------- VerifyAPIKey

function explainApiKey(ctx: Ctx): Diagnosis {
  const policy = policyName(ctx)
  // The prefixed copy may be masked in traces (its name contains "apikey"); the unprefixed one is not.
  const key = [ctx.trace.variables['client_id'], ctx.trace.variables[`verifyapikey.${policy}.client_id`]].find(
    (k): k is string => k !== undefined && !k.includes('********')
  )
  const presentedView = [`Policy: VerifyAPIKey ${policy}`]
  if (ctx.faultName === 'FailedToResolveAPIKey') {
    const ref = policyElement(ctx.ws, ctx.call.proxy, policy, 'APIKey')?.attributes['ref']
    return simple(ctx, 'key-missing', `The request carried no API key where ${policy} looks for it${ref ? ` (${ref})` : ''}`, {
      view: presentedView,
      evidence: [{ label: 'API key', ok: false, detail: ref ? `${ref} is not set on the request` : 'no key found' }],
      fixes: workingCredentialFixes(ctx.ws, '', ctx.call, ctx.now)
    })
  }
  if (ctx.faultName === 'InvalidApiKey' || key === undefined) {
    return simple(ctx, 'unknown-key', 'The API key sent belongs to no app in the organization (keys are exact and case-sensitive)', {
      view: presentedView,
      evidence: [{ label: 'API key', ok: false, detail: 'no app has this key' }],
      fixes: workingCredentialFixes(ctx.ws, '', ctx.call, ctx.now)
    })
  }
  return explainAccess({
    ws: ctx.ws,
    now: ctx.now,
    call: ctx.call,
    consumerKey: key,
    faultName: ctx.faultName,
    clientView: ctx.clientView,
    presented: 'key',
    extraGatewayView: presentedView
  })
}

// ---------------------------------------------------------------- VerifyAccessToken

function tokenRecordOf(ctx: Ctx): TokenRecord | undefined {
  if (!ctx.lookup.accessToken || !ctx.lookup.tokenByHash) return undefined
  return ctx.lookup.tokenByHash(hashToken(ctx.lookup.accessToken))
}

function tokenView(record: TokenRecord | undefined, ctx: Ctx): string[] {
  const app = record?.appName ?? ctx.trace.variables['developer.app.name']
  const client = record?.clientId ?? ctx.trace.variables['client_id']
  const operation = policyElement(ctx.ws, ctx.call.proxy, policyName(ctx), 'Operation')?.text || 'VerifyAccessToken'
  const lines = [`Policy: OAuthV2 ${policyName(ctx)} (${operation})`]
  if (app || client) lines.push(`Token issued to: ${app ?? '(unknown app)'}${client ? ` (client_id ${client})` : ''}`)
  if (record) {
    lines.push(`Token status: ${record.status}, expires ${record.expiresAt < 0 ? 'never' : new Date(record.expiresAt).toISOString()}`)
    if (record.scope !== undefined) lines.push(`Token scope: ${record.scope === '' ? '(none)' : record.scope}`)
  }
  return lines
}

function requestTokenFix(ctx: Ctx, clientId: string | undefined, scope?: string): Fix {
  const found = clientId ? findCredential(ctx.ws, clientId) : undefined
  const input: Record<string, string> = {}
  if (found) {
    input['app'] = found.app.name
    input['consumerKey'] = found.credential.consumerKey
  }
  if (scope !== undefined) input['scope'] = scope
  const ok = found ? checkCredential(ctx.ws, found.credential.consumerKey, ctx.now).ok : true
  return {
    id: 'request-token',
    label: `Request a new access token${found ? ` for ${found.app.name}` : ''}${scope ? ` with scope "${scope}"` : ''}`,
    method: 'workbench.requestToken',
    input,
    resend: ok
  }
}

function explainAccessToken(ctx: Ctx): Diagnosis {
  const record = tokenRecordOf(ctx)
  const clientId = ctx.trace.variables['client_id'] ?? record?.clientId ?? ctx.trace.clientId ?? undefined
  const view = tokenView(record, ctx)
  const policy = policyName(ctx)
  const jwtFailure = ctx.trace.variables[jwtFailureVariable(policy)]
  if (jwtFailure !== undefined && JWT_FAILURE_CAUSES[jwtFailure]) {
    return simple(ctx, 'jwt-invalid', JWT_FAILURE_CAUSES[jwtFailure]!, {
      view,
      evidence: [{ label: 'JWT check', ok: false, detail: jwtFailure }],
      fixes: [requestTokenFix(ctx, clientId)]
    })
  }
  switch (ctx.faultName) {
    case 'InvalidAccessToken': {
      const ref = policyElement(ctx.ws, ctx.call.proxy, policy, 'AccessToken')?.text
      // Header variables are case-insensitive.
      if (ref && !Object.keys(ctx.trace.variables).some((name) => name.toLowerCase() === ref.toLowerCase())) {
        return simple(ctx, 'token-missing', `The variable ${ref} that ${policy} reads the token from is not set on this request`, { view })
      }
      const auth = headerOf(ctx.trace, 'authorization')
      const detail = auth === undefined ? 'no Authorization header' : `Authorization header "${auth}" is not "Bearer <token>"`
      return simple(ctx, 'token-missing', `The request did not present an access token as "Authorization: Bearer <token>"`, {
        view,
        evidence: [{ label: 'Authorization header', ok: false, detail }],
        fixes: [requestTokenFix(ctx, clientId)]
      })
    }
    case 'invalid_access_token':
      return simple(ctx, 'token-unknown', 'The gateway holds no such access token: it was never issued here, was deleted or was purged', {
        view,
        evidence: [{ label: 'Token lookup', ok: false, detail: 'no stored token has this value' }],
        fixes: [requestTokenFix(ctx, clientId)]
      })
    case 'access_token_expired':
      return simple(
        ctx,
        'token-expired',
        `The access token has expired${record && record.expiresAt >= 0 ? ` (at ${new Date(record.expiresAt).toISOString()})` : ''}`,
        { view, evidence: [{ label: 'Token expiry', ok: false, detail: 'expired before this request' }], fixes: [requestTokenFix(ctx, clientId)] }
      )
    case 'access_token_not_approved':
      return simple(ctx, 'token-revoked', `The access token was revoked${record?.revokeReason ? ` (${record.revokeReason})` : ''}`, {
        view,
        evidence: [{ label: 'Token status', ok: false, detail: 'revoked' }],
        fixes: [requestTokenFix(ctx, clientId)]
      })
    case 'InsufficientScope':
      return explainScope(ctx, record, clientId, view)
  }
  if (JWT_CAUSES[ctx.faultName]) return simple(ctx, 'jwt-invalid', JWT_CAUSES[ctx.faultName]!, { view, fixes: [requestTokenFix(ctx, clientId)] })
  if (clientId) {
    return explainAccess({
      ws: ctx.ws,
      now: ctx.now,
      call: ctx.call,
      consumerKey: clientId,
      faultName: ctx.faultName,
      clientView: ctx.clientView,
      presented: 'token',
      extraGatewayView: view
    })
  }
  if (VERIFY_TOKEN_FAULTS.has(ctx.faultName) || ctx.faultName.startsWith('invalid_client') || ctx.faultName === 'DeveloperStatusNotActive') {
    const cause =
      ctx.faultName === 'InvalidAPICallAsNoApiProductMatchFound' || ctx.faultName === 'apiresource_doesnot_exist'
        ? `The token is valid, but no approved product on its app's key covers ${ctx.call.verb} ${ctx.call.proxy} in ${ctx.call.environment}; the trace does not say which app the token belongs to`
        : `The token's app, key or developer is not usable (${ctx.trace.fault?.faultstring}); the trace does not say which app the token belongs to`
    return simple(ctx, ctx.faultName.startsWith('Invalid') || ctx.faultName.startsWith('apiresource') ? 'no-product-match' : 'unknown-fault', cause, {
      view,
      fixes: workingCredentialFixes(ctx.ws, '', ctx.call, ctx.now)
    })
  }
  return explainUnknown(ctx)
}

function requiredScopes(ctx: Ctx): string[] {
  const el = policyElement(ctx.ws, ctx.call.proxy, policyName(ctx), 'Scope')
  return el ? el.text.split(/\s+/).filter((s) => s !== '') : []
}

function explainScope(ctx: Ctx, record: TokenRecord | undefined, clientId: string | undefined, view: string[]): Diagnosis {
  const required = requiredScopes(ctx)
  const held = record?.scope ?? ctx.trace.variables['scope']
  const found = clientId ? findCredential(ctx.ws, clientId) : undefined
  const grantable = found ? grantableScopes(ctx.ws, found.credential) : []
  const evidence: Evidence[] = [
    { label: 'Required scopes', ok: true, detail: required.length ? `any of ${required.join(', ')}` : 'see the policy' },
    { label: "Token's scope", ok: false, detail: held === undefined ? 'unknown' : held === '' ? '(none)' : held }
  ]
  const fixes: Fix[] = []
  const obtainable = required.filter((s) => grantable.includes(s))
  if (found) evidence.push({ label: `Scopes ${found.app.name} can be granted`, ok: obtainable.length > 0, detail: grantable.join(' ') || '(none)' })
  if (obtainable.length > 0) fixes.push(requestTokenFix(ctx, clientId, obtainable.join(' ')))
  else if (found && required.length > 0) {
    const entry = found.credential.apiProducts.find((e) => e.status === 'approved')
    const product = entry ? ctx.ws.apiProducts.find((p) => p.name === entry.apiproduct) : undefined
    if (product) {
      fixes.push({
        id: `add-scope:${product.name}`,
        label: `Add scope ${required[0]} to ${product.name}, then request a new token`,
        method: 'products.update',
        input: { name: product.name, patch: { scopes: [...product.scopes, required[0]!] } },
        resend: false
      })
    }
  }
  const cause = `The token's scope${held ? ` "${held}"` : ''} holds none of the scopes ${policyName(ctx)} requires${required.length ? ` (${required.join(', ')})` : ''}`
  return simple(ctx, 'insufficient-scope', cause, { view, evidence, fixes })
}

// ---------------------------------------------------------------- token endpoint

function isTokenEndpoint(ctx: Ctx): boolean {
  if (ctx.body.shape === 'apigee-token' || ctx.body.shape === 'rfc-token') return true
  if (VERIFY_TOKEN_FAULTS.has(ctx.faultName) || JWT_CAUSES[ctx.faultName]) return false
  const auth = headerOf(ctx.trace, 'authorization') ?? ''
  if (/^bearer /i.test(auth)) return false
  const v = ctx.trace.variables
  return v['request.formparam.grant_type'] !== undefined || v['request.queryparam.grant_type'] !== undefined || v['request.queryparam.response_type'] !== undefined || !ctx.faultName.startsWith('access_token')
}

function explainTokenEndpoint(ctx: Ctx): Diagnosis {
  const v = ctx.trace.variables
  const clientId = v['request.formparam.client_id'] ?? v['request.queryparam.client_id'] ?? v['client_id'] ?? ctx.trace.clientId ?? undefined
  const view = [`Policy: OAuthV2 ${policyName(ctx)} (token endpoint)`, ...(clientId ? [`client_id: ${clientId}`] : [])]
  const error = ctx.body.error ?? ctx.trace.fault?.cause ?? ctx.trace.fault?.faultstring ?? ''
  if (ctx.faultName.startsWith('invalid_client') || ctx.faultName === 'DeveloperStatusNotActive' || ctx.faultName === 'InvalidClientIdentifier') {
    if (clientId) {
      const diagnosis = explainClient({ ws: ctx.ws, now: ctx.now, call: ctx.call, consumerKey: clientId, faultName: ctx.faultName, clientView: ctx.clientView, extraGatewayView: view })
      if (diagnosis) {
        if (diagnosis.code === 'unknown-key') diagnosis.code = 'client-invalid'
        return diagnosis
      }
      const found = findCredential(ctx.ws, clientId)
      return simple(ctx, 'client-invalid', `The client secret sent does not match ${found?.app.name ?? 'the app'}'s key`, {
        view,
        evidence: [{ label: 'client_id', ok: true, detail: `belongs to ${found?.app.name}` }, { label: 'client_secret', ok: false, detail: 'does not match' }],
        fixes: found
          ? [
              {
                id: `use-credential:${clientId}`,
                label: `Use ${found.app.name}'s credentials (with its secret)`,
                method: 'workbench.useCredential',
                input: { app: found.app.name, consumerKey: clientId },
                resend: true
              }
            ]
          : []
      })
    }
    return simple(ctx, 'client-invalid', 'The client credentials were not accepted: the client id is unknown or the secret is wrong (the trace masks them)', {
      view
    })
  }
  if (ctx.faultName === 'UnSupportedGrantType') {
    const supported = policyElement(ctx.ws, ctx.call.proxy, policyName(ctx), 'SupportedGrantTypes')?.children.map((c) => c.text) ?? []
    const asked = v['request.formparam.grant_type'] ?? v['request.queryparam.grant_type']
    return simple(
      ctx,
      'grant-type-unsupported',
      `The grant type${asked ? ` ${asked}` : ''} is not among the policy's SupportedGrantTypes (${supported.join(', ') || 'authorization_code, implicit by default'})`,
      { view }
    )
  }
  if (error === 'Invalid Scope') {
    const found = clientId ? findCredential(ctx.ws, clientId) : undefined
    const grantable = found ? grantableScopes(ctx.ws, found.credential) : []
    const asked = v['request.formparam.scope'] ?? v['request.queryparam.scope'] ?? ''
    return simple(
      ctx,
      'scope-invalid',
      `None of the requested scopes${asked ? ` (${asked})` : ''} is in the scopes of ${found ? `${found.app.name}'s products` : "the app's products"}`,
      {
        view,
        evidence: [{ label: 'Grantable scopes', ok: grantable.length > 0, detail: grantable.join(' ') || '(none)' }],
        fixes: found && grantable.length > 0 ? [requestTokenFix(ctx, clientId, grantable.join(' '))] : []
      }
    )
  }
  for (const [pattern, sentence] of TOKEN_REQUEST_CAUSES) {
    if (pattern.test(error)) return simple(ctx, 'token-request-invalid', error.replace(pattern, sentence), { view })
  }
  return simple(ctx, 'token-request-invalid', `The token endpoint refused the request: ${error || ctx.trace.fault?.faultstring}`, { view })
}

// ---------------------------------------------------------------- Get/Set/DeleteOAuthV2Info

function explainInfo(ctx: Ctx): Diagnosis {
  const type = ctx.step?.policyType ?? 'OAuthV2Info'
  const policy = policyName(ctx)
  const view = [`Policy: ${type} ${policy}`]
  if (ctx.faultName === 'InvalidAPICallAsNoApiProductMatchFound') {
    const record = tokenRecordOf(ctx)
    if (record) {
      return explainAccess({
        ws: ctx.ws,
        now: ctx.now,
        call: ctx.call,
        consumerKey: record.clientId,
        faultName: ctx.faultName,
        clientView: ctx.clientView,
        presented: 'token',
        extraGatewayView: view
      })
    }
    return simple(ctx, 'no-product-match', `${policy} found the token, but its products do not cover ${ctx.call.proxy} in ${ctx.call.environment}: the proxy that reads token info must be in the token's product`, { view })
  }
  const what: Record<string, string> = {
    invalid_access_token: 'the access token is unknown (never issued, deleted or purged) or revoked',
    access_token_expired: 'the access token has expired',
    invalid_refresh_token: 'the refresh token is unknown',
    refresh_token_expired: 'the refresh token has expired',
    'invalid_request-authorization_code_invalid': 'the authorization code is unknown',
    authorization_code_expired: 'the authorization code has expired',
    'invalid_client-invalid_client_id': 'no app has this client id'
  }
  return simple(ctx, 'info-lookup-failed', `${policy} could not read what it was asked for: ${what[ctx.faultName] ?? ctx.trace.fault?.faultstring}`, { view })
}

// ---------------------------------------------------------------- routing, RaiseFault, target, unknown

function explainRouting(ctx: Ctx): Diagnosis {
  const env = ctx.trace.environment
  const path = ctx.trace.path
  const deployed = ctx.ws.proxies.filter((p) => p.environments.includes(env))
  const covers = (base: string): boolean => base === '/' || path === base || path.startsWith(`${base}/`)
  const elsewhere = ctx.ws.proxies.filter((p) => !p.environments.includes(env) && covers(p.basePath))
  const fixes: Fix[] = elsewhere.map((p) => ({
    id: `deploy:${p.name}:${env}`,
    label: `Deploy ${p.name} to ${env}`,
    method: 'proxies.deploy',
    input: { name: p.name, environment: env },
    resend: true
  }))
  for (const p of elsewhere) {
    for (const other of p.environments) {
      fixes.push({ id: `use-environment:${other}`, label: `Call ${p.name} in ${other}`, method: 'workbench.useEnvironment', input: { environment: other }, resend: true })
    }
  }
  const cause = elsewhere.length
    ? `${elsewhere.map((p) => p.name).join(', ')} has base path matching ${path} but is not deployed to ${env}`
    : `No proxy deployed to ${env} has a base path matching ${path}`
  return {
    faultName: ctx.faultName,
    code: 'proxy-not-found',
    clientView: ctx.clientView,
    gatewayView: [`Environment: ${env}`, `Request path: ${path}`],
    cause,
    evidence: deployed.map((p) => ({ label: p.name, ok: false, detail: `base path ${p.basePath} does not match ${path}` })),
    fixes
  }
}

function explainRaiseFault(ctx: Ctx): Diagnosis {
  const policy = policyName(ctx)
  const step = ctx.step
  const evidence: Evidence[] = step?.condition ? [{ label: 'Step condition', ok: false, detail: `${step.condition} was ${String(step.conditionResult ?? true)}` }] : []
  return simple(ctx, 'raise-fault', `The RaiseFault policy ${policy} built this response on purpose${step?.flow ? ` in ${step.flow}` : ''}${step?.condition ? ` because its condition ${step.condition} was true` : ''}`, {
    view: [`Policy: RaiseFault ${policy}`],
    evidence
  })
}

function explainTarget(ctx: Ctx): Diagnosis {
  const url = ctx.trace.variables['target.url']
  const view = url ? [`Target URL: ${url}`] : []
  if (ctx.faultName === 'ErrorResponseCode') {
    const status = ctx.trace.targetResponse?.status ?? ctx.trace.status
    return simple(ctx, 'target-failed', `The target answered ${status}, which the gateway treats as an error`, { view })
  }
  return simple(ctx, 'target-failed', TARGET_CAUSES[ctx.faultName]!, { view })
}

function explainUnknown(ctx: Ctx): Diagnosis {
  const fault = ctx.trace.fault!
  const policy = policyName(ctx)
  const evidence: Evidence[] = Object.entries(fault.variables).map(([label, detail]) => ({ label, ok: false, detail }))
  return simple(
    ctx,
    'unknown-fault',
    `${policy ? `Policy ${policy}${ctx.step?.policyType ? ` (${ctx.step.policyType})` : ''}` : 'The gateway'} raised ${fault.name} (${fault.errorcode}: ${fault.faultstring})${fault.cause && fault.cause !== fault.faultstring ? `: ${fault.cause}` : ''}`,
    { evidence }
  )
}
export { accessMatrix, keyCheckOf } from './matrix'
export { inspectJwt } from './jwt'
