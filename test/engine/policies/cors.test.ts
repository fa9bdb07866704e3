import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from './standard-helpers'
import { explainTrace } from '../../../src/engine/explain'
import { workspace } from '../runtime/helpers'

const cors = (inner = '') => `<CORS name="Add-CORS">
  <AllowOrigins>${inner.includes('<AllowOrigins>') ? '' : 'https://app.example, {allowed.origin}'}</AllowOrigins>
  <AllowMethods>GET, POST</AllowMethods>
  <AllowHeaders>content-type, x-api-key</AllowHeaders>
  <ExposeHeaders>X-Total</ExposeHeaders>
  <MaxAge>600</MaxAge>
  ${inner}
</CORS>`
const reflect = `<CORS name="Add-CORS"><AllowOrigins>{request.header.origin}</AllowOrigins><AllowCredentials>true</AllowCredentials></CORS>`
const star = `<CORS name="Add-CORS"><AllowOrigins>*</AllowOrigins></CORS>`
const stamp = `<AssignMessage name="Stamp"><Set><Headers><Header name="X-After">ran</Header></Headers></Set></AssignMessage>`
const show = `<AssignMessage name="Show"><Set><Headers><Header name="X-Preflight">{cors.isPreflightRequest}</Header></Headers></Set></AssignMessage>`
const preflightHeaders = { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' }

describe('CORS', () => {
  test('a preflight is answered 200 by the policy: no later step, no target', async () => {
    const r = await runWith({ policies: { 'Add-CORS': cors(), Stamp: stamp }, request: ['Add-CORS', 'Stamp'], response: ['Stamp'] }, 'OPTIONS', '/p/orders', preflightHeaders)
    expect(r.status).toBe(200)
    expect(r.text).toBe('')
    expect(r.header('access-control-allow-origin')).toBe('https://app.example')
    expect(r.header('access-control-allow-methods')).toBe('GET, POST')
    expect(r.header('access-control-allow-headers')).toBe('content-type, x-api-key')
    expect(r.header('access-control-max-age')).toBe('600')
    expect(r.header('access-control-allow-credentials')).toBeUndefined()
    expect(r.header('x-after')).toBeUndefined()
    expect(r.trace.steps.some((s) => s.kind === 'target')).toBe(false)
    expect(r.trace.fault).toBeNull()
    expect(r.trace.steps.find((s) => s.policy === 'Add-CORS')!.description).toContain('preflight')
  })

  test('defaults: methods, headers and a max age of 1800 s', async () => {
    const r = await runWith({ policies: { 'Add-CORS': star }, request: ['Add-CORS'] }, 'OPTIONS', '/p', preflightHeaders)
    expect([r.header('access-control-allow-origin'), r.header('access-control-allow-methods'), r.header('access-control-allow-headers'), r.header('access-control-max-age')]).toEqual([
      '*',
      'GET, PUT, POST, DELETE',
      'origin, x-requested-with, accept, content-type',
      '1800'
    ])
  })

  test('MaxAge -1 sends no Access-Control-Max-Age', async () => {
    const r = await runWith({ policies: { 'Add-CORS': star.replace('</CORS>', '<MaxAge>-1</MaxAge></CORS>') }, request: ['Add-CORS'] }, 'OPTIONS', '/p', preflightHeaders)
    expect(r.header('access-control-max-age')).toBeUndefined()
  })

  test('a simple cross-origin request reaches the target and its response carries the headers', async () => {
    const r = await runWith({ policies: { 'Add-CORS': cors(), Show: show }, request: ['Add-CORS', 'Show'] }, 'GET', '/p/orders', { Origin: 'https://app.example' })
    expect(r.status).toBe(200)
    expect(r.json.method).toBe('GET')
    expect(r.json.headers['x-preflight']).toBe('false')
    expect(r.header('access-control-allow-origin')).toBe('https://app.example')
    expect(r.header('access-control-expose-headers')).toBe('X-Total')
    expect(r.header('vary')).toBe('Origin')
    expect(r.header('access-control-allow-methods')).toBeUndefined()
  })

  test('cors.isPreflightRequest is true for a preflight when the policy does not answer it', async () => {
    const r = await runWith(
      { policies: { 'Add-CORS': cors('<GeneratePreflightResponse>false</GeneratePreflightResponse>'), Show: show }, request: ['Add-CORS', 'Show'] },
      'OPTIONS',
      '/p',
      preflightHeaders
    )
    expect(r.json.method).toBe('OPTIONS')
    expect(r.json.headers['x-preflight']).toBe('true')
    expect(r.header('access-control-allow-origin')).toBe('https://app.example')
  })

  test('an origin from a flow variable in AllowOrigins is allowed; another is not', async () => {
    const setVar = `<AssignMessage name="Set"><AssignVariable><Name>allowed.origin</Name><Value>https://other.example</Value></AssignVariable></AssignMessage>`
    const ok = await runWith({ policies: { Set: setVar, 'Add-CORS': cors() }, request: ['Set', 'Add-CORS'] }, 'GET', '/p', { Origin: 'https://other.example' })
    expect(ok.header('access-control-allow-origin')).toBe('https://other.example')
    const no = await runWith({ policies: { 'Add-CORS': cors() }, request: ['Add-CORS'] }, 'GET', '/p', { Origin: 'https://evil.example' })
    expect(no.status).toBe(200)
    expect(no.header('access-control-allow-origin')).toBeUndefined()
  })

  test('{request.header.origin} with credentials reflects the origin and allows credentials', async () => {
    const r = await runWith({ policies: { 'Add-CORS': reflect }, request: ['Add-CORS'] }, 'GET', '/p', { Origin: 'https://x.example' })
    expect([r.header('access-control-allow-origin'), r.header('access-control-allow-credentials')]).toEqual(['https://x.example', 'true'])
  })

  test('the headers are added to a fault response too', async () => {
    const fail = `<RaiseFault name="Fail"/>`
    const r = await runWith({ policies: { 'Add-CORS': star, Fail: fail }, request: ['Add-CORS', 'Fail'] }, 'GET', '/p', { Origin: 'https://x.example' })
    expect([r.status, r.header('access-control-allow-origin')]).toEqual([500, '*'])
  })

  test('no Origin header: no CORS headers', async () => {
    const r = await runWith({ policies: { 'Add-CORS': star }, request: ['Add-CORS'] }, 'GET', '/p')
    expect(r.header('access-control-allow-origin')).toBeUndefined()
  })

  test('an unresolved AllowOrigins variable with IgnoreUnresolvedVariables=false -> 500 steps.cors.UnresolvedVariable', async () => {
    const strict = `<CORS name="Add-CORS"><AllowOrigins>{allowed.origin}</AllowOrigins><IgnoreUnresolvedVariables>false</IgnoreUnresolvedVariables></CORS>`
    const r = await runWith({ policies: { 'Add-CORS': strict }, request: ['Add-CORS'] }, 'GET', '/p', { Origin: 'https://x.example' })
    expect([r.status, r.text]).toEqual([
      500,
      '{"fault":{"faultstring":"CORS[Add-CORS]: Unable to resolve variable allowed.origin","detail":{"errorcode":"steps.cors.UnresolvedVariable"}}}'
    ])
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'UnresolvedVariable', 'cors.Add-CORS.failed': 'true' })
  })

  test.each([
    ['<CORS name="B"><AllowMethods>GET</AllowMethods></CORS>', ['MissingAllowOrigins']],
    ['<CORS name="B"><AllowOrigins>*</AllowOrigins><MaxAge>soon</MaxAge></CORS>', ['InvalidMaxAge']],
    ['<CORS name="B"><AllowOrigins>*</AllowOrigins><MaxAge>-5</MaxAge></CORS>', ['InvalidMaxAge']],
    ['<CORS name="B"><AllowOrigins>*</AllowOrigins><AllowMethods>GET, P(ST</AllowMethods></CORS>', ['InvalidHTTPMethod']]
  ])('deployment error %#', (xml, codes) => {
    expect(deployErrors({ B: xml })).toEqual(codes)
  })
})

test('CORS UnresolvedVariable explanation says how to fix it', async () => {
  const strict = `<CORS name="Add-CORS"><AllowOrigins>{allowed.origin}</AllowOrigins><IgnoreUnresolvedVariables>false</IgnoreUnresolvedVariables></CORS>`
  const r = await runWith({ policies: { 'Add-CORS': strict }, request: ['Add-CORS'] }, 'GET', '/p', { Origin: 'https://x.example' })
  const d = explainTrace(workspace([]), r.trace)!
  expect([d.code, d.cause]).toEqual([
    'payload-rejected',
    '<AllowOrigins> of Add-CORS references a variable with no value (CORS[Add-CORS]: Unable to resolve variable allowed.origin): set it before the CORS step, or set <IgnoreUnresolvedVariables> to true'
  ])
})
