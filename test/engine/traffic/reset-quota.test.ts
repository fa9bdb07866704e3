/** ResetQuota: giving quota back to a Quota counter, its faults and deployment errors. */
import { describe, expect, it } from 'vitest'
import { deployErrors, rig, statuses } from './harness'

const QUOTA = '<Quota name="Q"><Allow count="2"/><Interval>1</Interval><TimeUnit>hour</TimeUnit><Identifier ref="request.header.x-client"/></Quota>'
const reset = (inner: string): string => `<ResetQuota name="R">${inner}</ResetQuota>`
/** R runs before Q on every request: it gives back to the window Q's earlier requests opened. */
const withReset = (xml: string) => rig({ Q: QUOTA, R: xml }, ['R', 'Q'])

describe('ResetQuota', () => {
  it('gives Allow back to the identifier named by ref, so the next requests pass again', async () => {
    expect(await statuses(rig({ Q: QUOTA }), 3, { 'x-client': 'alpha' })).toEqual([200, 200, 429])
    const both = withReset(reset('<Quota name="Q"><Identifier ref="request.header.x-client"><Allow ref="request.header.x-give">1</Allow></Identifier></Quota>'))
    expect(await statuses(both, 3, { 'x-client': 'alpha' })).toEqual([200, 200, 200])
    expect(await statuses(both, 1, { 'x-client': 'alpha', 'x-give': '0' })).toEqual([200])
    expect(await statuses(both, 1, { 'x-client': 'alpha', 'x-give': '0' })).toEqual([429])
  })

  it('Identifier name: a literal identifier; other identifiers keep their counts', async () => {
    const r = withReset(reset('<Quota name="Q"><Identifier name="beta"><Allow>5</Allow></Identifier></Quota>'))
    expect(await statuses(r, 3, { 'x-client': 'alpha' })).toEqual([200, 200, 429])
    expect(await statuses(r, 4, { 'x-client': 'beta' })).toEqual([200, 200, 200, 200])
  })

  it('a rolling window gives back its oldest requests first', async () => {
    const rolling = '<Quota name="Q" type="rollingwindow"><Allow count="2"/><Interval>1</Interval><TimeUnit>minute</TimeUnit></Quota>'
    const r = rig({ Q: rolling, R: reset('<Quota name="Q"><Identifier name="_default"><Allow ref="request.header.x-give">0</Allow></Identifier></Quota>') }, ['R', 'Q'])
    expect(await statuses(r, 2)).toEqual([200, 200])
    r.advance(30_000)
    const after = await r.get({ 'x-give': '1' })
    expect(after.status).toBe(200)
    expect(after.trace.steps.find((s) => s.policy === 'R')!.description).toBe('Q for _default: 1 given back, 1 now used')
    // At 60 s both first requests have left the window; the one at 30 s still counts.
    r.advance(30_000)
    expect(await statuses(r, 2)).toEqual([200, 429])
  })

  it.each([
    ['InvalidRLPolicy', reset('<Quota name="Missing"><Identifier name="a"><Allow>1</Allow></Identifier></Quota>'), {}],
    ['FailedToResolveRLPolicy', reset('<Quota name="Q"><Identifier ref="request.header.x-who"><Allow>1</Allow></Identifier></Quota>'), {}],
    ['FailedToResolveAllowCountRef', reset('<Quota name="Q"><Identifier name="a"><Allow ref="request.header.x-give"/></Identifier></Quota>'), {}]
  ])('%s (500)', async (name, xml, headers) => {
    const result = await withReset(xml).get(headers)
    expect(result.status).toBe(500)
    expect(result.json.fault.detail.errorcode).toBe(`policies.resetquota.${name}`)
    expect(result.trace.fault!.variables).toMatchObject({ 'fault.name': name, 'resetquota.R.failed': 'true' })
  })

  it.each([
    ['InvalidCount', reset('<Quota name="Q"><Identifier name="a"><Allow>lots</Allow></Identifier></Quota>'), '/ResetQuota/Quota/Identifier/Allow'],
    ['InvalidCount', reset('<Quota name="Q"><Identifier name="a"/></Quota>'), '/ResetQuota/Quota/Identifier'],
    ['InvalidRLPolicy', reset(''), '/ResetQuota']
  ])('deployment error %s', (code, xml, path) => {
    expect(deployErrors(xml)).toContainEqual({ code, path })
  })
})
