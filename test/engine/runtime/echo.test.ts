import { describe, expect, test } from 'vitest'
import { call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace } from './helpers'

describe('echo target', () => {
  test('answers 200 JSON with the request it received and the selected flow variables that are set', async () => {
    const engine = makeEngine()
    deployOk(engine, workspace([proxy({
      name: 'echoer',
      basePath: '/echoer',
      policies: {
        Ids: `<AssignMessage name="Ids">
          <AssignVariable><Name>developer.app.name</Name><Value>weather-app</Value></AssignVariable>
          <AssignVariable><Name>client_id</Name><Value>key-123</Value></AssignVariable>
          <AssignVariable><Name>apiproduct.name</Name><Value>Weather</Value></AssignVariable>
          <AssignVariable><Name>scope</Name><Value>read write</Value></AssignVariable></AssignMessage>`
      },
      proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('Ids', 'request.header.x-ids = "yes"')}</Request></PreFlow>`) },
      targetEndpoints: { default: '<TargetEndpoint name="default"><HTTPTargetConnection><URL>echo://svc?fixed=1</URL></HTTPTargetConnection></TargetEndpoint>' }
    })]))
    const r = await call(engine, 'test', 'POST', '/echoer/a/b?x=1&x=2&q=%22', { 'Content-Type': 'application/json', 'X-Ids': 'yes', 'X-Dup': 'one' }, '{"hello":"world"}')
    expect([r.status, r.header('content-type')]).toEqual([200, 'application/json'])
    expect(r.json).toEqual({
      method: 'POST',
      path: '/svc/a/b',
      query: { fixed: '1', x: ['1', '2'], q: '"' },
      headers: { 'content-type': 'application/json', 'x-ids': 'yes', 'x-dup': 'one' },
      body: '{"hello":"world"}',
      variables: {
        'apiproxy.name': 'echoer',
        'apiproxy.revision': '1',
        'proxy.basepath': '/echoer',
        'proxy.pathsuffix': '/a/b',
        'environment.name': 'test',
        'organization.name': 'acme',
        'developer.app.name': 'weather-app',
        client_id: 'key-123',
        'apiproduct.name': 'Weather',
        scope: 'read write'
      }
    })
    const plain = await call(engine, 'test', 'GET', '/echoer')
    expect(plain.json.variables).not.toHaveProperty('client_id')
    expect(plain.json.path).toBe('/svc')
    expect(plain.json.query).toEqual({ fixed: '1' })
    expect(plain.trace.targetRequest).toMatchObject({ method: 'GET', url: 'echo://svc?fixed=1' })
  })

  test('without policies: variables from the deployment and the environment, repeated headers joined, form-style decoding', async () => {
    const engine = makeEngine()
    deployOk(
      engine,
      workspace([proxy({ name: 'plain', basePath: '/plain' })], {
        environments: [{ name: 'test', description: '', port: 9001, hostAliases: [], restrictHosts: true, variables: [{ name: 'grant_type', value: 'from-env' }] }]
      })
    )
    const r = await call(engine, 'test', 'GET', '/plain/p?a+b=c%20d&e=', { Accept: 'a', 'X-Two': 'x' })
    expect(r.json.query).toEqual({ 'a b': 'c d', e: '' })
    expect(r.json.variables).toEqual({
      'apiproxy.name': 'plain',
      'apiproxy.revision': '1',
      'proxy.basepath': '/plain',
      'proxy.pathsuffix': '/p',
      'environment.name': 'test',
      'organization.name': 'acme',
      grant_type: 'from-env'
    })
    const again = await call(engine, 'test', 'GET', '/plain', { 'X-Two': 'one' })
    expect(again.json.variables['proxy.pathsuffix']).toBe('')
    const { response } = await engine.handle('test', {
      method: 'GET',
      url: '/plain/h',
      headers: [['X-Two', 'one'], ['x-two', 'two'], ['Accept', 'a']],
      body: new Uint8Array(0),
      clientIp: '127.0.0.1',
      clientPort: 1
    })
    expect(JSON.parse(new TextDecoder().decode(response.body)).headers).toEqual({ 'x-two': 'one, two', accept: 'a' })
  })
})
