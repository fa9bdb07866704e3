/**
 * Quota: counts requests per identifier in windows of `<Interval>` `<TimeUnit>` on the engine clock and
 * raises QuotaViolation (429) past `<Allow>`. Types: default (windows start at the top of the unit),
 * calendar (tiled from `<StartTime>`), flexi (from the first request) and rollingwindow (the last interval).
 * `<Distributed>`, `<Synchronous>` and `<AsynchronousConfiguration>` are accepted: one gateway counts exactly.
 */
import { child, children, xmlBoolean, type XmlElement } from '../../bundle/xml'
import { PolicyFault } from '../../faults/fault'
import { fillFaultstring, quotaFaults } from '../../faults/ratelimit'
import type { CounterStore } from '../../ports'
import type { CompileContext, PolicyContext, PolicyHandler } from '../types'
import { identifier, messageWeight, positiveInteger, refOrText, resolve, type RefOrText } from './common'
import { addUnits, parseStartTime, parseTimeUnit, startOfUnit, windowFrom, type TimeUnit } from './time'

const quotaTypes = ['default', 'calendar', 'flexi', 'rollingwindow'] as const
type QuotaType = (typeof quotaTypes)[number]

interface AllowConfig {
  count: number | null
  countRef: string | null
  /** `<Class ref>` and its `<Allow class count>` entries. */
  classRef: string | null
  classes: Map<string, number>
}

interface ProductQuota {
  stepName: string
  allow: RefOrText | null
  interval: RefOrText | null
  timeUnit: RefOrText | null
}

export interface QuotaConfig {
  type: QuotaType
  allow: AllowConfig | null
  interval: RefOrText | null
  timeUnit: RefOrText | null
  startTime: number | null
  identifierRef: string | null
  weightRef: string | null
  product: ProductQuota | null
}

/** A fixed window's counts; for rollingwindow, `log` holds [time, weight] of each counted request. */
interface QuotaState {
  start: number
  end: number
  used: number
  exceeded: number
  log?: Array<[number, number]>
  /** When the store drops the entry; ResetQuota writes it back with the same expiry. */
  expiresAt?: number
}

/** The counter of a Quota policy for one identifier (classes aside). */
export function quotaCounterKey(environment: string, proxy: string, policy: string, id: string, className = ''): string {
  return ['quota', environment, proxy, policy, id, className].join('\u0000')
}

/**
 * ResetQuota: gives `amount` back to the counter (oldest requests first in a rolling window).
 * Returns the used count after the reset, or null when the identifier has no open window.
 */
export function giveBackQuota(counters: CounterStore, key: string, amount: number): number | null {
  const state = counters.get<QuotaState>(key)
  if (!state || state.expiresAt === undefined) return null
  let used = Math.max(0, state.used - amount)
  let log = state.log
  if (log) {
    let left = amount
    log = log.map(([t, w]): [number, number] => {
      const taken = Math.min(w, left)
      left -= taken
      return [t, w - taken]
    }).filter(([, w]) => w > 0)
    used = log.reduce((sum, [, w]) => sum + w, 0)
  }
  counters.set(key, { ...state, used, ...(log ? { log } : {}) }, state.expiresAt)
  return used
}

const nonNegative = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text.trim())) ? Number(text.trim()) : undefined

function compileAllow(el: XmlElement, ctx: CompileContext): AllowConfig {
  const countText = el.attributes['count'] ?? (el.text.trim() || undefined)
  const count = nonNegative(countText)
  if (countText !== undefined && count === undefined) ctx.error('InvalidQuotaAllowCount', `<Allow> count "${countText}" is not a whole number`, el)
  const classEl = child(el, 'Class')
  const classes = new Map<string, number>()
  for (const entry of classEl ? children(classEl, 'Allow') : []) {
    const name = entry.attributes['class']
    const n = nonNegative(entry.attributes['count'])
    if (!name || n === undefined) ctx.error('InvalidQuotaAllowCount', '<Class><Allow> needs a class attribute and a whole-number count', entry)
    else classes.set(name, n)
  }
  const countRef = el.attributes['countRef']?.trim() || null
  if (count === undefined && !countRef && classes.size === 0) ctx.error('InvalidQuotaAllowCount', '<Allow> needs a count or a countRef', el)
  return { count: count ?? null, countRef, classRef: classEl?.attributes['ref']?.trim() || null, classes }
}

function compileInterval(el: XmlElement | undefined, ctx: CompileContext): RefOrText | null {
  const value = refOrText(el)
  if (el && value?.text && positiveInteger(value.text) === undefined) {
    ctx.error('InvalidQuotaInterval', `<Interval> "${value.text}" is not a positive integer`, el)
  }
  return value
}

function compileTimeUnit(el: XmlElement | undefined, ctx: CompileContext): RefOrText | null {
  const value = refOrText(el)
  if (el && value?.text && !parseTimeUnit(value.text)) {
    ctx.error('InvalidQuotaTimeUnit', `<TimeUnit> "${value.text}" is not one of second, minute, hour, day, week, month`, el)
  }
  return value
}

const MAX_DATE = 8.64e15

/** The limits this request is counted against, resolved from variables, product and policy. */
interface Limits {
  allow: number
  interval: number
  unit: TimeUnit
  className: string | null
}

function fault(spec: (typeof quotaFaults)[keyof typeof quotaFaults], ctx: PolicyContext, subject: string, cause: string): PolicyFault {
  return new PolicyFault(fillFaultstring(spec, ctx.policyName, '', subject), { cause })
}

function resolveLimits(config: QuotaConfig, ctx: PolicyContext): Limits {
  const vars = ctx.variables
  let allowText: string | undefined
  let intervalText: string | undefined
  let unitText: string | undefined
  let className: string | null = null
  if (config.product) {
    // VerifyAPIKey writes the prefixed form, OAuthV2 VerifyAccessToken the unprefixed one.
    const product = (name: string): string | undefined => {
      const value = vars.getString(`verifyapikey.${config.product!.stepName}.apiproduct.developer.quota.${name}`) ?? vars.getString(`apiproduct.developer.quota.${name}`)
      return value === undefined || value.trim() === '' ? undefined : value.trim()
    }
    allowText = product('limit') ?? resolve(config.product.allow, vars)
    intervalText = product('interval') ?? resolve(config.product.interval, vars)
    unitText = product('timeunit') ?? resolve(config.product.timeUnit, vars)
  }
  if (allowText === undefined && config.allow) {
    const allow = config.allow
    if (allow.classRef) {
      const cls = vars.getString(allow.classRef)
      if (cls !== undefined && allow.classes.has(cls)) {
        className = cls
        allowText = String(allow.classes.get(cls))
      }
    }
    if (allowText === undefined && allow.countRef) {
      const ref = vars.getString(allow.countRef)
      if (ref !== undefined && ref.trim() !== '') allowText = ref.trim()
    }
    if (allowText === undefined && allow.count !== null) allowText = String(allow.count)
  }
  intervalText ??= resolve(config.interval, vars)
  unitText ??= resolve(config.timeUnit, vars)

  const allowRef = config.allow?.countRef ?? 'count'
  const allow = nonNegative(allowText)
  if (allow === undefined) {
    throw fault(quotaFaults.FailedToResolveAllowCountReference, ctx, allowRef, allowText === undefined ? `${allowRef} is unresolved and <Allow> has no count` : `allow count "${allowText}" is not a whole number`)
  }
  const interval = positiveInteger(intervalText)
  if (interval === undefined) {
    const ref = config.interval?.ref ?? 'Interval'
    throw fault(quotaFaults.FailedToResolveQuotaIntervalReference, ctx, ref, intervalText === undefined ? `no <Interval> value (${ref} is unresolved)` : `interval "${intervalText}" is not a positive integer`)
  }
  const unit = unitText === undefined ? undefined : parseTimeUnit(unitText)
  if (!unit) {
    const ref = config.timeUnit?.ref ?? 'TimeUnit'
    throw fault(quotaFaults.FailedToResolveQuotaIntervalTimeUnitReference, ctx, ref, unitText === undefined ? `no <TimeUnit> value (${ref} is unresolved)` : `time unit "${unitText}" is not one of second, minute, hour, day, week, month`)
  }
  // A window must end at a time a Date can hold (Interval="9999999999" months would not).
  if (!(Math.abs(addUnits(ctx.services.clock.now(), unit, interval)) <= MAX_DATE)) {
    throw fault(quotaFaults.FailedToResolveQuotaIntervalReference, ctx, config.interval?.ref ?? 'Interval', `an interval of ${interval} ${unit}(s) ends past year 275760`)
  }
  return { allow, interval, unit, className }
}

/** A rolling window keeps at most this many entries per counter: requests close in time share one. */
const ROLLING_STEPS = 600

/** The log with this request added, merged into the last entry when it falls in the same 1/600 of the window. */
function logRequest(log: Array<[number, number]>, now: number, weight: number, limits: Limits): Array<[number, number]> {
  const step = (now - addUnits(now, limits.unit, -limits.interval)) / ROLLING_STEPS
  const last = log[log.length - 1]
  if (last && now - last[0] < step) return [...log.slice(0, -1), [last[0], last[1] + weight]]
  return [...log, [now, weight]]
}

/** The window `now` falls in, continuing `previous` when it is still open. */
function currentWindow(config: QuotaConfig, limits: Limits, now: number, previous: QuotaState | undefined): QuotaState {
  const { interval, unit } = limits
  if (config.type === 'rollingwindow') {
    const since = addUnits(now, unit, -interval)
    const log = (previous?.log ?? []).filter(([t]) => t > since)
    return { start: since, end: now, used: log.reduce((sum, [, w]) => sum + w, 0), exceeded: previous && log.length > 0 ? previous.exceeded : 0, log }
  }
  let window: { start: number; end: number }
  // [U] A calendar Quota without <StartTime> (the reference requires one, but names no error) tiles from the epoch.
  if (config.type === 'calendar') window = windowFrom(config.startTime ?? 0, unit, interval, now)
  else if (previous && now >= previous.start && now < previous.end) return previous
  else {
    const start = config.type === 'flexi' ? now : startOfUnit(now, unit)
    window = { start, end: addUnits(start, unit, interval) }
  }
  if (previous && previous.start === window.start && previous.end === window.end) return previous
  return { ...window, used: 0, exceeded: 0 }
}

/** The Quota policy handler. */
export const quotaPolicy: PolicyHandler<QuotaConfig> = {
  type: 'Quota',
  faultVariablePrefix: 'ratelimit',
  compile(root, ctx) {
    const typeText = root.attributes['type']?.trim() ?? 'default'
    const type = (quotaTypes as readonly string[]).includes(typeText) ? (typeText as QuotaType) : 'default'
    if (type !== typeText) ctx.error('InvalidQuotaType', `Quota type "${typeText}" is not one of calendar, flexi, rollingwindow`, root)
    const allowEl = child(root, 'Allow')
    const productEl = child(root, 'UseQuotaConfigInAPIProduct')
    let product: ProductQuota | null = null
    if (productEl) {
      const stepName = productEl.attributes['stepName']?.trim() ?? ''
      if (stepName === '') ctx.error('InvalidStepName', '<UseQuotaConfigInAPIProduct> needs the stepName of the VerifyAPIKey or OAuthV2 policy', productEl)
      const defaults = child(productEl, 'DefaultConfig')
      product = {
        stepName,
        allow: refOrText(defaults && child(defaults, 'Allow')),
        interval: compileInterval(defaults && child(defaults, 'Interval'), ctx),
        timeUnit: compileTimeUnit(defaults && child(defaults, 'TimeUnit'), ctx)
      }
    } else if (!allowEl) {
      ctx.error('InvalidQuotaAllowCount', 'Quota needs <Allow count="..."/> (or <UseQuotaConfigInAPIProduct>)', root)
    }
    const timeUnit = compileTimeUnit(child(root, 'TimeUnit'), ctx)
    const distributed = xmlBoolean(child(root, 'Distributed')?.text, false)
    if (distributed && timeUnit?.text?.toLowerCase() === 'second') {
      ctx.error('InvalidTimeUnitForDistributedQuota', 'a distributed Quota cannot count per second', child(root, 'TimeUnit'))
    }
    const asyncEl = child(root, 'AsynchronousConfiguration')
    if (asyncEl && xmlBoolean(child(root, 'Synchronous')?.text, false)) {
      ctx.error('InvalidAsynchronizeConfigurationForSynchronousQuota', '<AsynchronousConfiguration> cannot be used when <Synchronous> is true', asyncEl)
    }
    const syncInterval = asyncEl && child(asyncEl, 'SyncIntervalInSeconds')
    if (syncInterval && nonNegative(syncInterval.text) === undefined) {
      ctx.error('InvalidSynchronizeIntervalForAsyncConfiguration', `<SyncIntervalInSeconds> "${syncInterval.text}" must be zero or more`, syncInterval)
    }
    const startEl = child(root, 'StartTime')
    let startTime: number | null = null
    if (startEl && type !== 'calendar') {
      ctx.error('StartTimeNotSupported', `<StartTime> is only for type="calendar", not ${typeText}`, startEl)
    } else if (startEl) {
      startTime = parseStartTime(startEl.text) ?? null
      if (startTime === null) ctx.error('InvalidStartTime', `<StartTime> "${startEl.text}" is not yyyy-MM-dd HH:mm:ss`, startEl)
    }
    return {
      type,
      allow: allowEl ? compileAllow(allowEl, ctx) : null,
      interval: compileInterval(child(root, 'Interval'), ctx),
      timeUnit,
      startTime,
      identifierRef: child(root, 'Identifier')?.attributes['ref']?.trim() || null,
      weightRef: child(root, 'MessageWeight')?.attributes['ref']?.trim() || null,
      product
    }
  },
  execute(config, ctx) {
    const limits = resolveLimits(config, ctx)
    const weight = messageWeight(config.weightRef, ctx)
    const vars = ctx.variables
    let id = identifier(config.identifierRef, vars)
    if (id === '_default' && config.product) {
      // [U] Without an Identifier a product quota is counted per app: its client_id.
      id = vars.getString(`verifyapikey.${config.product.stepName}.client_id`) ?? vars.getString('client_id') ?? '_default'
    }
    const key = quotaCounterKey(ctx.environment.name, ctx.proxy.name, ctx.policyName, id, limits.className ?? '')
    const now = ctx.services.clock.now()
    const counters = ctx.services.counters
    const state = currentWindow(config, limits, now, counters.get<QuotaState>(key))
    const allowed = state.used + weight <= limits.allow
    const next: QuotaState = allowed
      ? { ...state, used: state.used + weight, ...(state.log ? { log: logRequest(state.log, now, weight, limits) } : {}) }
      : { ...state, exceeded: state.exceeded + 1 }
    next.expiresAt = config.type === 'rollingwindow' ? addUnits(now, limits.unit, limits.interval) : next.end
    counters.set(key, next, next.expiresAt)

    const prefix = `ratelimit.${ctx.policyName}`
    const counts = {
      'allowed.count': limits.allow,
      'used.count': next.used,
      'available.count': Math.max(0, limits.allow - next.used),
      'exceed.count': next.exceeded,
      'total.exceed.count': next.exceeded
    }
    for (const [name, value] of Object.entries(counts)) vars.set(`${prefix}.${name}`, value)
    if (config.type !== 'rollingwindow') vars.set(`${prefix}.expiry.time`, next.end)
    vars.set(`${prefix}.identifier`, id)
    if (limits.className !== null) {
      vars.set(`${prefix}.class`, limits.className)
      for (const [name, value] of Object.entries(counts)) vars.set(`${prefix}.class.${name}`, value)
    }
    vars.set(`${prefix}.failed`, !allowed)
    const until = config.type === 'rollingwindow' ? `in the last ${limits.interval} ${limits.unit}(s)` : `until ${new Date(next.end).toISOString()}`
    ctx.note(`${config.type} quota for ${id}: ${next.used} of ${limits.allow} used ${until}${allowed ? '' : `; this request (weight ${weight}) is over the limit`}`)
    if (!allowed) {
      throw new PolicyFault(fillFaultstring(quotaFaults.QuotaViolation, ctx.policyName, id), {
        cause: `${next.used} of ${limits.allow} already used for ${id}`
      })
    }
  }
}
