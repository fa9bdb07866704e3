import { describe, expect, test } from 'vitest'
import { TraceBuffer } from '../../../src/engine/trace/buffer'
import { SecretMasker, secretKindOfVariable } from '../../../src/engine/trace/mask'
import type { TraceRecord } from '../../../src/shared/trace'
import { T0, call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace } from './helpers'

describe('trace records', () => {
  const p = proxy({
    name: 'traced',
    basePath: '/traced',
    policies: {
      Who: `<AssignMessage name="Who"><AssignVariable><Name>developer.app.name</Name><Value>weather-app</Value></AssignVariable><AssignVariable><Name>client_id</Name><Value>abc123client</Value></AssignVariable><AssignVariable><Name>access_token</Name><Value>tok_abcdefghijklmnop</Value></AssignVariable></AssignMessage>`,
      Leak: `<AssignMessage name="Leak"><Set><Headers><Header name="X-Backend-Key">{private.backendKey}</Header></Headers></Set></AssignMessage>`,
      Token: `<AssignMessage name="Token"><AssignTo createNew="false" type="response"/><Set><Payload contentType="application/json">{"access_token":"abcdefghijklmnopqrstuvwxyz","client_secret":"s3cr3t-value","n":1}</Payload></Set></AssignMessage>`
    },
    proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('Who')}${step('Leak')}</Request><Response>${step('Token')}</Response></PreFlow>`) }
  })

  test('summary fields, steps with reads and writes, secrets masked everywhere', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([p]))
    const r = await call(engine, 'test', 'POST', '/traced/x?q=1', {
      Authorization: 'Basic dXNlcjpwYXNzd29yZA==',
      'Content-Type': 'application/x-www-form-urlencoded'
    }, 'grant_type=client_credentials&client_secret=topsecret&code=authcode12345678')
    const t = r.trace
    expect(t).toMatchObject({ environment: 'test', proxy: 'traced', method: 'POST', path: '/traced/x', status: 200, faultName: null, app: 'weather-app', clientId: 'abc123client' })
    expect(t.request.headers).toContainEqual(['Authorization', 'Basic dXNl********'])
    expect(t.request.body).toBe('grant_type=client_credentials&client_secret=********&code=auth********')
    expect(t.targetRequest!.headers).toContainEqual(['X-Backend-Key', '********'])
    expect(t.response.body).toBe('{"access_token":"abcd********","client_secret":"********","n":1}')
    expect(r.text).toBe('{"access_token":"abcdefghijklmnopqrstuvwxyz","client_secret":"s3cr3t-value","n":1}')
    const who = t.steps.find((s) => s.policy === 'Who')!
    expect(who.writes).toEqual([
      { name: 'developer.app.name', value: 'weather-app', previous: null },
      { name: 'client_id', value: 'abc123client', previous: null },
      { name: 'access_token', value: 'tok_********', previous: null }
    ])
    const leak = t.steps.find((s) => s.policy === 'Leak')!
    expect(leak.reads).toEqual([{ name: 'private.backendKey', value: '********' }])
    expect(t.variables['access_token']).toBe('tok_********')
    expect(t.variables['request.header.Authorization']).toBe('Basic dXNl********')
    expect(t.variables['request.formparam.client_secret']).toBe('********')
    expect(JSON.stringify(t)).not.toContain('sup3r-s3cret-value')
    expect(JSON.stringify(t)).not.toContain('topsecret')
    expect(engine.traces.get(t.id)).toEqual(JSON.parse(JSON.stringify(t)))
    // The response flow changed the target's answer: both are kept.
    expect(t.targetResponse!.body).toContain('"method":"POST"')
    expect(t.targetResponse!.body).not.toBe(t.response.body)
  })

  test('a proxy without steps in front of the echo target: every field of its (compactly kept) trace', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([proxy({ name: 'pass', basePath: '/pass' })]))
    const r = await call(engine, 'test', 'get', '/pass/a/b?x=1&y=two', { Host: 'gw.example:9001', Connection: 'keep-alive', Accept: 'text/plain' })
    expect(r.status).toBe(200)
    const stored = engine.traces.get(r.trace.id)!
    const answer = r.text
    expect(stored).toEqual({
      id: r.trace.id,
      messageId: r.trace.id,
      startedAt: T0,
      durationMs: expect.any(Number),
      environment: 'test',
      proxy: 'pass',
      method: 'GET',
      path: '/pass/a/b',
      status: 200,
      faultName: null,
      app: null,
      clientId: null,
      request: { method: 'GET', url: '/pass/a/b?x=1&y=two', headers: [['Host', 'gw.example:9001'], ['Connection', 'keep-alive'], ['Accept', 'text/plain']], body: '' },
      // Sent on as received, minus the hop-by-hop headers.
      targetRequest: { method: 'GET', url: 'echo://a/b?x=1&y=two', headers: [['Accept', 'text/plain']], body: '' },
      targetResponse: { status: 200, reasonPhrase: 'OK', headers: [['Content-Type', 'application/json']], body: answer },
      response: { status: 200, reasonPhrase: 'OK', headers: [['Content-Type', 'application/json']], body: answer },
      steps: [
        {
          index: 0, kind: 'route', phase: 'proxy-request', endpoint: 'ProxyEndpoint:default', description: 'RouteRule default -> TargetEndpoint default',
          executed: true, startedAt: expect.any(Number), durationMs: 0, reads: [], writes: []
        },
        {
          index: 1, kind: 'target', phase: 'target', endpoint: 'TargetEndpoint:default', description: 'Echo target answered 200',
          executed: true, startedAt: expect.any(Number), durationMs: expect.any(Number), reads: [], writes: []
        }
      ],
      fault: null,
      variables: expect.objectContaining({
        messageid: r.trace.id,
        'proxy.pathsuffix': '/a/b',
        'proxy.url': 'http://gw.example:9001/pass/a/b?x=1&y=two',
        'client.received.start.timestamp': String(T0),
        'request.header.Accept': 'text/plain',
        'request.queryparam.y': 'two',
        'response.header.Content-Type': 'application/json'
      })
    })
    // Step times are the exchange's start plus monotonic elapsed time: in order, never before the start.
    expect(Number(stored.variables['target.received.end.timestamp'])).toBeGreaterThanOrEqual(T0)
    const [route, target] = stored.steps
    expect(route!.startedAt).toBeGreaterThanOrEqual(T0)
    expect(target!.startedAt).toBeGreaterThanOrEqual(route!.startedAt)
    expect(JSON.parse(answer)).toMatchObject({ path: '/a/b', query: { x: '1', y: 'two' }, headers: { accept: 'text/plain' } })
  })

  test('header values are kept exactly, also ones no listener would pass (a line break, empty names and values)', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([proxy({ name: 'pass', basePath: '/pass' })]))
    for (const headers of [[], [['', '']], [['X-A', 'one\ntwo'], ['Host', 'h']], [['X-Colon', 'a:b'], ['X-Empty', '']]] as Array<Array<[string, string]>>) {
      const { trace } = await engine.handle('test', { method: 'GET', url: '/pass', headers, body: new Uint8Array(0), clientIp: '127.0.0.1', clientPort: 1 })
      expect(engine.traces.get(trace.id)!.request.headers).toEqual(headers)
    }
  })
})

describe('secret classification', () => {
  test.each([
    ['private.apikey', 'full'],
    ['client_secret', 'full'],
    ['oauthv2client.GetInfo.client_secret', 'full'],
    ['request.formparam.password', 'full'],
    ['access_token', 'prefix'],
    ['oauthv2accesstoken.GAT.refresh_token', 'prefix'],
    ['request.header.authorization', 'prefix'],
    ['request.queryparam.apikey', 'prefix'],
    ['client_id', 'none'],
    ['fault.name', 'none'],
    ['request.path', 'none'],
    ['request.formparam.code', 'prefix'],
    ['oauthv2authcode.GAC.code', 'prefix'],
    ['oauthv2accesstoken.GAT.access_token', 'prefix'],
    ['oauthv2accesstoken.GAT.expires_in', 'none'],
    ['oauthv2accesstoken.GAT.developer.email', 'none'],
    ['oauthv2accesstoken.GAT.scope', 'none'],
    ['verifyapikey.VK.failed', 'none'],
    ['verifyapikey.VK.client_secret', 'full'],
    ['response.status.code', 'none'],
    ['error.status.code', 'none'],
    ['accesstoken.department', 'none']
  ])('%s is %s', (name, kind) => {
    expect(secretKindOfVariable(name)).toBe(kind)
  })

  test('Bearer and short values', () => {
    const m = new SecretMasker()
    expect(m.variable('request.header.Authorization', 'Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig')).toBe('Bearer eyJh********')
    expect(m.variable('access_token', 'short')).toBe('********')
    expect(m.headers([['Cookie', 'session=abcdefghijk']])).toEqual([['Cookie', 'sess********']])
  })
})

function record(id: string, startedAt = 0): TraceRecord {
  return {
    id, messageId: id, startedAt, durationMs: 1, environment: 'test', proxy: 'p', method: 'GET', path: '/', status: 200,
    faultName: null, app: null, clientId: null, request: { headers: [], body: '' }, response: { headers: [], body: '' },
    steps: [], fault: null, variables: {}
  }
}

describe('trace ring buffer', () => {
  test('keeps the newest records up to its limit and notifies subscribers', () => {
    const buffer = new TraceBuffer(3)
    const seen: string[] = []
    const unsubscribe = buffer.subscribe((r) => seen.push(r.id))
    for (const id of ['a', 'b', 'c', 'd', 'e']) buffer.add(record(id))
    expect(buffer.records().map((r) => r.id)).toEqual(['e', 'd', 'c'])
    expect(buffer.size).toBe(3)
    expect(buffer.get('a')).toBeUndefined()
    expect(buffer.get('c')!.id).toBe('c')
    expect(buffer.list(2).map((s) => s.id)).toEqual(['e', 'd'])
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e'])
    unsubscribe()
    buffer.add(record('f'))
    expect(seen).toHaveLength(5)
    buffer.resize(2)
    expect(buffer.records().map((r) => r.id)).toEqual(['f', 'e'])
    buffer.clear()
    expect(buffer.size).toBe(0)
  })

  test('export and import round-trip; invalid records are rejected', () => {
    const from = new TraceBuffer(10)
    from.add(record('x', 1))
    from.add(record('y', 2))
    const to = new TraceBuffer(10)
    expect(to.import([...from.export(), { id: 'broken' }, null])).toBe(2)
    expect(to.records().map((r) => r.id)).toEqual(['y', 'x'])
    expect(from.export(['y', 'nope']).map((r) => r.id)).toEqual(['y'])
  })

  test('a throwing subscriber does not stop others', () => {
    const buffer = new TraceBuffer(2)
    const seen: string[] = []
    buffer.subscribe(() => { throw new Error('bad') })
    buffer.subscribe((r) => seen.push(r.id))
    buffer.add(record('a'))
    expect(seen).toEqual(['a'])
  })

  test('the engine keeps at most traceLimit records', async () => {
    const engine = makeEngine(undefined, 2)
    deployOk(engine, workspace([proxy({ name: 'e', basePath: '/e' })]))
    for (let i = 0; i < 4; i++) await call(engine, 'test', 'GET', `/e/${i}`)
    expect(engine.traces.records().map((r) => r.path)).toEqual(['/e/3', '/e/2'])
  })
})
