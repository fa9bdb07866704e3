/**
 * PopulateCache, LookupCache and InvalidateCache: string entries in the engine's CacheStore (per environment,
 * per `<CacheResource>`), under Apigee's composite keys (`<Prefix>` or `<Scope>`, then `__`-joined
 * `<KeyFragment>`s), expiring on the engine clock per `<ExpirySettings>`.
 */
import { child, children, xmlBoolean, type XmlElement } from '../../bundle/xml'
import { PolicyFault } from '../../faults/fault'
import { fill, populateCacheFaults } from '../../faults/extension'
import { HttpMessage } from '../../runtime/message'
import type { CompileContext, PolicyContext, PolicyHandler } from '../types'

const scopes = ['Exclusive', 'Global', 'Application', 'Proxy', 'Target'] as const
type Scope = (typeof scopes)[number]

interface KeyFragment {
  ref: string | null
  text: string
}

interface CacheKeyConfig {
  prefix: string | null
  fragments: KeyFragment[]
}

export interface CacheCommon {
  resource: string
  scope: Scope
  key: CacheKeyConfig
}

export type Expiry =
  | { kind: 'timeout'; ref: string | null; seconds: number | null }
  | { kind: 'date'; ref: string | null; text: string }
  | { kind: 'timeOfDay'; ref: string | null; text: string }

/** [U] Apigee's default expiry when `<ExpirySettings>` is absent. */
const DEFAULT_TIMEOUT_SECONDS = 300
/** Apigee refuses cache entries larger than this. */
const MAX_ENTRY_BYTES = 256 * 1024

export function compileCommon(root: XmlElement, ctx: CompileContext, keyRequired = true): CacheCommon {
  const scopeEl = child(root, 'Scope')
  const scopeText = scopeEl?.text.trim() || 'Exclusive'
  const scope = scopes.find((s) => s.toLowerCase() === scopeText.toLowerCase())
  if (!scope) ctx.error('InvalidScope', `<Scope> "${scopeText}" is not one of ${scopes.join(', ')}`, scopeEl)
  const keyEl = child(root, 'CacheKey')
  const fragments: KeyFragment[] = []
  for (const el of keyEl ? children(keyEl, 'KeyFragment') : []) {
    const ref = el.attributes['ref']?.trim() || null
    if (!ref && el.text.trim() === '') ctx.error('InvalidKeyFragment', '<KeyFragment> needs a ref attribute or a value', el)
    fragments.push({ ref, text: el.text.trim() })
  }
  if (keyRequired && (!keyEl || fragments.length === 0)) ctx.error('InvalidCacheKey', '<CacheKey> needs at least one <KeyFragment>', keyEl ?? root)
  return {
    resource: child(root, 'CacheResource')?.text.trim() || '',
    scope: scope ?? 'Exclusive',
    key: { prefix: (keyEl && child(keyEl, 'Prefix')?.text.trim()) || null, fragments }
  }
}

/** The cache key as Apigee composes it (the `cachekey` variable), and the store key it lives under. */
export function cacheKey(config: CacheCommon, ctx: PolicyContext, extra: string[] = []): { cacheKey: string; storeKey: string } {
  const vars = ctx.variables
  // An unresolved fragment ref contributes nothing, as on Apigee.
  const fragments = config.key.fragments.map((f) => (f.ref ? vars.getString(f.ref) : f.text)).filter((v): v is string => v !== undefined && v !== '')
  let prefix = config.key.prefix
  if (prefix === null) {
    const org = vars.getString('organization.name') ?? ''
    const env = ctx.environment.name
    const proxy = ctx.proxy.name
    const revision = ctx.proxy.revision
    const endpoint = vars.getString('proxy.name') ?? 'default'
    const target = vars.getString('target.name') ?? ''
    prefix = {
      Global: [org, env],
      Application: [org, env, proxy],
      Proxy: [org, env, proxy, revision, endpoint],
      Target: [org, env, proxy, revision, target],
      Exclusive: [org, env, proxy, revision, target || endpoint]
    }[config.scope].join('__')
  }
  const key = [prefix, ...fragments, ...extra].join('__')
  return { cacheKey: key, storeKey: storeKey(ctx, config.resource, key) }
}

/** Entries are per environment and per cache resource (the empty name is the environment's shared cache). */
function storeKey(ctx: PolicyContext, resource: string, key: string): string {
  return [ctx.environment.name, resource, key].join('\u0000')
}

export function compileExpiry(root: XmlElement, ctx: CompileContext): Expiry {
  const settings = child(root, 'ExpirySettings')
  if (!settings) return { kind: 'timeout', ref: null, seconds: DEFAULT_TIMEOUT_SECONDS }
  const timeout = child(settings, 'TimeoutInSeconds') ?? child(settings, 'TimeoutInSec')
  const date = child(settings, 'ExpiryDate')
  const time = child(settings, 'TimeOfDay')
  const set = [timeout, date, time].filter(Boolean)
  if (set.length > 1) ctx.error('InvalidExpirySettings', '<ExpirySettings> takes only one of TimeoutInSeconds, ExpiryDate, TimeOfDay', settings)
  if (date) {
    if (date.text.trim() !== '' && parseExpiryDate(date.text) === undefined) ctx.error('InvalidExpiryDate', `<ExpiryDate> "${date.text.trim()}" is not mm-dd-yyyy`, date)
    return { kind: 'date', ref: date.attributes['ref']?.trim() || null, text: date.text.trim() }
  }
  if (time) {
    if (time.text.trim() !== '' && parseTimeOfDay(time.text) === undefined) ctx.error('InvalidTimeOfDay', `<TimeOfDay> "${time.text.trim()}" is not hh:mm:ss`, time)
    return { kind: 'timeOfDay', ref: time.attributes['ref']?.trim() || null, text: time.text.trim() }
  }
  if (!timeout) return { kind: 'timeout', ref: null, seconds: DEFAULT_TIMEOUT_SECONDS }
  const text = timeout.text.trim()
  const seconds = text === '' ? null : seconds_(text)
  if (text !== '' && seconds === undefined) ctx.error('InvalidTimeout', `<TimeoutInSeconds> "${text}" is not a positive number of seconds`, timeout)
  return { kind: 'timeout', ref: timeout.attributes['ref']?.trim() || null, seconds: seconds ?? null }
}

function seconds_(text: string): number | undefined {
  const t = text.trim()
  return /^\d+$/.test(t) && Number(t) > 0 ? Number(t) : undefined
}

/** `mm-dd-yyyy`, the end of that day in UTC [U]. */
function parseExpiryDate(text: string): number | undefined {
  const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(text.trim())
  if (!m) return undefined
  const t = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]) + 1)
  const d = new Date(t - 1)
  return d.getUTCMonth() + 1 === Number(m[1]) && d.getUTCDate() === Number(m[2]) ? t : undefined
}

/** `hh:mm:ss` as milliseconds into the UTC day [U]. */
function parseTimeOfDay(text: string): number | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(text.trim())
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) return undefined
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000
}

const DAY = 86_400_000

/** When an entry written now expires; the ref's value wins over the text when it is valid. */
export function expiresAt(expiry: Expiry, ctx: PolicyContext): number {
  const now = ctx.services.clock.now()
  const refValue = expiry.ref ? ctx.variables.getString(expiry.ref) : undefined
  if (expiry.kind === 'timeout') {
    const seconds = (refValue !== undefined ? seconds_(refValue) : undefined) ?? expiry.seconds ?? DEFAULT_TIMEOUT_SECONDS
    return now + seconds * 1000
  }
  if (expiry.kind === 'date') {
    const at = (refValue !== undefined ? parseExpiryDate(refValue) : undefined) ?? parseExpiryDate(expiry.text)
    return at ?? now + DEFAULT_TIMEOUT_SECONDS * 1000
  }
  const offset = (refValue !== undefined ? parseTimeOfDay(refValue) : undefined) ?? parseTimeOfDay(expiry.text)
  if (offset === undefined) return now + DEFAULT_TIMEOUT_SECONDS * 1000
  const today = Math.floor(now / DAY) * DAY + offset
  return today > now ? today : today + DAY
}

export function setKeyVariables(ctx: PolicyContext, prefix: string, config: CacheCommon, key: string): void {
  ctx.variables.set(`${prefix}.${ctx.policyName}.cachename`, config.resource)
  ctx.variables.set(`${prefix}.${ctx.policyName}.cachekey`, key)
}

export interface PopulateCacheConfig extends CacheCommon {
  source: string
  expiry: Expiry
}

export const populateCachePolicy: PolicyHandler<PopulateCacheConfig> = {
  type: 'PopulateCache',
  faultVariablePrefix: 'populatecache',
  compile(root, ctx) {
    const source = child(root, 'Source')?.text.trim() ?? ''
    if (source === '') ctx.error('InvalidSource', 'PopulateCache needs a <Source> variable', child(root, 'Source') ?? root)
    return { ...compileCommon(root, ctx), source, expiry: compileExpiry(root, ctx) }
  },
  execute(config, ctx) {
    const { cacheKey: key, storeKey: store } = cacheKey(config, ctx)
    setKeyVariables(ctx, 'populatecache', config, key)
    const value = ctx.variables.get(config.source)
    // [U] An unresolved Source caches nothing, without a fault.
    if (value === undefined || value === null) {
      ctx.note(`${config.source} is unresolved: nothing cached`)
      return
    }
    const text = value instanceof HttpMessage ? value.content : ctx.variables.getString(config.source) ?? ''
    if (value instanceof HttpMessage || new TextEncoder().encode(text).length > MAX_ENTRY_BYTES) {
      throw new PolicyFault(fill(populateCacheFaults.EntryCannotBeCached, ctx.policyName, key), {
        cause: value instanceof HttpMessage ? `${config.source} is a message, not a string` : `the entry is larger than ${MAX_ENTRY_BYTES} bytes`
      })
    }
    const at = expiresAt(config.expiry, ctx)
    ctx.services.caches.set(store, text, at)
    ctx.note(`cached ${key} until ${new Date(at).toISOString()}`)
  }
}

export interface LookupCacheConfig extends CacheCommon {
  assignTo: string
}

export const lookupCachePolicy: PolicyHandler<LookupCacheConfig> = {
  type: 'LookupCache',
  faultVariablePrefix: 'lookupcache',
  compile(root, ctx) {
    const assignTo = child(root, 'AssignTo')?.text.trim() ?? ''
    if (assignTo === '') ctx.error('InvalidAssignTo', 'LookupCache needs an <AssignTo> variable', child(root, 'AssignTo') ?? root)
    return { ...compileCommon(root, ctx), assignTo }
  },
  execute(config, ctx) {
    const { cacheKey: key, storeKey: store } = cacheKey(config, ctx)
    setKeyVariables(ctx, 'lookupcache', config, key)
    ctx.variables.set(`lookupcache.${ctx.policyName}.assignto`, config.assignTo)
    const value = ctx.services.caches.get(store)
    ctx.variables.set(`lookupcache.${ctx.policyName}.cachehit`, value !== undefined)
    if (value !== undefined) ctx.variables.set(config.assignTo, value)
    ctx.note(value === undefined ? `no entry for ${key}` : `hit for ${key}`)
  }
}

export interface InvalidateCacheConfig extends CacheCommon {
  purgeChildEntries: boolean
}

export const invalidateCachePolicy: PolicyHandler<InvalidateCacheConfig> = {
  type: 'InvalidateCache',
  faultVariablePrefix: 'invalidatecache',
  compile(root, ctx) {
    return { ...compileCommon(root, ctx), purgeChildEntries: xmlBoolean(child(root, 'PurgeChildEntries')?.text, false) }
  },
  execute(config, ctx) {
    const { cacheKey: key, storeKey: store } = cacheKey(config, ctx)
    setKeyVariables(ctx, 'invalidatecache', config, key)
    const caches = ctx.services.caches
    const removed = (caches.delete(store) ? 1 : 0) + (config.purgeChildEntries ? caches.deletePrefix(`${store}__`) : 0)
    ctx.note(`${removed} entr${removed === 1 ? 'y' : 'ies'} removed for ${key}`)
  }
}
