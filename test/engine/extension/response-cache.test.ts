/** ResponseCache: a hit answers without calling the target; population, expiry, skip conditions, error responses. */
import { describe, expect, it } from 'vitest'
import { bytes, deployErrors, rig, written } from './harness'

/** 4xx counts as success so that the response flow (where ResponseCache stores) runs for it. */
const target = '<TargetEndpoint name="default"><HTTPTargetConnection><URL>http://backend.local/</URL><Properties><Property name="success.codes">2xx,3xx,4xx</Property></Properties></HTTPTargetConnection></TargetEndpoint>'

function cached(inner: string, answer: { status?: number; headers?: Array<[string, string]> } = {}) {
  let n = 0
  const r = rig(
    { RC: `<ResponseCache name="RC"><CacheResource>pages</CacheResource>${inner}</ResponseCache>` },
    {
      target,
      response: '<Step><Name>RC</Name></Step>',
      answer: () => ({ status: answer.status ?? 200, reasonPhrase: '', headers: [['content-type', 'text/plain'], ...(answer.headers ?? [])], body: bytes(`answer ${++n}`) })
    }
  )
  return r
}

describe('ResponseCache', () => {
  it('the second request is answered from the cache without calling the target, until the entry expires', async () => {
    const r = cached('<CacheKey><KeyFragment ref="request.uri"/></CacheKey><ExpirySettings><TimeoutInSeconds>30</TimeoutInSeconds></ExpirySettings>')
    const first = await r.get()
    expect(first.text).toBe('answer 1')
    expect(written(first, 'RC')['responsecache.RC.cachehit']).toBe('false')
    const second = await r.get()
    expect(second.status).toBe(200)
    expect(second.text).toBe('answer 1')
    expect(second.header('content-type')).toBe('text/plain')
    expect(written(second, 'RC')).toMatchObject({ 'responsecache.RC.cachehit': 'true', 'responsecache.RC.cachekey': 'acme__test__p__1__default__/p' })
    expect(r.sent).toHaveLength(1)
    expect((await r.get({}, '/p/other')).text).toBe('answer 2')
    r.advance(30_000)
    expect((await r.get()).text).toBe('answer 3')
  })

  it('without KeyFragment the request URI is the key; UseAcceptHeader keys by Accept', async () => {
    const r = cached('<UseAcceptHeader>true</UseAcceptHeader>')
    expect((await r.get({ accept: 'text/plain' })).text).toBe('answer 1')
    expect((await r.get({ accept: 'application/json' })).text).toBe('answer 2')
    expect((await r.get({ accept: 'text/plain' })).text).toBe('answer 1')
  })

  it('SkipCacheLookup and SkipCachePopulation conditions', async () => {
    const r = cached('<SkipCacheLookup>request.header.x-fresh = "yes"</SkipCacheLookup><SkipCachePopulation>request.header.x-nostore = "yes"</SkipCachePopulation>')
    expect((await r.get({ 'x-nostore': 'yes' })).text).toBe('answer 1')
    expect((await r.get()).text).toBe('answer 2')
    expect((await r.get()).text).toBe('answer 2')
    expect((await r.get({ 'x-fresh': 'yes' })).text).toBe('answer 3')
    expect((await r.get()).text).toBe('answer 3')
  })

  it('ExcludeErrorResponse keeps 4xx/5xx out of the cache; by default they are cached (when success.codes lets them reach the response flow)', async () => {
    const excluded = cached('<ExcludeErrorResponse>true</ExcludeErrorResponse>', { status: 404 })
    await excluded.get()
    await excluded.get()
    expect(excluded.sent).toHaveLength(2)
    const kept = cached('', { status: 404 })
    await kept.get()
    const again = await kept.get()
    expect(again.status).toBe(404)
    expect(kept.sent).toHaveLength(1)
  })

  it('UseResponseCacheHeaders: Cache-Control max-age sets the expiry', async () => {
    const r = cached('<UseResponseCacheHeaders>true</UseResponseCacheHeaders><ExpirySettings><TimeoutInSeconds>3600</TimeoutInSeconds></ExpirySettings>', { headers: [['cache-control', 'public, max-age=5']] })
    await r.get()
    r.advance(4_999)
    expect((await r.get()).text).toBe('answer 1')
    r.advance(1)
    expect((await r.get()).text).toBe('answer 2')
  })

  it('UseResponseCacheHeaders: Cache-Control no-store or private keeps the response out of the cache', async () => {
    for (const control of ['no-store', 'private, max-age=60']) {
      const r = cached('<UseResponseCacheHeaders>true</UseResponseCacheHeaders>', { headers: [['cache-control', control]] })
      await r.get()
      expect((await r.get()).text).toBe('answer 2')
    }
  })

  it.each([
    ['InvalidCondition', '<ResponseCache name="RC"><SkipCacheLookup>request.verb = </SkipCacheLookup></ResponseCache>'],
    ['InvalidTimeout', '<ResponseCache name="RC"><ExpirySettings><TimeoutInSeconds>-1</TimeoutInSeconds></ExpirySettings></ResponseCache>'],
    ['InvalidScope', '<ResponseCache name="RC"><Scope>Nowhere</Scope></ResponseCache>']
  ])('deployment error %s', (code, xml) => {
    expect(deployErrors(xml)).toContain(code)
  })
})
