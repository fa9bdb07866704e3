/**
 * ResponseCache: one policy attached twice. In the request flow a cached response answers the client at once
 * (the target and the remaining flows are skipped, through FlowResponse); in the response flow the response is
 * stored under the same key for the next request.
 */
import { child, xmlBoolean } from '../../bundle/xml'
import { evaluateCondition, parseCondition, type ConditionNode } from '../../conditions'
import { withoutHopByHop } from '../../runtime/exchange-trace'
import { FlowResponse } from '../../runtime/flow-response'
import type { PolicyContext, PolicyHandler } from '../types'
import { cacheKey, compileCommon, compileExpiry, expiresAt, setKeyVariables, type CacheCommon, type Expiry } from './cache'

export interface ResponseCacheConfig extends CacheCommon {
  expiry: Expiry
  skipLookup: ConditionNode | null
  skipPopulation: ConditionNode | null
  excludeErrorResponse: boolean
  useAcceptHeader: boolean
  useResponseCacheHeaders: boolean
}

/** What a cache entry holds: the response as the client got it. */
interface CachedResponse {
  status: number
  headers: Array<[string, string]>
  body: string
}

const ACCEPT_HEADERS = ['Accept', 'Accept-Encoding', 'Accept-Language', 'Accept-Charset']

/** The key: the configured fragments, or the request URI when there are none; plus the Accept headers when asked. */
function responseKey(config: ResponseCacheConfig, ctx: PolicyContext): { cacheKey: string; storeKey: string } {
  const extra: string[] = []
  if (config.key.fragments.length === 0) extra.push(ctx.variables.getString('request.uri') ?? '')
  if (config.useAcceptHeader) for (const h of ACCEPT_HEADERS) extra.push(ctx.request.getHeaderValues(h).join(','))
  return cacheKey(config, ctx, extra)
}

/** Expiry from the response's Cache-Control s-maxage / max-age or Expires, when UseResponseCacheHeaders asks for it. */
function headerExpiry(ctx: PolicyContext): number | undefined {
  const now = ctx.services.clock.now()
  const control = ctx.response.getHeaderValues('Cache-Control').join(',').toLowerCase()
  const age = /(?:^|[,\s])s-maxage=(\d+)/.exec(control) ?? /(?:^|[,\s])max-age=(\d+)/.exec(control)
  if (age) return now + Number(age[1]) * 1000
  const expires = ctx.response.getHeader('Expires')
  const at = expires === undefined ? NaN : Date.parse(expires)
  return Number.isNaN(at) ? undefined : at
}

export const responseCachePolicy: PolicyHandler<ResponseCacheConfig> = {
  type: 'ResponseCache',
  faultVariablePrefix: 'responsecache',
  compile(root, ctx) {
    const condition = (name: string): ConditionNode | null => {
      const el = child(root, name)
      if (!el || el.text.trim() === '') return null
      const parsed = parseCondition(el.text)
      if (!parsed.ok) {
        ctx.error('InvalidCondition', `<${name}> "${el.text.trim()}" is not a valid condition: ${parsed.error.message}`, el)
        return null
      }
      return parsed.ast
    }
    return {
      ...compileCommon(root, ctx, false),
      expiry: compileExpiry(root, ctx),
      skipLookup: condition('SkipCacheLookup'),
      skipPopulation: condition('SkipCachePopulation'),
      excludeErrorResponse: xmlBoolean(child(root, 'ExcludeErrorResponse')?.text, false),
      useAcceptHeader: xmlBoolean(child(root, 'UseAcceptHeader')?.text, false),
      useResponseCacheHeaders: xmlBoolean(child(root, 'UseResponseCacheHeaders')?.text, false)
    }
  },
  execute(config, ctx) {
    const vars = ctx.variables
    const lookup = (name: string): unknown => vars.get(name)
    const { cacheKey: key, storeKey: store } = responseKey(config, ctx)
    setKeyVariables(ctx, 'responsecache', config, key)
    const caches = ctx.services.caches
    if (ctx.flow === 'request') {
      if (config.skipLookup && evaluateCondition(config.skipLookup, lookup)) {
        vars.set(`responsecache.${ctx.policyName}.cachehit`, false)
        ctx.note('SkipCacheLookup is true: the cache is not read')
        return
      }
      const entry = caches.get(store)
      vars.set(`responsecache.${ctx.policyName}.cachehit`, entry !== undefined)
      if (entry === undefined) {
        ctx.note(`no cached response for ${key}`)
        return
      }
      let cached: CachedResponse
      try {
        cached = JSON.parse(entry) as CachedResponse
      } catch {
        // Not ours (another policy wrote a string under the same key): treat as a miss.
        vars.set(`responsecache.${ctx.policyName}.cachehit`, false)
        vars.set(`responsecache.${ctx.policyName}.invalidentry`, true)
        return
      }
      ctx.note(`answered from the cache (${key})`)
      throw new FlowResponse(cached.status, cached.headers, cached.body)
    }
    if (ctx.flow !== 'response') return
    const response = ctx.response
    if (config.skipPopulation && evaluateCondition(config.skipPopulation, lookup)) {
      ctx.note('SkipCachePopulation is true: the response is not cached')
      return
    }
    if (config.excludeErrorResponse && response.status >= 400) {
      ctx.note(`status ${response.status} is an error: not cached`)
      return
    }
    // [U] With UseResponseCacheHeaders, a response the service marks as not shareable is never stored (it may carry tokens).
    if (config.useResponseCacheHeaders && /(?:^|[,\s])(no-store|no-cache|private)(?:$|[,\s=])/i.test(response.getHeaderValues('Cache-Control').join(','))) {
      ctx.note('Cache-Control forbids storing this response: not cached')
      return
    }
    const at = (config.useResponseCacheHeaders ? headerExpiry(ctx) : undefined) ?? expiresAt(config.expiry, ctx)
    if (at <= ctx.services.clock.now()) return
    const entry: CachedResponse = { status: response.status, headers: withoutHopByHop(response.headerList()), body: response.content }
    caches.set(store, JSON.stringify(entry), at)
    ctx.note(`response cached as ${key} until ${new Date(at).toISOString()}`)
  }
}
