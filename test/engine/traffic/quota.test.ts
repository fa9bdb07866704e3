/** Quota: counting windows per type on the engine clock, its ratelimit.<policy>.* variables, faults and deployment errors. */
import { describe, expect, it } from 'vitest'
import { T0 } from '../runtime/helpers'
import { deployErrors, rig, statuses, written } from './harness'

const quota = (inner: string, attrs = ''): string => `<Quota name="Q"${attrs}>${inner}</Quota>`
const perMinute = (allow: number, attrs = '', extra = ''): string =>
  quota(`<Allow count="${allow}"/><Interval>1</Interval><TimeUnit>minute</TimeUnit>${extra}`, attrs)
const MINUTE = 60_000

describe('Quota counting', () => {
  it('allows Allow requests per window, then answers 429 QuotaViolation with the reference envelope', async () => {
    const r = rig({ Q: perMinute(2) })
    expect(await statuses(r, 2)).toEqual([200, 200])
    const over = await r.get()
    expect(over.status).toBe(429)
    expect(over.text).toBe(
      '{"fault":{"faultstring":"Rate limit quota violation. Quota limit  exceeded. Identifier : _default","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}'
    )
    expect(over.trace.fault!.variables).toMatchObject({ 'fault.name': 'QuotaViolation', 'ratelimit.Q.failed': 'true' })
    expect(over.trace.steps.find((s) => s.policy === 'Q')!.description).toBe(
      'default quota for _default: 2 of 2 used until 2026-01-01T00:01:00.000Z; this request (weight 1) is over the limit'
    )
  })

  it('default type: the window starts at the top of the minute, so it resets at the next minute', async () => {
    const r = rig({ Q: perMinute(1) }, ['Q'], { start: T0 + 50_000 })
    expect(await statuses(r, 2)).toEqual([200, 429])
    r.at(T0 + MINUTE)
    const next = await r.get()
    expect(next.status).toBe(200)
    expect(written(next, 'Q')['ratelimit.Q.expiry.time']).toBe(String(T0 + 2 * MINUTE))
  })

  it('flexi: the window starts at the first request', async () => {
    const r = rig({ Q: perMinute(1, ' type="flexi"') }, ['Q'], { start: T0 + 50_000 })
    expect(await statuses(r, 1)).toEqual([200])
    r.at(T0 + MINUTE + 1000)
    expect(await statuses(r, 1)).toEqual([429])
    r.at(T0 + 50_000 + MINUTE)
    expect(await statuses(r, 1)).toEqual([200])
  })

  it('calendar: windows tile from StartTime', async () => {
    const xml = quota('<Allow count="1"/><Interval>1</Interval><TimeUnit>hour</TimeUnit><StartTime>2026-1-1 00:30:00</StartTime>', ' type="calendar"')
    const r = rig({ Q: xml }, ['Q'], { start: T0 + 60 * MINUTE })
    const first = await r.get()
    expect(first.status).toBe(200)
    expect(written(first, 'Q')['ratelimit.Q.expiry.time']).toBe(String(T0 + 90 * MINUTE))
    r.at(T0 + 89 * MINUTE)
    expect(await statuses(r, 1)).toEqual([429])
    r.at(T0 + 90 * MINUTE)
    expect(await statuses(r, 1)).toEqual([200])
  })

  it('calendar without StartTime deploys and tiles from the epoch (hours start on the hour)', async () => {
    const r = rig({ Q: quota('<Allow count="1"/><Interval>1</Interval><TimeUnit>hour</TimeUnit>', ' type="calendar"') }, ['Q'], { start: T0 + 30 * MINUTE })
    expect(written(await r.get(), 'Q')['ratelimit.Q.expiry.time']).toBe(String(T0 + 60 * MINUTE))
  })

  it('rollingwindow: counts the requests of the last interval', async () => {
    const r = rig({ Q: perMinute(2, ' type="rollingwindow"') })
    expect(await statuses(r, 1)).toEqual([200])
    r.advance(40_000)
    expect(await statuses(r, 2)).toEqual([200, 429])
    r.advance(20_001) // the first request left the window, the second has not
    expect(await statuses(r, 2)).toEqual([200, 429])
  })

  it('sets ratelimit.<policy>.* counts, identifier and expiry', async () => {
    const r = rig({ Q: perMinute(3) })
    await r.get()
    const second = await r.get()
    expect(written(second, 'Q')).toMatchObject({
      'ratelimit.Q.allowed.count': '3',
      'ratelimit.Q.used.count': '2',
      'ratelimit.Q.available.count': '1',
      'ratelimit.Q.exceed.count': '0',
      'ratelimit.Q.total.exceed.count': '0',
      'ratelimit.Q.expiry.time': String(T0 + MINUTE),
      'ratelimit.Q.identifier': '_default',
      'ratelimit.Q.failed': 'false'
    })
    await r.get()
    const over = await r.get()
    expect(written(over, 'Q')).toMatchObject({ 'ratelimit.Q.used.count': '3', 'ratelimit.Q.available.count': '0', 'ratelimit.Q.exceed.count': '1' })
  })

  it('Identifier ref: one counter per value, named in the violation', async () => {
    const r = rig({ Q: perMinute(1, '', '<Identifier ref="request.header.x-client"/>') })
    expect(await statuses(r, 2, { 'x-client': 'alpha' })).toEqual([200, 429])
    expect(await statuses(r, 1, { 'x-client': 'beta' })).toEqual([200])
    const over = await r.get({ 'x-client': 'beta' })
    expect(over.json.fault.faultstring).toBe('Rate limit quota violation. Quota limit  exceeded. Identifier : beta')
  })

  it('Allow countRef wins over count; count is the fallback when the ref is unresolved', async () => {
    const xml = quota('<Allow count="1" countRef="request.header.x-allow"/><Interval>1</Interval><TimeUnit>minute</TimeUnit>')
    expect(await statuses(rig({ Q: xml }), 3, { 'x-allow': '2' })).toEqual([200, 200, 429])
    expect(await statuses(rig({ Q: xml }), 2)).toEqual([200, 429])
  })

  it('Interval and TimeUnit refs, with the element text as fallback', async () => {
    const xml = quota('<Allow count="1"/><Interval ref="request.header.x-interval">1</Interval><TimeUnit ref="request.header.x-unit">minute</TimeUnit>')
    const r = rig({ Q: xml })
    const first = await r.get({ 'x-unit': 'hour', 'x-interval': '2' })
    expect(written(first, 'Q')['ratelimit.Q.expiry.time']).toBe(String(T0 + 120 * MINUTE))
    const fallback = rig({ Q: xml })
    expect(written(await fallback.get(), 'Q')['ratelimit.Q.expiry.time']).toBe(String(T0 + MINUTE))
  })

  it('Class: the limit of the class the ref names', async () => {
    const xml = quota(
      '<Allow count="1"><Class ref="request.header.x-tier"><Allow class="gold" count="3"/></Class></Allow><Interval>1</Interval><TimeUnit>minute</TimeUnit>'
    )
    const r = rig({ Q: xml })
    expect(await statuses(r, 4, { 'x-tier': 'gold' })).toEqual([200, 200, 200, 429])
    const gold = rig({ Q: xml })
    expect(written(await gold.get({ 'x-tier': 'gold' }), 'Q')).toMatchObject({ 'ratelimit.Q.class': 'gold', 'ratelimit.Q.class.allowed.count': '3', 'ratelimit.Q.class.used.count': '1' })
    expect(await statuses(rig({ Q: xml }), 2, { 'x-tier': 'bronze' })).toEqual([200, 429])
  })

  it('MessageWeight: a request counts its weight', async () => {
    const r = rig({ Q: perMinute(5, '', '<MessageWeight ref="request.header.x-weight"/>') })
    expect(await statuses(r, 1, { 'x-weight': '3' })).toEqual([200])
    expect(await statuses(r, 1, { 'x-weight': '3' })).toEqual([429])
    expect(await statuses(r, 1, { 'x-weight': '2' })).toEqual([200])
  })

  it('Distributed, Synchronous and AsynchronousConfiguration are accepted and count exactly', async () => {
    const extra = '<Distributed>true</Distributed><Synchronous>false</Synchronous><AsynchronousConfiguration><SyncIntervalInSeconds>20</SyncIntervalInSeconds><SyncMessageCount>5</SyncMessageCount></AsynchronousConfiguration>'
    expect(await statuses(rig({ Q: perMinute(1, '', extra) }), 2)).toEqual([200, 429])
  })

  it('continueOnError: the request goes on and ratelimit.<policy>.failed is true', async () => {
    const r = rig({ Q: perMinute(1, ' continueOnError="true"') })
    await r.get()
    const over = await r.get()
    expect(over.status).toBe(200)
    expect(written(over, 'Q')['ratelimit.Q.failed']).toBe('true')
  })
})

describe('Quota from the API product', () => {
  it('UseQuotaConfigInAPIProduct reads verifyapikey.<step>.apiproduct.developer.quota.*', async () => {
    const setVars = `<AssignMessage name="VK"><AssignVariable><Name>verifyapikey.VK.apiproduct.developer.quota.limit</Name><Value>2</Value></AssignVariable>
      <AssignVariable><Name>verifyapikey.VK.apiproduct.developer.quota.interval</Name><Value>1</Value></AssignVariable>
      <AssignVariable><Name>verifyapikey.VK.apiproduct.developer.quota.timeunit</Name><Value>hour</Value></AssignVariable>
      <AssignVariable><Name>verifyapikey.VK.client_id</Name><Value>app-key-1</Value></AssignVariable></AssignMessage>`
    const xml = quota('<UseQuotaConfigInAPIProduct stepName="VK"><DefaultConfig><Allow>9</Allow><Interval>1</Interval><TimeUnit>minute</TimeUnit></DefaultConfig></UseQuotaConfigInAPIProduct>')
    const r = rig({ VK: setVars, Q: xml })
    const first = await r.get()
    expect(written(first, 'Q')).toMatchObject({ 'ratelimit.Q.allowed.count': '2', 'ratelimit.Q.expiry.time': String(T0 + 60 * MINUTE), 'ratelimit.Q.identifier': 'app-key-1' })
    expect(await statuses(r, 2)).toEqual([200, 429])
  })

  it('without product variables, DefaultConfig applies', async () => {
    const xml = quota('<UseQuotaConfigInAPIProduct stepName="VK"><DefaultConfig><Allow>1</Allow><Interval>1</Interval><TimeUnit>minute</TimeUnit></DefaultConfig></UseQuotaConfigInAPIProduct>')
    expect(await statuses(rig({ Q: xml }), 2)).toEqual([200, 429])
  })
})

describe('Quota runtime faults', () => {
  it.each([
    ['FailedToResolveQuotaIntervalReference', quota('<Allow count="1"/><Interval ref="request.header.x-i"/><TimeUnit>minute</TimeUnit>'), {}],
    ['FailedToResolveQuotaIntervalReference', quota('<Allow count="1"/><Interval ref="request.header.x-i"/><TimeUnit>minute</TimeUnit>'), { 'x-i': 'soon' }],
    ['FailedToResolveQuotaIntervalTimeUnitReference', quota('<Allow count="1"/><Interval>1</Interval><TimeUnit ref="request.header.x-u"/>'), {}],
    ['FailedToResolveQuotaIntervalTimeUnitReference', quota('<Allow count="1"/><Interval>1</Interval><TimeUnit ref="request.header.x-u"/>'), { 'x-u': 'fortnight' }],
    ['FailedToResolveAllowCountReference', quota('<Allow countRef="request.header.x-a"/><Interval>1</Interval><TimeUnit>minute</TimeUnit>'), {}],
    ['FailedToResolveQuotaIntervalReference', quota('<Allow count="1"/><Interval>99999999999</Interval><TimeUnit>month</TimeUnit>'), {}],
    ['InvalidMessageWeight', perMinute(5, '', '<MessageWeight ref="request.header.x-w"/>'), { 'x-w': '1.5' }]
  ])('%s (500)', async (name, xml, headers) => {
    const result = await rig({ Q: xml }).get(headers)
    expect(result.status).toBe(500)
    expect(result.json.fault.detail.errorcode).toBe(`policies.ratelimit.${name}`)
    expect(result.trace.fault!.variables).toMatchObject({ 'fault.name': name, 'ratelimit.Q.failed': 'true' })
  })
})

describe('Quota deployment errors', () => {
  it.each([
    ['InvalidQuotaType', quota('<Allow count="1"/><Interval>1</Interval><TimeUnit>minute</TimeUnit>', ' type="weekly"'), '/Quota'],
    ['InvalidQuotaInterval', quota('<Allow count="1"/><Interval>one</Interval><TimeUnit>minute</TimeUnit>'), '/Quota/Interval'],
    ['InvalidQuotaTimeUnit', quota('<Allow count="1"/><Interval>1</Interval><TimeUnit>fortnight</TimeUnit>'), '/Quota/TimeUnit'],
    ['InvalidStartTime', quota('<Allow count="1"/><Interval>1</Interval><TimeUnit>hour</TimeUnit><StartTime>2026/01/01</StartTime>', ' type="calendar"'), '/Quota/StartTime'],
    ['StartTimeNotSupported', quota('<Allow count="1"/><Interval>1</Interval><TimeUnit>hour</TimeUnit><StartTime>2026-01-01 00:00:00</StartTime>', ' type="flexi"'), '/Quota/StartTime'],
    ['InvalidTimeUnitForDistributedQuota', quota('<Allow count="1"/><Interval>1</Interval><TimeUnit>second</TimeUnit><Distributed>true</Distributed>'), '/Quota/TimeUnit'],
    [
      'InvalidAsynchronizeConfigurationForSynchronousQuota',
      perMinute(1, '', '<Synchronous>true</Synchronous><AsynchronousConfiguration><SyncIntervalInSeconds>5</SyncIntervalInSeconds></AsynchronousConfiguration>'),
      '/Quota/AsynchronousConfiguration'
    ],
    [
      'InvalidSynchronizeIntervalForAsyncConfiguration',
      perMinute(1, '', '<AsynchronousConfiguration><SyncIntervalInSeconds>-5</SyncIntervalInSeconds></AsynchronousConfiguration>'),
      '/Quota/AsynchronousConfiguration/SyncIntervalInSeconds'
    ],
    ['InvalidQuotaAllowCount', quota('<Interval>1</Interval><TimeUnit>minute</TimeUnit>'), '/Quota'],
    ['InvalidStepName', quota('<UseQuotaConfigInAPIProduct><DefaultConfig><Allow>1</Allow><Interval>1</Interval><TimeUnit>minute</TimeUnit></DefaultConfig></UseQuotaConfigInAPIProduct>'), '/Quota/UseQuotaConfigInAPIProduct'],
    ['InvalidQuotaAllowCount', quota('<Allow count="many"/><Interval>1</Interval><TimeUnit>minute</TimeUnit>'), '/Quota/Allow']
  ])('%s', (code, xml, path) => {
    expect(deployErrors(xml)).toContainEqual({ code, path })
  })

  it('a well-formed Quota deploys', () => {
    expect(deployErrors(perMinute(5))).toEqual([])
  })
})
