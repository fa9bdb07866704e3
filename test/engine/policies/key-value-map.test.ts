import { describe, expect, test } from 'vitest'
import { call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace } from '../runtime/helpers'
import { deployErrors } from './standard-helpers'

describe('KeyValueMapOperations', () => {
  test('Get reads environment variables by literal and referenced keys, with index; missing keys leave the variable unset', async () => {
    const kvm = `<KeyValueMapOperations name="KVM" mapIdentifier="settings"><Scope>environment</Scope>
      <Get assignTo="g"><Key><Parameter>greeting</Parameter></Key></Get>
      <Get assignTo="private.k"><Key><Parameter ref="request.queryparam.which"/></Key></Get>
      <Get assignTo="second" index="2"><Key><Parameter>list</Parameter></Key></Get>
      <Get assignTo="composite"><Key><Parameter>a</Parameter><Parameter>b</Parameter></Key></Get>
      <Get assignTo="missing"><Key><Parameter>nope</Parameter></Key></Get></KeyValueMapOperations>`
    const show = `<AssignMessage name="Show"><Set><Headers><Header name="X-G">{g}</Header><Header name="X-K">{private.k}</Header><Header name="X-Second">{second}</Header><Header name="X-C">{composite}</Header><Header name="X-M">{missing}</Header></Headers></Set></AssignMessage>`
    const engine = makeEngine()
    const ws = workspace([proxy({ name: 'p', basePath: '/p', policies: { KVM: kvm, Show: show }, proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('KVM')}${step('Show')}</Request></PreFlow>`) } })])
    ws.environments[0]!.variables.push({ name: 'list', value: 'x,y,z' }, { name: 'a__b', value: 'ab' })
    deployOk(engine, ws)
    const r = await call(engine, 'test', 'GET', '/p?which=private.backendKey')
    expect(r.json.headers).toMatchObject({ 'x-g': 'hello', 'x-k': 'sup3r-s3cret-value', 'x-second': 'y', 'x-c': 'ab', 'x-m': '' })
    const step2 = r.trace.steps.find((s) => s.policy === 'KVM')!
    expect(step2.writes).toContainEqual({ name: 'private.k', value: '********', previous: null })
    expect(step2.description).toBe('key nope is not in environment test')
  })

  test.each([
    ['<KeyValueMapOperations name="K"><Get assignTo="x"><Key/></Get></KeyValueMapOperations>', ['KeyIsMissing']],
    ['<KeyValueMapOperations name="K"><Get><Key><Parameter>a</Parameter></Key></Get></KeyValueMapOperations>', ['AssignToRequired']],
    ['<KeyValueMapOperations name="K"><Get assignTo="x" index="0"><Key><Parameter>a</Parameter></Key></Get></KeyValueMapOperations>', ['InvalidIndex']],
    ['<KeyValueMapOperations name="K"><Put><Key><Parameter>a</Parameter></Key><Value>v</Value></Put></KeyValueMapOperations>', ['UnsupportedOperation']],
    ['<KeyValueMapOperations name="K"/>', ['OperationRequired']]
  ])('deployment error %#', (xml, codes) => {
    expect(deployErrors({ K: xml })).toEqual(codes)
  })
})
