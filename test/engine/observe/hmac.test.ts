import { createHmac } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from '../policies/standard-helpers'

const SECRET = 'kitchen-secret-0123456789'
const setSecret = `<AssignMessage name="Secret"><AssignVariable><Name>private.hmac-key</Name><Value>${SECRET}</Value></AssignVariable></AssignMessage>`
const show = `<AssignMessage name="Show"><AssignTo createNew="false" type="response"/><Set><Headers><Header name="X-Mac">{hmac.H-1.output}</Header><Header name="X-Out">{my.mac}</Header></Headers></Set></AssignMessage>`
const hmac = (inner: string) => `<HMAC name="H-1"><SecretKey ref="private.hmac-key"/>${inner}</HMAC>`
const envelope = (faultstring: string, name: string) => JSON.stringify({ fault: { faultstring, detail: { errorcode: `steps.hmac.${name}` } } })
const mac = (alg: string, message: string) => createHmac(alg, SECRET).update(message).digest()
const run = (policy: string, url = '/p?m=hello', secret = setSecret) =>
  runWith({ policies: { Secret: secret, 'H-1': policy, Show: show }, request: ['Secret', 'H-1'], response: ['Show'] }, 'GET', url)

describe('HMAC', () => {
  test.each([
    ['SHA-1', 'sha1', 'base64', 'base64'],
    ['SHA-224', 'sha224', 'base16', 'hex'],
    ['SHA-256', 'sha256', 'base64url', 'base64url'],
    ['SHA-384', 'sha384', 'base16', 'hex'],
    ['SHA-512', 'sha512', 'base64', 'base64'],
    ['MD5', 'md5', 'base64', 'base64']
  ] as const)('%s, %s output over the rendered message, in hmac.<policy>.output and the <Output> variable', async (alg, nodeAlg, enc, nodeEnc) => {
    const r = await run(hmac(`<Algorithm>${alg}</Algorithm><Message>{request.verb} {request.queryparam.m}</Message><Output encoding="${enc}">my.mac</Output>`))
    const expected = mac(nodeAlg, 'GET hello').toString(nodeEnc)
    expect([r.status, r.header('x-mac'), r.header('x-out')]).toEqual([200, expected, expected])
    expect(JSON.stringify(r.trace)).not.toContain(SECRET)
  })

  test('a matching VerificationValue lets the request through; a wrong one -> 401 HmacVerificationFailed', async () => {
    const good = mac('sha256', 'hello').toString('hex').toUpperCase()
    const policy = hmac('<Algorithm>SHA-256</Algorithm><Message>{request.queryparam.m}</Message><VerificationValue encoding="base16" ref="request.header.x-sig"/>')
    const ok = await runWith({ policies: { Secret: setSecret, 'H-1': policy }, request: ['Secret', 'H-1'] }, 'GET', '/p?m=hello', { 'X-Sig': good })
    expect(ok.status).toBe(200)
    for (const bad of [mac('sha256', 'hellO').toString('hex'), 'zz', good.slice(2)]) {
      const r = await runWith({ policies: { Secret: setSecret, 'H-1': policy }, request: ['Secret', 'H-1'] }, 'GET', '/p?m=hello', { 'X-Sig': bad })
      expect([r.status, r.text]).toEqual([401, envelope('HMAC[H-1]: HMAC verification failed', 'HmacVerificationFailed')])
      expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': 'HmacVerificationFailed', 'hmac.H-1.failed': 'true' })
    }
  })

  test('runtime faults: unresolved secret, empty secret, unresolved message variable, empty verification value', async () => {
    const noSecret = await run(hmac('<Algorithm>SHA-256</Algorithm><Message>x</Message>'), '/p', '<AssignMessage name="Secret"/>')
    expect([noSecret.status, noSecret.text]).toEqual([401, envelope('HMAC[H-1]: unable to resolve variable private.hmac-key', 'UnresolvedVariable')])
    const emptySecret = await run(hmac('<Algorithm>SHA-256</Algorithm><Message>x</Message>'), '/p', setSecret.replace(SECRET, ''))
    expect([emptySecret.status, emptySecret.text]).toEqual([401, envelope('HMAC[H-1]: the secret key is empty', 'EmptySecretKey')])
    const unresolved = await run(hmac('<Algorithm>SHA-256</Algorithm><Message>{nothing.here}</Message>'))
    expect([unresolved.status, unresolved.text]).toEqual([401, envelope('HMAC[H-1]: unable to resolve variable nothing.here', 'UnresolvedVariable')])
    const ignored = await run(hmac('<Algorithm>SHA-256</Algorithm><Message>a{nothing.here}</Message><IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables>'))
    expect([ignored.status, ignored.header('x-mac')]).toEqual([200, mac('sha256', 'a').toString('base64')])
    const empty = await runWith(
      { policies: { Secret: setSecret, 'H-1': hmac('<Algorithm>SHA-256</Algorithm><Message>x</Message><VerificationValue ref="request.header.x-sig"/>') }, request: ['Secret', 'H-1'] },
      'GET', '/p', { 'X-Sig': '' }
    )
    expect([empty.status, empty.text]).toEqual([401, envelope('HMAC[H-1]: the verification value is empty', 'EmptyVerificationValue')])
  })

  test.each([
    ['<HMAC name="H-1"><SecretKey ref="private.k"/><Message>x</Message></HMAC>', 'MissingConfigurationElement'],
    ['<HMAC name="H-1"><Algorithm>SHA-3</Algorithm><SecretKey ref="private.k"/><Message>x</Message></HMAC>', 'InvalidValueForElement'],
    ['<HMAC name="H-1"><Algorithm>SHA-256</Algorithm><SecretKey>literal</SecretKey><Message>x</Message></HMAC>', 'InvalidSecretInConfig'],
    ['<HMAC name="H-1"><Algorithm>SHA-256</Algorithm><SecretKey ref="request.header.k"/><Message>x</Message></HMAC>', 'InvalidVariableName'],
    ['<HMAC name="H-1"><Algorithm>SHA-256</Algorithm><SecretKey ref="private.k"/></HMAC>', 'MissingConfigurationElement'],
    ['<HMAC name="H-1"><Algorithm>SHA-256</Algorithm><SecretKey ref="private.k"/><Message>x</Message><Output encoding="hex"/></HMAC>', 'InvalidValueForElement']
  ])('deployment error %#: %s -> %s', (xml, code) => {
    expect(deployErrors({ 'H-1': xml })).toEqual([code])
  })
})
