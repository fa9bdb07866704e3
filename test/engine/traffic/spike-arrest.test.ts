/** SpikeArrest: Apigee's smoothing, UseEffectiveCount, identifiers, weights, faults and deployment errors. */
import { describe, expect, it } from 'vitest'
import { deployErrors, rig, statuses, written } from './harness'

const spike = (inner: string, attrs = ''): string => `<SpikeArrest name="S"${attrs}>${inner}</SpikeArrest>`

describe('SpikeArrest', () => {
  it('10ps allows one request per 100 ms window, not ten at once; 429 with the reference envelope', async () => {
    const r = rig({ S: spike('<Rate>10ps</Rate>') })
    expect((await r.get()).status).toBe(200)
    const over = await r.get()
    expect(over.status).toBe(429)
    expect(over.text).toBe(
      '{"fault":{"faultstring":"Spike arrest violation. Allowed rate : MessageRate{capacity=10, period=Seconds}","detail":{"errorcode":"policies.ratelimit.SpikeArrestViolation"}}}'
    )
    expect(over.trace.fault!.variables).toMatchObject({ 'fault.name': 'SpikeArrestViolation', 'ratelimit.S.failed': 'true' })
    r.advance(99)
    expect(await statuses(r, 1)).toEqual([429])
    r.advance(1)
    expect(await statuses(r, 2)).toEqual([200, 429])
  })

  it('30pm: one request every 2 seconds, period Minutes in the faultstring', async () => {
    const r = rig({ S: spike('<Rate>30pm</Rate>') })
    expect(await statuses(r, 1)).toEqual([200])
    r.advance(1999)
    const over = await r.get()
    expect(over.json.fault.faultstring).toBe('Spike arrest violation. Allowed rate : MessageRate{capacity=30, period=Minutes}')
    r.advance(1)
    expect(await statuses(r, 1)).toEqual([200])
  })

  it('UseEffectiveCount: the whole rate within a sliding second', async () => {
    const r = rig({ S: spike('<Rate>3ps</Rate><UseEffectiveCount>true</UseEffectiveCount>') })
    expect(await statuses(r, 4)).toEqual([200, 200, 200, 429])
    r.advance(999)
    expect(await statuses(r, 1)).toEqual([429])
    r.advance(1)
    expect(await statuses(r, 4)).toEqual([200, 200, 200, 429])
  })

  it('Rate ref wins over the text', async () => {
    const r = rig({ S: spike('<Rate ref="request.header.x-rate">1ps</Rate><UseEffectiveCount>true</UseEffectiveCount>') })
    expect(await statuses(r, 3, { 'x-rate': '2ps' })).toEqual([200, 200, 429])
  })

  it('Identifier: one allowance per value', async () => {
    const r = rig({ S: spike('<Rate>1ps</Rate><Identifier ref="request.header.x-client"/>') })
    expect(await statuses(r, 2, { 'x-client': 'a' })).toEqual([200, 429])
    expect(await statuses(r, 1, { 'x-client': 'b' })).toEqual([200])
  })

  it('MessageWeight: a weighted request uses that many windows', async () => {
    const r = rig({ S: spike('<Rate>10ps</Rate><MessageWeight ref="request.header.x-weight"/>') })
    expect(await statuses(r, 1, { 'x-weight': '3' })).toEqual([200])
    r.advance(200)
    expect(await statuses(r, 1)).toEqual([429])
    r.advance(100)
    expect(await statuses(r, 1)).toEqual([200])
  })

  it('sets ratelimit.<policy>.failed = false when the request passes; continueOnError lets the next one through', async () => {
    const r = rig({ S: spike('<Rate>1ps</Rate>', ' continueOnError="true"') })
    expect(written(await r.get(), 'S')['ratelimit.S.failed']).toBe('false')
    const over = await r.get()
    expect(over.status).toBe(200)
    expect(written(over, 'S')['ratelimit.S.failed']).toBe('true')
  })

  it.each([
    ['FailedToResolveSpikeArrestRate', spike('<Rate ref="request.header.x-rate"/>'), {}],
    ['FailedToResolveSpikeArrestRate', spike('<Rate ref="request.header.x-rate"/>'), { 'x-rate': 'lots' }],
    ['InvalidMessageWeight', spike('<Rate>10ps</Rate><MessageWeight ref="request.header.x-weight"/>'), { 'x-weight': 'heavy' }]
  ])('%s (500)', async (name, xml, headers) => {
    const result = await rig({ S: xml }).get(headers)
    expect(result.status).toBe(500)
    expect(result.json.fault.detail.errorcode).toBe(`policies.ratelimit.${name}`)
    expect(result.trace.fault!.variables).toMatchObject({ 'fault.name': name, 'ratelimit.S.failed': 'true' })
  })

  it.each([
    ['10 per second', '/SpikeArrest/Rate'],
    ['0ps', '/SpikeArrest/Rate'],
    ['10ph', '/SpikeArrest/Rate']
  ])('InvalidAllowedRate for <Rate>%s</Rate>', (rate, path) => {
    expect(deployErrors(spike(`<Rate>${rate}</Rate>`))).toContainEqual({ code: 'InvalidAllowedRate', path })
  })

  it('InvalidAllowedRate without <Rate>; a well-formed SpikeArrest deploys', () => {
    expect(deployErrors(spike(''))).toContainEqual({ code: 'InvalidAllowedRate', path: '/SpikeArrest' })
    expect(deployErrors(spike('<Rate>30pm</Rate><Identifier ref="client_id"/><UseEffectiveCount>false</UseEffectiveCount>'))).toEqual([])
  })
})
