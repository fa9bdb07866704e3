/** PopulateCache, LookupCache, InvalidateCache: keys, scopes, expiry on the engine clock, variables and faults. */
import { describe, expect, it } from 'vitest'
import { T0 } from '../runtime/helpers'
import { deployErrors, rig, written } from './harness'

const key = (fragments = '<KeyFragment ref="request.header.x-user"/>', prefix = ''): string =>
  `<CacheKey>${prefix ? `<Prefix>${prefix}</Prefix>` : ''}${fragments}</CacheKey>`
const populate = (inner: string, name = 'PC'): string =>
  `<PopulateCache name="${name}"><CacheResource>users</CacheResource>${inner}<Source>request.header.x-value</Source></PopulateCache>`
const lookup = (inner: string, name = 'LC'): string =>
  `<LookupCache name="${name}"><CacheResource>users</CacheResource>${inner}<AssignTo>found</AssignTo></LookupCache>`
/** Populates only when x-value is sent, then looks up and shows the result in x-found. */
const steps = ['PC', 'LC', 'Show']
const show = '<AssignMessage name="Show"><Set><Headers><Header name="x-found">{found}</Header></Headers></Set><AssignTo createNew="false" type="request"/></AssignMessage>'

function cacheRig(policies: Record<string, string>, order = steps) {
  return rig({ Show: show, ...policies }, {
    steps: order,
    response: '<Step><Name>Echo</Name></Step>'
  })
}

describe('PopulateCache / LookupCache', () => {
  it('caches the Source under the key, hits until TimeoutInSeconds passes on the engine clock', async () => {
    const echo = '<AssignMessage name="Echo"><Set><Headers><Header name="x-found">{found}</Header><Header name="x-hit">{lookupcache.LC.cachehit}</Header></Headers></Set><AssignTo createNew="false" type="response"/></AssignMessage>'
    const r = cacheRig({
      Echo: echo,
      PC: `<PopulateCache name="PC" continueOnError="false"><CacheResource>users</CacheResource>${key()}<ExpirySettings><TimeoutInSeconds>60</TimeoutInSeconds></ExpirySettings><Source>request.header.x-value</Source></PopulateCache>`,
      LC: lookup(key())
    })
    const first = await r.get({ 'x-user': 'ann', 'x-value': 'gold' })
    expect(first.header('x-found')).toBe('gold')
    expect(written(first, 'PC')).toMatchObject({ 'populatecache.PC.cachekey': 'acme__test__p__1__default__ann', 'populatecache.PC.cachename': 'users' })
    const hit = await r.get({ 'x-user': 'ann' })
    expect(hit.header('x-hit')).toBe('true')
    expect(hit.header('x-found')).toBe('gold')
    expect(written(hit, 'LC')).toMatchObject({ 'lookupcache.LC.cachehit': 'true', 'lookupcache.LC.cachekey': 'acme__test__p__1__default__ann', 'lookupcache.LC.assignto': 'found' })
    expect((await r.get({ 'x-user': 'bob' })).header('x-hit')).toBe('false')
    r.advance(59_999)
    expect((await r.get({ 'x-user': 'ann' })).header('x-hit')).toBe('true')
    r.advance(1)
    const expired = await r.get({ 'x-user': 'ann' })
    expect(expired.header('x-hit')).toBe('false')
    expect(written(expired, 'LC')).not.toHaveProperty('found')
  })

  it('Prefix replaces the scope; fragments join with __; Global scope is shared by proxies in the environment', async () => {
    const r = cacheRig({ Echo: show.replace('type="request"', 'type="response"').replace('name="Show"', 'name="Echo"'), PC: populate(key('<KeyFragment>v1</KeyFragment><KeyFragment ref="request.header.x-user"/>', 'acct')), LC: lookup(key('<KeyFragment>v1</KeyFragment><KeyFragment ref="request.header.x-user"/>', 'acct')) })
    const result = await r.get({ 'x-user': 'ann', 'x-value': 'silver' })
    expect(written(result, 'PC')['populatecache.PC.cachekey']).toBe('acct__v1__ann')
    const g = cacheRig({ Echo: show.replace('type="request"', 'type="response"').replace('name="Show"', 'name="Echo"'), PC: populate(`<Scope>Global</Scope>${key()}`), LC: lookup(`<Scope>Global</Scope>${key()}`) })
    expect(written(await g.get({ 'x-user': 'ann', 'x-value': 'x' }), 'LC')['lookupcache.LC.cachekey']).toBe('acme__test__ann')
  })

  it('ExpiryDate and TimeOfDay (ref wins) expire at that UTC instant', async () => {
    const echo = '<AssignMessage name="Echo"><Set><Headers><Header name="x-hit">{lookupcache.LC.cachehit}</Header></Headers></Set><AssignTo createNew="false" type="response"/></AssignMessage>'
    const byDate = cacheRig({ Echo: echo, PC: populate(`${key()}<ExpirySettings><ExpiryDate>01-01-2026</ExpiryDate></ExpirySettings>`), LC: lookup(key()) })
    await byDate.get({ 'x-user': 'a', 'x-value': 'v' })
    byDate.advance(86_400_000 - 1)
    expect((await byDate.get({ 'x-user': 'a' })).header('x-hit')).toBe('true')
    byDate.advance(1)
    expect((await byDate.get({ 'x-user': 'a' })).header('x-hit')).toBe('false')

    const byTime = cacheRig({ Echo: echo, PC: populate(`${key()}<ExpirySettings><TimeOfDay ref="request.header.x-at">23:00:00</TimeOfDay></ExpirySettings>`), LC: lookup(key()) })
    expect(T0 % 86_400_000).toBe(0)
    await byTime.get({ 'x-user': 'a', 'x-value': 'v', 'x-at': '02:00:00' })
    byTime.advance(2 * 3_600_000 - 1)
    expect((await byTime.get({ 'x-user': 'a' })).header('x-hit')).toBe('true')
    byTime.advance(1)
    expect((await byTime.get({ 'x-user': 'a' })).header('x-hit')).toBe('false')
  })

  it('caches are per environment and per CacheResource', async () => {
    const echo = '<AssignMessage name="Echo"><Set><Headers><Header name="x-hit">{lookupcache.LC.cachehit}</Header></Headers></Set><AssignTo createNew="false" type="response"/></AssignMessage>'
    const r = cacheRig({
      Echo: echo,
      PC: populate(key('<KeyFragment>k</KeyFragment>', 'shared')),
      LC: `<LookupCache name="LC"><CacheResource>other</CacheResource>${key('<KeyFragment>k</KeyFragment>', 'shared')}<AssignTo>found</AssignTo></LookupCache>`
    })
    expect((await r.get({ 'x-value': 'v' })).header('x-hit')).toBe('false')
  })

  it('EntryCannotBeCached (500) for a message Source', async () => {
    const r = rig({ PC: `<PopulateCache name="PC">${key('<KeyFragment>k</KeyFragment>', 'm')}<Source>request</Source></PopulateCache>` })
    const result = await r.get()
    expect(result.status).toBe(500)
    expect(result.json).toEqual({ fault: { faultstring: 'Entry m__k can not be cached. Only serializable entries are cached.', detail: { errorcode: 'policies.populatecache.EntryCannotBeCached' } } })
    expect(result.trace.fault!.variables).toMatchObject({ 'fault.name': 'EntryCannotBeCached', 'populatecache.PC.failed': 'true' })
  })
})

describe('InvalidateCache', () => {
  const echo = '<AssignMessage name="Echo"><Set><Headers><Header name="x-hit">{lookupcache.LC.cachehit}</Header></Headers></Set><AssignTo createNew="false" type="response"/></AssignMessage>'
  const child = (id: string): string => key(`<KeyFragment>orders</KeyFragment><KeyFragment>${id}</KeyFragment>`, 'shop')

  it('removes the entry; PurgeChildEntries also removes entries under it', async () => {
    const purge = (flag: string) =>
      cacheRig(
        {
          Echo: echo,
          PC: populate(child('1')),
          PC2: populate(child('2'), 'PC2'),
          IC: `<InvalidateCache name="IC"><CacheResource>users</CacheResource>${key('<KeyFragment>orders</KeyFragment>', 'shop')}<PurgeChildEntries>${flag}</PurgeChildEntries></InvalidateCache>`,
          LC: lookup(child('1'))
        },
        ['PC', 'PC2', 'IC', 'LC']
      )
    const kept = purge('false')
    const result = await kept.get({ 'x-value': 'v' })
    expect(result.header('x-hit')).toBe('true')
    expect(written(result, 'IC')['invalidatecache.IC.cachekey']).toBe('shop__orders')
    expect((await purge('true').get({ 'x-value': 'v' })).header('x-hit')).toBe('false')

    const exact = cacheRig(
      { Echo: echo, PC: populate(child('1')), IC: `<InvalidateCache name="IC"><CacheResource>users</CacheResource>${child('1')}</InvalidateCache>`, LC: lookup(child('1')) },
      ['PC', 'IC', 'LC']
    )
    expect((await exact.get({ 'x-value': 'v' })).header('x-hit')).toBe('false')
  })
})

describe('cache deployment errors', () => {
  it.each([
    ['InvalidTimeout', populate(`${key()}<ExpirySettings><TimeoutInSeconds>soon</TimeoutInSeconds></ExpirySettings>`)],
    ['InvalidExpiryDate', populate(`${key()}<ExpirySettings><ExpiryDate>2026-01-01</ExpiryDate></ExpirySettings>`)],
    ['InvalidTimeOfDay', populate(`${key()}<ExpirySettings><TimeOfDay>25:00:00</TimeOfDay></ExpirySettings>`)],
    ['InvalidExpirySettings', populate(`${key()}<ExpirySettings><TimeoutInSeconds>5</TimeoutInSeconds><TimeOfDay>10:00:00</TimeOfDay></ExpirySettings>`)],
    ['InvalidScope', lookup(`<Scope>Planet</Scope>${key()}`)],
    ['InvalidCacheKey', lookup('<CacheKey><Prefix>x</Prefix></CacheKey>')],
    ['InvalidKeyFragment', lookup('<CacheKey><KeyFragment/></CacheKey>')],
    ['InvalidAssignTo', `<LookupCache name="LC">${key()}</LookupCache>`],
    ['InvalidSource', `<PopulateCache name="PC">${key()}</PopulateCache>`]
  ])('%s', (code, xml) => {
    expect(deployErrors(xml)).toContain(code)
  })
})
