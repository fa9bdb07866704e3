import { describe, expect, test } from 'vitest'
import { ExchangeVariables } from '../../../src/engine/runtime/variables'
import { HttpMessage, RequestMessage } from '../../../src/engine/runtime/message'
import { call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace } from './helpers'

function vars(uri: string, headers: Array<[string, string]> = [], body = '') {
  return new ExchangeVariables(new RequestMessage({ verb: 'post', uri, headers, body }), new HttpMessage({ status: 201, headers: [['X-R', 'r1']], body: 'done' }))
}

describe('request and response variables', () => {
  const v = vars('/a/b?x=1&x=2&y=hello%20world&z', [
    ['Accept', 'text/plain, application/json'],
    ['X-Multi', 'one'],
    ['x-multi', 'two'],
    ['Content-Type', 'application/x-www-form-urlencoded'],
    ['Authorization', 'Basic abc']
  ], 'grant_type=client_credentials&scope=a+b&scope=c')

  test.each([
    ['request.verb', 'POST'],
    ['request.uri', '/a/b?x=1&x=2&y=hello%20world&z'],
    ['request.path', '/a/b'],
    ['request.querystring', 'x=1&x=2&y=hello%20world&z'],
    ['request.header.accept', 'text/plain, application/json'],
    ['request.header.ACCEPT.values', ['text/plain', 'application/json']],
    ['request.header.accept.values.count', 2],
    ['request.header.x-multi', 'one, two'],
    ['request.header.X-Multi.values.count', 2],
    ['request.header.X-Multi.2', 'two'],
    ['request.header.missing', undefined],
    ['request.header.missing.values.count', 0],
    ['request.headers.count', 5],
    ['request.queryparam.x', '1'],
    ['request.queryparam.x.values', ['1', '2']],
    ['request.queryparam.x.values.count', 2],
    ['request.queryparam.y', 'hello world'],
    ['request.queryparam.z', ''],
    ['request.queryparam.none', undefined],
    ['request.queryparams.count', 4],
    ['request.formparam.grant_type', 'client_credentials'],
    ['request.formparam.scope', 'a b'],
    ['request.formparam.scope.values.count', 2],
    ['request.formparams.count', 3],
    ['request.content', 'grant_type=client_credentials&scope=a+b&scope=c'],
    ['response.status.code', 201],
    ['response.reason.phrase', 'Created'],
    ['response.header.x-r', 'r1'],
    ['response.content', 'done'],
    ['message.verb', 'POST'],
    ['error.message', undefined]
  ])('%s', (name, expected) => {
    expect(v.get(name)).toEqual(expected)
  })

  test('form params resolve only for form bodies', () => {
    const json = vars('/', [['Content-Type', 'application/json']], 'a=1')
    expect(json.get('request.formparam.a')).toBeUndefined()
  })

  test('writes change the message', () => {
    const w = vars('/p?q=1', [['Host', 'h']])
    w.set('request.header.X-New', 'v')
    w.set('request.header.host', 'other')
    w.set('request.queryparam.q', '2')
    w.set('request.queryparam.r', 'a b')
    w.set('response.status.code', '418')
    w.set('response.header.Cache-Control', 'no-store')
    w.set('response.content', '{}')
    w.set('request.verb', 'put')
    w.set('custom.thing', 42)
    w.remove('request.header.X-New')
    expect(w.request.headerList()).toEqual([['host', 'other']])
    expect(w.request.uri).toBe('/p?q=2&r=a%20b')
    expect(w.request.verb).toBe('PUT')
    expect([w.response.status, w.response.getHeader('cache-control'), w.response.content]).toEqual([418, 'no-store', '{}'])
    expect(w.get('custom.thing')).toBe(42)
    expect(w.getString('custom.thing')).toBe('42')
  })

  test('reads and writes are recorded for the trace, masked', () => {
    const masked = new ExchangeVariables(new RequestMessage({ verb: 'GET', uri: '/' }), new HttpMessage(), { variable: (name, value) => (name.startsWith('private.') && value !== null ? '***' : value) })
    masked.recorder = { reads: [], writes: [] }
    masked.set('private.key', 'secret')
    masked.get('private.key')
    masked.get('nothing')
    expect(masked.recorder.writes).toEqual([{ name: 'private.key', value: '***', previous: null }])
    expect(masked.recorder.reads).toEqual([{ name: 'private.key', value: '***' }, { name: 'nothing', value: null }])
  })
})

describe('variables through a deployed proxy', () => {
  const p = proxy({
    name: 'vars',
    basePath: '/vars',
    policies: {
      Copy: `<AssignMessage name="Copy"><AssignVariable><Name>seen.flow</Name><Ref>current.flow.name</Ref></AssignVariable><Set><Headers>
        <Header name="X-Greeting">{greeting}</Header><Header name="X-Client">{client.ip}</Header><Header name="X-Msg">{messageid}</Header>
        <Header name="X-Flow">{seen.flow}</Header><Header name="X-Target">{target.url}</Header></Headers></Set></AssignMessage>`,
      SetHeader: `<AssignMessage name="SetHeader"><AssignVariable><Name>request.header.X-Via-Variable</Name><Value>yes</Value></AssignVariable></AssignMessage>`
    },
    proxyEndpoints: { default: proxyEndpoint(`<Flows><Flow name="main"><Request>${step('Copy')}${step('SetHeader')}</Request></Flow></Flows>`) }
  })

  test('environment variables, client.ip, messageid, current.flow.name; writes to request.header.X reach the target', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([p]))
    const r = await call(engine, 'test', 'GET', '/vars')
    expect(r.json.headers).toMatchObject({ 'x-greeting': 'hello', 'x-client': '127.0.0.1', 'x-msg': r.trace.messageId, 'x-flow': 'main', 'x-via-variable': 'yes', 'x-target': '' })
    expect(r.trace.variables['private.backendKey']).toBe('********')
    expect(r.trace.variables['greeting']).toBe('hello')
  })
})
