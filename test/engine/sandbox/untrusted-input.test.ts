/**
 * Bundle regexes and bundle XML are untrusted: a catastrophic regex or an XML bomb must not freeze the
 * gateway or crash a deployment.
 */
import { describe, expect, test } from 'vitest'
import { matchesJavaRegex } from '../../../src/engine/conditions'
import { matchesResourcePath } from '../../../src/engine/kms'
import { call, deployOk, makeEngine, proxy, proxyEndpoint, stamp, step, workspace } from '../runtime/helpers'

const show = (...names: string[]) =>
  `<AssignMessage name="Show"><AssignTo createNew="false" type="response"/><Set><Payload contentType="application/json">{${names.map((n) => `"${n}":"{${n}}"`).join(',')}}</Payload></Set></AssignMessage>`

describe('a hostile JavaRegex', () => {
  test('is no match, and the gateway answers; ordinary patterns still match', async () => {
    const engine = makeEngine()
    deployOk(
      engine,
      workspace([
        proxy({
          name: 'p',
          basePath: '/p',
          policies: { Hit: stamp('Hit'), Digits: stamp('Digits') },
          proxyEndpoints: {
            default: proxyEndpoint(`<PreFlow><Request>${step('Hit', 'request.header.x ~~ "(a+)+b"')}${step('Digits', 'request.header.x JavaRegex "\\d+"')}</Request></PreFlow>`)
          }
        })
      ])
    )
    const hostile = await call(engine, 'test', 'GET', '/p', { x: 'a'.repeat(40) })
    expect([hostile.status, hostile.json.headers['x-order']]).toEqual([200, undefined])
    const hit = await call(engine, 'test', 'GET', '/p', { x: 'aaab' })
    expect(hit.json.headers['x-order']).toBe('Hit')
    const digits = await call(engine, 'test', 'GET', '/p', { x: '123' })
    expect(digits.json.headers['x-order']).toBe('Digits')
  })

  test('matchesJavaRegex gives up on a catastrophic match and keeps working', () => {
    expect(matchesJavaRegex('(x+x+)+y', 'x'.repeat(64))).toBe(false)
    expect(matchesJavaRegex('(\\w+)\\s(\\1)', 'echo echo')).toBe(true)
    expect(matchesJavaRegex('(?=.*\\d)[a-z0-9]+', 'abc1')).toBe(true)
  })
})

describe('ExtractVariables patterns', () => {
  test('adjacent placeholders over a long header run in linear time, with the same captures', async () => {
    const ev = `<ExtractVariables name="EV"><Source>request</Source>
      <Header name="X-Long"><Pattern>{a}{b}{c}{d}{e}{f}!</Pattern></Header>
      <Header name="X-Short"><Pattern ignoreCase="true">ID-{s1}-{s2}</Pattern></Header></ExtractVariables>`
    const engine = makeEngine()
    deployOk(
      engine,
      workspace([
        proxy({
          name: 'p',
          basePath: '/p',
          policies: { EV: ev, Show: show('a', 'b', 's1', 's2') },
          proxyEndpoints: { default: proxyEndpoint(`<PreFlow><Request>${step('EV')}</Request><Response>${step('Show')}</Response></PreFlow>`) }
        })
      ])
    )
    const hostile = await call(engine, 'test', 'GET', '/p', { 'X-Long': 'a'.repeat(6000), 'X-Short': 'id-x-y-z' })
    expect(hostile.status).toBe(200)
    expect(hostile.json).toEqual({ a: '', b: '', s1: 'x-y', s2: 'z' })
    const matching = await call(engine, 'test', 'GET', '/p', { 'X-Long': 'abc!' })
    expect(matching.json).toMatchObject({ a: 'abc', b: '' })
  })
})

describe('API product resource paths', () => {
  test('a pattern with many wildcards against a long path answers (linear time), with the same results', () => {
    expect(matchesResourcePath('/*a*a*a*a*b', '/' + 'a'.repeat(5000))).toBe(false)
    expect(matchesResourcePath('/*a*a*a*a*b', '/xaxaaaab')).toBe(true)
    expect(matchesResourcePath('/*a*a*a*a*b', '/xaxaaaab/c')).toBe(false)
    expect(matchesResourcePath('/v*/*s/**', '/v1/items/7/x')).toBe(true)
    expect(matchesResourcePath('/v*/*s/**', '/v1/item/7')).toBe(false)
  })
})

describe('bundle XML limits', () => {
  const deployPolicy = (xml: string) => {
    const engine = makeEngine()
    return engine.deploy(workspace([proxy({ name: 'p', basePath: '/p', policies: { AM: xml } })]))
  }

  test('deep nesting is a MalformedXML deployment error, not an exception', () => {
    const depth = 20000
    const report = deployPolicy(`<AssignMessage name="AM">${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</AssignMessage>`)
    expect(report.errors.map((e) => [e.code, e.file])).toEqual([['MalformedXML', 'policies/AM.xml']])
    expect(report.errors[0]!.message).toMatch(/nested/i)
  })

  test('an entity expansion bomb does not expand', () => {
    let entities = '<!ENTITY lol0 "lollollollollollollollollollol">'
    for (let i = 1; i < 12; i++) entities += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`
    const report = deployPolicy(
      `<?xml version="1.0"?><!DOCTYPE AssignMessage [${entities}]><AssignMessage name="AM"><Set><Payload>&lol11;</Payload></Set></AssignMessage>`
    )
    // Either refused or kept small: never 10^11 characters.
    if (report.ok) expect(JSON.stringify(report).length).toBeLessThan(100_000)
    else expect(report.errors.map((e) => e.code)).toEqual(['MalformedXML'])
  })
})

describe('sandbox limits', () => {
  test('a limit that is not a positive whole number is refused with its name', async () => {
    const { ScriptSandbox } = await import('../../../src/engine/sandbox')
    expect(() => new ScriptSandbox({ heapMb: 0 })).toThrow('sandbox.heapMb must be a positive whole number, got 0')
    expect(() => new ScriptSandbox({ workers: 1.5 })).toThrow('sandbox.workers must be a positive whole number, got 1.5')
  })
})
