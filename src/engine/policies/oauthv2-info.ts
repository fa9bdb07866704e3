/**
 * GetOAuthV2Info, SetOAuthV2Info and DeleteOAuthV2Info (reference 2.4, 2.5, 5.5): read, annotate or
 * delete stored tokens, codes and client data. Faults use the `oauthV2` variable prefix.
 */
import type { Workspace } from '../../shared/model'
import type { TokenAttribute, TokenRecord } from '../../shared/tokens'
import { child, xmlBoolean, type XmlElement } from '../bundle/xml'
import { PolicyFault, type FaultSpec } from '../faults/fault'
import { deleteOAuthV2InfoFaults, getOAuthV2InfoFaults, keyPolicyDeploymentErrors, setOAuthV2InfoFaults } from '../faults/keys'
import { describeNoMatch, findCredential, javaList, resolveProductMatch } from '../kms'
import { hashToken } from '../tokens'
import type { CompileContext, PolicyContext, PolicyHandler } from './types'
import { apiCallOf } from './verify-api-key'

/** A value given as `ref="variable"` (preferred when it resolves) and/or literal text (the fallback). */
export interface ValueSource {
  ref?: string
  value?: string
}

function valueSource(el: XmlElement): ValueSource {
  const source: ValueSource = {}
  const ref = el.attributes['ref']?.trim()
  if (ref) source.ref = ref
  if (el.text !== '') source.value = el.text
  return source
}

function resolveValue(source: ValueSource, ctx: PolicyContext): string | undefined {
  if (source.ref) {
    const v = ctx.variables.getString(source.ref)
    if (v !== undefined) return v
  }
  return source.value
}

/** Compiles exactly one of the allowed lookup elements, reporting a deployment error otherwise. */
function compileLookup<K extends string>(root: XmlElement, ctx: CompileContext, allowed: readonly K[]): { kind: K; source: ValueSource } {
  const present = allowed.filter((name) => child(root, name) !== undefined)
  const first = present[0] ?? allowed[0]!
  if (present.length !== 1) {
    ctx.error(
      keyPolicyDeploymentErrors.InvalidOAuthV2InfoElement,
      present.length === 0
        ? `${root.name} needs one of ${allowed.join(', ')}`
        : `${root.name} takes only one of ${allowed.join(', ')}, found ${present.join(', ')}`,
      root
    )
  }
  const el = child(root, first)
  const source = el ? valueSource(el) : {}
  if (el && !source.ref && source.value === undefined) {
    ctx.error(keyPolicyDeploymentErrors.InvalidOAuthV2InfoElement, `${first} must name a variable in ref or hold a value`, el)
  }
  return { kind: first, source }
}

const isExpired = (record: TokenRecord, now: number): boolean => record.expiresAt >= 0 && now >= record.expiresAt
const secondsLeft = (expiresAt: number, now: number): string =>
  expiresAt < 0 ? '-1' : String(Math.max(0, Math.floor((expiresAt - now) / 1000)))

function raise(ctx: PolicyContext, spec: FaultSpec, cause: string): never {
  ctx.note(cause)
  throw new PolicyFault(spec, { policy: ctx.policyName, cause })
}

/**
 * The token must be usable for the calling proxy: one of its credential's approved products has to
 * cover this proxy, environment and path (Edge doc note on GetOAuthV2Info, reference 2.4).
 */
function requireProductMatch(ctx: PolicyContext, ws: Workspace, record: TokenRecord, noMatch: FaultSpec, unknown: FaultSpec): void {
  const found = findCredential(ws, record.clientId)
  if (!found) raise(ctx, unknown, `The token's client ${record.clientId} no longer exists`)
  const call = apiCallOf(ctx)
  const match = resolveProductMatch(ws, found.credential.apiProducts, call)
  if (!match.product) raise(ctx, noMatch, describeNoMatch(found.app.name, match, call))
}

function setAll(ctx: PolicyContext, prefix: string, vars: Record<string, string>): void {
  for (const [name, value] of Object.entries(vars)) ctx.variables.set(`${prefix}${name}`, value)
}

/** Access-token variables of GetOAuthV2Info (reference 5.5); `clear` holds the presented token strings. */
function tokenVariables(
  ws: Workspace,
  access: TokenRecord | undefined,
  refresh: TokenRecord | undefined,
  clear: { accessToken?: string; refreshToken?: string },
  now: number
): Record<string, string> {
  const main = access ?? refresh!
  const vars: Record<string, string> = {}
  for (const a of main.attributes ?? []) vars[`accesstoken.${a.name}`] = a.value
  Object.assign(vars, {
    'developer.id': main.developerId ?? '',
    'developer.app.name': main.appName ?? '',
    'developer.app.id': main.appId ?? '',
    'developer.email': main.developerEmail ?? '',
    organization_name: main.organization ?? ws.organization.name,
    api_product_list: javaList(main.products ?? []),
    scope: main.scope ?? '',
    client_id: main.clientId,
    issued_at: String(main.issuedAt),
    refresh_count: String(main.refreshCount ?? 0)
  })
  if (main.grantType) vars['grant_type'] = main.grantType
  if (main.appEndUser) vars['app_enduser'] = main.appEndUser
  if (clear.accessToken !== undefined) vars['access_token'] = clear.accessToken
  if (access) {
    vars['expires_in'] = secondsLeft(access.expiresAt, now)
    vars['status'] = access.status === 'approved' && isExpired(access, now) ? 'expired' : access.status
    if (access.revokeReason) vars['revoke_reason'] = access.revokeReason
  }
  if (refresh) {
    if (clear.refreshToken !== undefined) vars['refresh_token'] = clear.refreshToken
    vars['refresh_token_status'] = refresh.status === 'approved' && isExpired(refresh, now) ? 'expired' : refresh.status
    vars['refresh_token_expires_in'] = secondsLeft(refresh.expiresAt, now)
    vars['refresh_token_issued_at'] = String(refresh.refreshIssuedAt ?? refresh.issuedAt)
    if (!access && refresh.revokeReason) vars['revoke_reason'] = refresh.revokeReason
  } else {
    vars['refresh_token_status'] = ''
    vars['refresh_token_expires_in'] = '0'
    vars['refresh_token_issued_at'] = '0'
  }
  return vars
}

// ---------------------------------------------------------------- GetOAuthV2Info

const getLookups = ['AccessToken', 'AuthorizationCode', 'ClientId', 'RefreshToken'] as const

export interface GetOAuthV2InfoConfig {
  kind: (typeof getLookups)[number]
  source: ValueSource
  /** Return data for revoked or expired access tokens instead of faulting. */
  ignoreAccessTokenStatus: boolean
}

function executeGet(config: GetOAuthV2InfoConfig, ctx: PolicyContext): void {
  const f = getOAuthV2InfoFaults
  const ws = ctx.services.workspace()
  const now = ctx.services.clock.now()
  const store = ctx.services.tokens
  const value = resolveValue(config.source, ctx)
  const name = ctx.policyName
  switch (config.kind) {
    case 'AccessToken': {
      const record = value === undefined ? undefined : store.get('access_token', hashToken(value))
      if (!record) raise(ctx, f.invalid_access_token, value === undefined ? `${config.source.ref} holds no access token` : 'No such access token')
      if (!config.ignoreAccessTokenStatus) {
        if (isExpired(record, now)) raise(ctx, f.access_token_expired, 'The access token has expired')
        if (record.status !== 'approved') raise(ctx, f.invalid_access_token, 'The access token is revoked')
      }
      requireProductMatch(ctx, ws, record, f.InvalidAPICallAsNoApiProductMatchFound, f.invalid_access_token)
      const refresh = record.pairedHash ? store.get('refresh_token', record.pairedHash) : undefined
      setAll(ctx, `oauthv2accesstoken.${name}.`, tokenVariables(ws, record, refresh, { accessToken: value! }, now))
      ctx.note(`Access token of ${record.appName ?? record.clientId} read`)
      return
    }
    case 'RefreshToken': {
      const record = value === undefined ? undefined : store.get('refresh_token', hashToken(value))
      if (!record) raise(ctx, f.invalid_refresh_token, 'No such refresh token')
      if (isExpired(record, now)) raise(ctx, f.refresh_token_expired, 'The refresh token has expired')
      const access = record.pairedHash ? store.get('access_token', record.pairedHash) : undefined
      setAll(ctx, `oauthv2refreshtoken.${name}.`, tokenVariables(ws, access, record, { refreshToken: value! }, now))
      ctx.note(`Refresh token of ${record.appName ?? record.clientId} read`)
      return
    }
    case 'AuthorizationCode': {
      const record = value === undefined ? undefined : store.get('authorization_code', hashToken(value))
      if (!record) raise(ctx, f['invalid_request-authorization_code_invalid'], 'No such authorization code')
      if (isExpired(record, now)) raise(ctx, f.authorization_code_expired, 'The authorization code has expired')
      const vars: Record<string, string> = {}
      for (const a of record.attributes ?? []) vars[a.name] = a.value
      Object.assign(vars, {
        code: value!,
        scope: record.scope ?? '',
        redirect_uri: record.redirectUri ?? '',
        client_id: record.clientId,
        issued_at: String(record.issuedAt),
        expires_in: secondsLeft(record.expiresAt, now)
      })
      if (record.state !== undefined) vars['state'] = record.state
      setAll(ctx, `oauthv2authcode.${name}.`, vars)
      return
    }
    case 'ClientId': {
      const found = value === undefined ? undefined : findCredential(ws, value)
      if (!found) raise(ctx, f['invalid_client-invalid_client_id'], `No app has the client id ${value ?? '(unresolved)'}`)
      const developer = ws.developers.find((d) => d.developerId === found.app.developerId)
      const vars: Record<string, string> = {}
      for (const a of found.app.attributes) vars[a.name] = a.value
      Object.assign(vars, {
        client_id: found.credential.consumerKey,
        client_secret: found.credential.consumerSecret,
        redirection_uris: found.app.callbackUrl,
        'developer.email': developer?.email ?? '',
        'developer.app.name': found.app.name,
        'developer.app.id': found.app.appId,
        'developer.id': found.app.developerId
      })
      setAll(ctx, `oauthv2client.${name}.`, vars)
      return
    }
  }
}

/** The GetOAuthV2Info policy handler. */
export const getOAuthV2InfoPolicy: PolicyHandler<GetOAuthV2InfoConfig> = {
  type: 'GetOAuthV2Info',
  faultVariablePrefix: 'oauthV2',
  compile(root, ctx) {
    const { kind, source } = compileLookup(root, ctx, getLookups)
    return { kind, source, ignoreAccessTokenStatus: xmlBoolean(child(root, 'IgnoreAccessTokenStatus')?.text, false) }
  },
  execute: executeGet
}

// ---------------------------------------------------------------- SetOAuthV2Info

export interface AttributeSetting {
  name: string
  source: ValueSource
  /** Absent: keep the attribute's current display flag (new attributes are displayed). */
  display?: boolean
}

export interface SetOAuthV2InfoConfig {
  source: ValueSource
  attributes: AttributeSetting[]
}

function compileAttributes(root: XmlElement, ctx: CompileContext): AttributeSetting[] {
  const list = child(root, 'Attributes')
  const settings: AttributeSetting[] = []
  for (const el of list?.children ?? []) {
    if (el.name !== 'Attribute') continue
    const name = el.attributes['name']?.trim()
    if (!name) {
      ctx.error('InvalidAttributeName', 'Attribute needs a name', el)
      continue
    }
    const setting: AttributeSetting = { name, source: valueSource(el) }
    if (el.attributes['display'] !== undefined) setting.display = xmlBoolean(el.attributes['display'], true)
    settings.push(setting)
  }
  return settings
}

function executeSet(config: SetOAuthV2InfoConfig, ctx: PolicyContext): void {
  const f = setOAuthV2InfoFaults
  const ws = ctx.services.workspace()
  const now = ctx.services.clock.now()
  const value = resolveValue(config.source, ctx)
  const record = value === undefined ? undefined : ctx.services.tokens.get('access_token', hashToken(value))
  if (!record) raise(ctx, f.invalid_access_token, 'No such access token')
  if (isExpired(record, now)) raise(ctx, f.access_token_expired, 'The access token has expired')
  if (record.status !== 'approved') raise(ctx, f.invalid_access_token, 'The access token is revoked')
  requireProductMatch(ctx, ws, record, f.InvalidAPICallAsNoApiProductMatchFound, f.invalid_access_token)
  const attributes: TokenAttribute[] = (record.attributes ?? []).map((a) => ({ ...a }))
  const changed: string[] = []
  for (const setting of config.attributes) {
    const v = resolveValue(setting.source, ctx)
    // An attribute whose ref and default both fail to resolve is left as it is.
    if (v === undefined) continue
    const existing = attributes.find((a) => a.name === setting.name)
    if (existing) {
      existing.value = v
      if (setting.display !== undefined) existing.display = setting.display
    } else {
      attributes.push({ name: setting.name, value: v, display: setting.display ?? true })
    }
    changed.push(setting.name)
  }
  ctx.services.tokens.put({ ...record, attributes })
  ctx.note(changed.length ? `Token attributes set: ${changed.join(', ')}` : 'No attribute resolved; token unchanged')
}

/** The SetOAuthV2Info policy handler. */
export const setOAuthV2InfoPolicy: PolicyHandler<SetOAuthV2InfoConfig> = {
  type: 'SetOAuthV2Info',
  faultVariablePrefix: 'oauthV2',
  compile(root, ctx) {
    const { source } = compileLookup(root, ctx, ['AccessToken'] as const)
    return { source, attributes: compileAttributes(root, ctx) }
  },
  execute: executeSet
}

// ---------------------------------------------------------------- DeleteOAuthV2Info

export interface DeleteOAuthV2InfoConfig {
  kind: 'AccessToken' | 'AuthorizationCode'
  source: ValueSource
}

function executeDelete(config: DeleteOAuthV2InfoConfig, ctx: PolicyContext): void {
  const f = deleteOAuthV2InfoFaults
  const value = resolveValue(config.source, ctx)
  const kind = config.kind === 'AccessToken' ? 'access_token' : 'authorization_code'
  const hash = value === undefined ? undefined : hashToken(value)
  const record = hash === undefined ? undefined : ctx.services.tokens.get(kind, hash)
  if (!record || hash === undefined) {
    if (config.kind === 'AccessToken') raise(ctx, f.invalid_access_token, 'No such access token')
    raise(ctx, f['invalid_request-authorization_code_invalid'], 'No such authorization code')
  }
  ctx.services.tokens.delete(kind, hash)
  ctx.note(`${config.kind === 'AccessToken' ? 'Access token' : 'Authorization code'} of ${record.appName ?? record.clientId} deleted`)
}

/** The DeleteOAuthV2Info policy handler. */
export const deleteOAuthV2InfoPolicy: PolicyHandler<DeleteOAuthV2InfoConfig> = {
  type: 'DeleteOAuthV2Info',
  faultVariablePrefix: 'oauthV2',
  compile(root, ctx) {
    return compileLookup(root, ctx, ['AccessToken', 'AuthorizationCode'] as const)
  },
  execute: executeDelete
}
