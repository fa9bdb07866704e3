/** GenerateJWT, VerifyJWT and DecodeJWT through the engine: algorithms, keys, claims, times, faults, variables. */
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { CompactSign, decodeJwt, decodeProtectedHeader, exportJWK } from 'jose'
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { createEngine } from '../../../src/engine'
import type { OutboundRequest } from '../../../src/engine/ports'
import { T0, call, fakeHttp, memoryTokens, proxy, proxyEndpoint, step, workspace, type CallResult } from '../runtime/helpers'
import { deployErrors } from '../policies/standard-helpers'

const SECRET = 'a-secret-of-exactly-32-bytes-ok!'
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaShort = generateKeyPairSync('rsa', { modulusLength: 1024 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pem = (k: KeyObject): string => k.export({ type: k.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }) as string

/** AssignVariable steps that put test keys into flow variables. */
function setVars(vars: Record<string, string>): string {
  const body = Object.entries(vars)
    .map(([n, v]) => `<AssignVariable><Name>${n}</Name><Value>${v}</Value></AssignVariable>`)
    .join('')
  return `<AssignMessage name="Keys">${body}</AssignMessage>`
}
/** Copies a variable into a request header, which the echo target sends back. */
const show = (variable: string, header = 'X-Out'): string =>
  `<AssignMessage name="Show-${header}"><Set><Headers><Header name="${header}">{${variable}}</Header></Headers></Set></AssignMessage>`

interface Gateway {
  call(headers?: Record<string, string>): Promise<CallResult>
  advance(seconds: number): void
  sent: OutboundRequest[]
}

function gateway(policies: Record<string, string>, steps: string[], http = fakeHttp()): Gateway {
  let now = T0
  const engine = createEngine({ clock: { now: () => now }, random: { bytes: (n) => new Uint8Array(n).fill(7) }, tokens: memoryTokens(), http })
  const xml = proxyEndpoint(`<PreFlow><Request>${steps.map((s) => step(s)).join('')}</Request><Response/></PreFlow>`)
  const report = engine.deploy(workspace([proxy({ name: 'p', basePath: '/p', policies, proxyEndpoints: { default: xml } })]))
  if (!report.ok) throw new Error(JSON.stringify(report.errors))
  return { call: (headers = {}) => call(engine, 'test', 'GET', '/p', headers), advance: (s) => void (now += s * 1000), sent: http.sent }
}

const hs = (inner: string, alg = 'HS256'): string =>
  `<GenerateJWT name="GJ"><Algorithm>${alg}</Algorithm><SecretKey><Value ref="private.secret"/></SecretKey>${inner}</GenerateJWT>`

async function sign(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }, key: KeyObject | Uint8Array = new TextEncoder().encode(SECRET)): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key)
}
const now = T0 / 1000
const fault = (r: CallResult): [number, string, string] => [r.status, r.json?.fault?.detail?.errorcode, r.json?.fault?.faultstring]

describe('DecodeJWT', () => {
  const policies = { DJ: '<DecodeJWT name="DJ"/>', 'Show-X-Sub': '', 'Show-X-Alg': '', 'Show-X-Names': '', 'Show-X-Exp': '' }
  policies['Show-X-Sub'] = show('jwt.DJ.decoded.claim.sub', 'X-Sub')
  policies['Show-X-Alg'] = show('jwt.DJ.header.algorithm', 'X-Alg')
  policies['Show-X-Names'] = show('jwt.DJ.claim.names', 'X-Names')
  policies['Show-X-Exp'] = show('jwt.DJ.is_expired', 'X-Exp')
  const gw = (): Gateway => gateway(policies, ['DJ', 'Show-X-Sub', 'Show-X-Alg', 'Show-X-Names', 'Show-X-Exp'])

  test('reads header and claims of the Bearer token without checking its signature', async () => {
    const token = await sign({ sub: 'ada', exp: now - 10 }, { alg: 'HS256' }, new TextEncoder().encode('some-other-key-some-other-key-!!'))
    const r = await gw().call({ Authorization: `Bearer ${token}` })
    expect(r.status).toBe(200)
    expect([r.json.headers['x-sub'], r.json.headers['x-alg'], r.json.headers['x-names'], r.json.headers['x-exp']]).toEqual(['ada', 'HS256', 'sub,exp', 'true'])
  })

  test('a token that is not a JWT: FailedToDecode, 401', async () => {
    const r = await gw().call({ Authorization: 'Bearer not.a-jwt' })
    expect(fault(r)).toEqual([401, 'steps.jwt.FailedToDecode', 'Failed to Decode Token: policy(DJ)'])
  })

  test('no Authorization header: FailedToResolveVariable', async () => {
    const r = await gw().call()
    expect(fault(r)).toEqual([401, 'steps.jwt.FailedToResolveVariable', 'Failed to Resolve Variable : policy(DJ) variable(request.header.authorization)'])
  })

  test('<Source> names the variable that holds the token', async () => {
    const token = await sign({ sub: 'grace' })
    const g = gateway({ DJ: '<DecodeJWT name="DJ"><Source>request.header.x-token</Source></DecodeJWT>', S: show('jwt.DJ.claim.subject').replace('Show-X-Out', 'S') }, ['DJ', 'S'])
    const r = await g.call({ 'X-Token': token })
    expect(r.json.headers['x-out']).toBe('grace')
  })
})

describe('GenerateJWT', () => {
  const claims = `<Subject>ada</Subject><Issuer>https://issuer.example</Issuer><Audience>orders,billing</Audience><ExpiresIn>1h</ExpiresIn><Id/>
    <AdditionalClaims><Claim name="n" type="number">42</Claim><Claim name="b" type="boolean">true</Claim><Claim name="scopes" array="true">read, write</Claim>
    <Claim name="m" type="map" ref="my.map"/></AdditionalClaims>
    <AdditionalHeaders><Claim name="kid">k-1</Claim></AdditionalHeaders>`

  test('HS256: claims of every type, times on the engine clock, default output variable', async () => {
    const g = gateway({ Keys: setVars({ 'private.secret': SECRET, 'my.map': '{"tier":"gold"}' }), GJ: hs(claims), 'Show-X-Out': show('jwt.GJ.generated_jwt') }, ['Keys', 'GJ', 'Show-X-Out'])
    const r = await g.call()
    const jwt = r.json.headers['x-out'] as string
    expect(decodeProtectedHeader(jwt)).toEqual({ kid: 'k-1', typ: 'JWT', alg: 'HS256' })
    expect(decodeJwt(jwt)).toEqual({
      sub: 'ada',
      iss: 'https://issuer.example',
      aud: ['orders', 'billing'],
      iat: now,
      exp: now + 3600,
      jti: '07070707-0707-4707-8707-070707070707',
      n: 42,
      b: true,
      scopes: ['read', 'write'],
      m: { tier: 'gold' }
    })
  })

  test('OutputVariable, RS256 from a PEM private key with its Id as kid', async () => {
    const xml = `<GenerateJWT name="GJ"><Algorithm>RS256</Algorithm><PrivateKey><Value ref="private.key"/><Id>rsa-1</Id></PrivateKey><OutputVariable>out.jwt</OutputVariable></GenerateJWT>`
    const g = gateway({ Keys: setVars({ 'private.key': pem(rsa.privateKey) }), GJ: xml, 'Show-X-Out': show('out.jwt') }, ['Keys', 'GJ', 'Show-X-Out'])
    const jwt = (await g.call()).json.headers['x-out'] as string
    expect(decodeProtectedHeader(jwt)).toEqual({ kid: 'rsa-1', typ: 'JWT', alg: 'RS256' })
  })

  test('an HS256 key shorter than 256 bits: InsufficientKeyLength', async () => {
    const r = await gateway({ Keys: setVars({ 'private.secret': 'short' }), GJ: hs('') }, ['Keys', 'GJ']).call()
    expect(fault(r)).toEqual([401, 'steps.jwt.InsufficientKeyLength', 'Key is too short for HS256: policy(GJ) need(256 bits) have(40 bits)'])
    const r512 = await gateway({ Keys: setVars({ 'private.secret': SECRET }), GJ: hs('', 'HS512') }, ['Keys', 'GJ']).call()
    expect(fault(r512)[1]).toBe('steps.jwt.InsufficientKeyLength')
  })

  test('RSA keys under 2048 bits, EC keys for RS, and keys that are not PEM are refused', async () => {
    const rs = (alg: string) => `<GenerateJWT name="GJ"><Algorithm>${alg}</Algorithm><PrivateKey><Value ref="private.key"/></PrivateKey></GenerateJWT>`
    const short = await gateway({ Keys: setVars({ 'private.key': pem(rsaShort.privateKey) }), GJ: rs('RS256') }, ['Keys', 'GJ']).call()
    expect(fault(short)[0 + 1]).toBe('steps.jwt.InsufficientKeyLength')
    const wrong = await gateway({ Keys: setVars({ 'private.key': pem(ec.privateKey) }), GJ: rs('PS256') }, ['Keys', 'GJ']).call()
    expect(fault(wrong)).toEqual([401, 'steps.jwt.WrongKeyType', 'Wrong key type: policy(GJ) algorithm(PS256) key(ec)'])
    const bad = await gateway({ Keys: setVars({ 'private.key': 'not a key' }), GJ: rs('ES256') }, ['Keys', 'GJ']).call()
    expect(fault(bad)[1]).toBe('steps.jwt.KeyParsingFailed')
    const curve = await gateway({ Keys: setVars({ 'private.key': pem(ec.privateKey) }), GJ: rs('ES384') }, ['Keys', 'GJ']).call()
    expect(fault(curve)[1]).toBe('steps.jwt.InvalidCurve')
  })

  test('an unresolved ref is a FailedToResolveVariable fault unless IgnoreUnresolvedVariables', async () => {
    const strict = await gateway({ Keys: setVars({ 'private.secret': SECRET }), GJ: hs('<Subject ref="who"/>') }, ['Keys', 'GJ']).call()
    expect(fault(strict)).toEqual([401, 'steps.jwt.FailedToResolveVariable', 'Failed to Resolve Variable : policy(GJ) variable(who)'])
    const g = gateway(
      { Keys: setVars({ 'private.secret': SECRET }), GJ: hs('<Subject ref="who"/><IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables>'), 'Show-X-Out': show('jwt.GJ.generated_jwt') },
      ['Keys', 'GJ', 'Show-X-Out']
    )
    expect(decodeJwt((await g.call()).json.headers['x-out'])).toEqual({ iat: now })
  })

  test('a claim value that does not fit its type: InvalidClaim', async () => {
    const r = await gateway({ Keys: setVars({ 'private.secret': SECRET }), GJ: hs('<AdditionalClaims><Claim name="n" type="number">many</Claim></AdditionalClaims>') }, ['Keys', 'GJ']).call()
    expect(fault(r)).toEqual([401, 'steps.jwt.InvalidClaim', 'Invalid Claim: policy(GJ) claim(n) type(number)'])
  })

  test('deployment errors', () => {
    const gen = (inner: string, alg = 'HS256') => deployErrors({ GJ: hs(inner, alg) })
    expect(gen('<AdditionalClaims><Claim name="sub">x</Claim></AdditionalClaims>')).toEqual(['InvalidNameForAdditionalClaim'])
    expect(gen('<AdditionalClaims><Claim name="x" type="date">x</Claim></AdditionalClaims>')).toEqual(['InvalidTypeForAdditionalClaim'])
    expect(gen('<AdditionalClaims><Claim>x</Claim></AdditionalClaims>')).toEqual(['MissingNameForAdditionalClaim'])
    expect(gen('<ExpiresIn>soon</ExpiresIn>')).toEqual(['InvalidValueForElement'])
    expect(gen('<NotBefore>someday</NotBefore>')).toEqual(['InvalidValueForElement'])
    expect(gen('', 'HS999')).toEqual(['InvalidAlgorithm'])
    expect(gen('', 'HS256,HS384')).toEqual(['InvalidAlgorithm'])
    expect(deployErrors({ GJ: '<GenerateJWT name="GJ"><Algorithm>RS256</Algorithm><SecretKey><Value ref="private.secret"/></SecretKey></GenerateJWT>' })).toEqual(['InvalidConfiguration'])
    expect(deployErrors({ VJ: '<VerifyJWT name="VJ"><Algorithm>RS256,HS256</Algorithm><SecretKey><Value ref="s"/></SecretKey></VerifyJWT>' })).toEqual(['InvalidAlgorithm'])
    expect(deployErrors({ VJ: '<VerifyJWT name="VJ"><Algorithm>ES256</Algorithm><PublicKey/></VerifyJWT>' })).toEqual(['InvalidConfiguration'])
    expect(deployErrors({ VJ: '<VerifyJWT name="VJ"><Algorithm>HS256</Algorithm><SecretKey><Value ref="s"/></SecretKey><TimeAllowance>a while</TimeAllowance></VerifyJWT>' })).toEqual(['InvalidValueForElement'])
  })
})

describe('VerifyJWT', () => {
  const vj = (inner = '', alg = 'HS256', key = '<SecretKey><Value ref="private.secret"/></SecretKey>') => `<VerifyJWT name="VJ"><Algorithm>${alg}</Algorithm>${key}${inner}</VerifyJWT>`
  const hsGateway = (inner = ''): Gateway =>
    gateway({ Keys: setVars({ 'private.secret': SECRET }), VJ: vj(inner), 'Show-X-Out': show('jwt.VJ.valid'), 'Show-X-Sub': show('jwt.VJ.claim.subject', 'X-Sub') }, ['Keys', 'VJ', 'Show-X-Out', 'Show-X-Sub'])

  test('a valid HS256 token passes; jwt.VJ.valid and the claims are set', async () => {
    const r = await hsGateway().call({ Authorization: `Bearer ${await sign({ sub: 'ada', exp: now + 60 })}` })
    expect([r.status, r.json.headers['x-out'], r.json.headers['x-sub']]).toEqual([200, 'true', 'ada'])
  })

  test('expiry on the engine clock, with TimeAllowance', async () => {
    const token = await sign({ sub: 'ada', exp: now + 60 })
    const g = hsGateway()
    g.advance(60)
    expect(fault(await g.call({ Authorization: `Bearer ${token}` }))).toEqual([
      401,
      'steps.jwt.TokenExpired',
      'The Token has expired: policy(VJ) jwtExpiry(2026-01-01T00:01:00Z) currentTime(2026-01-01T00:01:00Z)'
    ])
    const lenient = hsGateway('<TimeAllowance>30s</TimeAllowance>')
    lenient.advance(89)
    expect((await lenient.call({ Authorization: `Bearer ${token}` })).status).toBe(200)
  })

  test('not yet valid, and issued in the future', async () => {
    expect(fault(await hsGateway().call({ Authorization: `Bearer ${await sign({ nbf: now + 10 })}` }))[1]).toBe('steps.jwt.TokenNotYetValid')
    expect(fault(await hsGateway().call({ Authorization: `Bearer ${await sign({ iat: now + 10 })}` }))[1]).toBe('steps.jwt.InvalidIatTimestamp')
    expect(fault(await hsGateway().call({ Authorization: `Bearer ${await sign({ iat: 'yesterday' })}` }))[1]).toBe('steps.jwt.InvalidIatTimestamp')
  })

  test('algorithm checks: none in header, another than configured', async () => {
    const noAlg = `${Buffer.from('{"typ":"JWT"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.sig`
    expect(fault(await hsGateway().call({ Authorization: `Bearer ${noAlg}` }))).toEqual([401, 'steps.jwt.NoAlgorithmFoundInHeader', 'No algorithm found in header: policy(VJ)'])
    const hs384 = await sign({}, { alg: 'HS384' }, new TextEncoder().encode(SECRET + SECRET))
    expect(fault(await hsGateway().call({ Authorization: `Bearer ${hs384}` }))).toEqual([401, 'steps.jwt.AlgorithmMismatch', 'Algorithm mismatch: policy(VJ) expected(HS256) actual(HS384)'])
  })

  test('a tampered payload: InvalidSignature; a malformed token: InvalidToken; error variable set', async () => {
    const [h, , s] = (await sign({ sub: 'ada' })).split('.')
    const tampered = `${h}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.${s}`
    expect(fault(await hsGateway().call({ Authorization: `Bearer ${tampered}` }))).toEqual([401, 'steps.jwt.InvalidSignature', 'Signature could not be verified: policy(VJ)'])
    expect(fault(await hsGateway().call({ Authorization: 'Bearer abc.def' }))).toEqual([401, 'steps.jwt.InvalidToken', 'Invalid token: policy(VJ)'])
    const g = gateway(
      { Keys: setVars({ 'private.secret': SECRET }), VJ: vj().replace('<VerifyJWT ', '<VerifyJWT continueOnError="true" '), 'Show-X-Out': show('jwt.VJ.error'), 'Show-X-Sub': show('jwt.VJ.valid', 'X-Sub') },
      ['Keys', 'VJ', 'Show-X-Out', 'Show-X-Sub']
    )
    const r = await g.call({ Authorization: `Bearer ${tampered}` })
    expect([r.status, r.json.headers['x-out'], r.json.headers['x-sub']]).toEqual([200, 'Signature could not be verified: policy(VJ)', 'false'])
  })

  test('issuer, subject, audience and additional claims must match', async () => {
    const inner = '<Issuer>iss-1</Issuer><Subject>ada</Subject><Audience>orders</Audience><AdditionalClaims><Claim name="tier">gold</Claim></AdditionalClaims>'
    const good = { iss: 'iss-1', sub: 'ada', aud: ['billing', 'orders'], tier: 'gold' }
    const run = async (payload: Record<string, unknown>) => hsGateway(inner).call({ Authorization: `Bearer ${await sign(payload)}` })
    expect((await run(good)).status).toBe(200)
    expect(fault(await run({ ...good, iss: 'iss-2' }))).toEqual([401, 'steps.jwt.JwtIssuerMismatch', 'Issuer mismatch: policy(VJ)'])
    expect(fault(await run({ ...good, sub: 'bob' }))).toEqual([401, 'steps.jwt.JwtSubjectMismatch', 'Subject mismatch: policy(VJ)'])
    expect(fault(await run({ ...good, aud: 'billing' }))).toEqual([401, 'steps.jwt.JwtAudienceMismatch', 'Audience mismatch: policy(VJ)'])
    expect(fault(await run({ ...good, tier: 'silver' }))).toEqual([401, 'steps.jwt.InvalidClaim', 'Invalid Claim: policy(VJ) claim(tier)'])
  })

  test('critical headers must be known unless IgnoreCriticalHeaders', async () => {
    // jose refuses to sign an unknown crit header, so this token is put together by hand.
    const signingInput = `${Buffer.from('{"alg":"HS256","crit":["trace"],"trace":"x"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}`
    const token = `${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`
    expect(fault(await hsGateway().call({ Authorization: `Bearer ${token}` }))).toEqual([401, 'steps.jwt.UnhandledCriticalHeader', 'Unhandled critical header: policy(VJ) header(trace)'])
    expect((await hsGateway('<KnownHeaders>trace</KnownHeaders>').call({ Authorization: `Bearer ${token}` })).status).toBe(200)
    expect((await hsGateway('<IgnoreCriticalHeaders>true</IgnoreCriticalHeaders>').call({ Authorization: `Bearer ${token}` })).status).toBe(200)
  })

  test('RS256 with a PEM public key; a token signed by another key fails', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const g = gateway({ Keys: setVars({ 'public.key': pem(rsa.publicKey) }), VJ: vj('', 'RS256,RS512', '<PublicKey><Value ref="public.key"/></PublicKey>') }, ['Keys', 'VJ'])
    expect((await g.call({ Authorization: `Bearer ${await sign({ sub: 'a' }, { alg: 'RS512' }, rsa.privateKey)}` })).status).toBe(200)
    expect(fault(await g.call({ Authorization: `Bearer ${await sign({ sub: 'a' }, { alg: 'RS256' }, other.privateKey)}` }))[1]).toBe('steps.jwt.InvalidSignature')
  })

  test('JWKS from a URL: key by kid, cached five minutes on the engine clock, unknown kid refused', async () => {
    const jwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', use: 'sig' }
    const http = fakeHttp(() => ({ status: 200, reasonPhrase: 'OK', headers: [['content-type', 'application/json']], body: new TextEncoder().encode(JSON.stringify({ keys: [jwk] })) }))
    const g = gateway({ VJ: vj('', 'ES256', '<PublicKey><JWKS uri="https://idp.example/jwks"/></PublicKey>') }, ['VJ'], http)
    const token = await sign({ sub: 'a' }, { alg: 'ES256', kid: 'ec-1' }, ec.privateKey)
    expect((await g.call({ Authorization: `Bearer ${token}` })).status).toBe(200)
    expect((await g.call({ Authorization: `Bearer ${token}` })).status).toBe(200)
    expect(http.sent.map((s) => s.url)).toEqual(['https://idp.example/jwks'])
    g.advance(301)
    expect((await g.call({ Authorization: `Bearer ${token}` })).status).toBe(200)
    expect(http.sent).toHaveLength(2)
    const other = await sign({ sub: 'a' }, { alg: 'ES256', kid: 'ec-2' }, ec.privateKey)
    expect(fault(await g.call({ Authorization: `Bearer ${other}` }))).toEqual([401, 'steps.jwt.NoMatchingPublicKey', 'No matching public key: policy(VJ) kid(ec-2)'])
  })

  test('a JWKS URL that fails: UnknownException; a JWKS that is not one: KeyParsingFailed', async () => {
    const token = await sign({}, { alg: 'ES256', kid: 'ec-1' }, ec.privateKey)
    const down = fakeHttp(() => ({ status: 503, reasonPhrase: 'Unavailable', headers: [], body: new Uint8Array() }))
    const r = await gateway({ VJ: vj('', 'ES256', '<PublicKey><JWKS uri="https://idp.example/jwks"/></PublicKey>') }, ['VJ'], down).call({ Authorization: `Bearer ${token}` })
    expect(fault(r)).toEqual([401, 'steps.jwt.UnknownException', 'Failed to fetch the JWKS: policy(VJ) uri(https://idp.example/jwks) reason(HTTP 503)'])
    const g = gateway({ Keys: setVars({ jwks: 'nope' }), VJ: vj('', 'ES256', '<PublicKey><JWKS ref="jwks"/></PublicKey>') }, ['Keys', 'VJ'])
    expect(fault(await g.call({ Authorization: `Bearer ${token}` }))[1]).toBe('steps.jwt.KeyParsingFailed')
  })

  test('GenerateJWT output verifies with VerifyJWT (PS384)', async () => {
    const g = gateway(
      {
        Keys: setVars({ 'private.key': pem(rsa.privateKey), 'public.key': pem(rsa.publicKey) }),
        GJ: `<GenerateJWT name="GJ"><Algorithm>PS384</Algorithm><PrivateKey><Value ref="private.key"/></PrivateKey><Subject>ada</Subject><ExpiresIn>5m</ExpiresIn><OutputVariable>t</OutputVariable></GenerateJWT>`,
        VJ: vj('<Source>t</Source><Subject>ada</Subject>', 'PS384', '<PublicKey><Value ref="public.key"/></PublicKey>'),
        'Show-X-Out': show('jwt.VJ.seconds_remaining')
      },
      ['Keys', 'GJ', 'VJ', 'Show-X-Out']
    )
    const r = await g.call()
    expect([r.status, r.json.headers['x-out']]).toEqual([200, '300'])
  })

  test('ES384 with a PEM X.509 certificate (GenerateJWT with the matching private key)', async () => {
    const fixture = (f: string): string => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8')
    const g = gateway(
      {
        Keys: setVars({ 'private.key': fixture('es384-key.pem'), cert: fixture('es384-cert.pem') }),
        GJ: `<GenerateJWT name="GJ"><Algorithm>ES384</Algorithm><PrivateKey><Value ref="private.key"/></PrivateKey><Issuer>me</Issuer><OutputVariable>t</OutputVariable></GenerateJWT>`,
        VJ: vj('<Source>t</Source><Issuer>me</Issuer>', 'ES384', '<PublicKey><Certificate ref="cert"/></PublicKey>')
      },
      ['Keys', 'GJ', 'VJ']
    )
    expect((await g.call()).status).toBe(200)
    const bad = gateway({ Keys: setVars({ cert: 'garbage' }), VJ: vj('', 'ES384', '<PublicKey><Certificate ref="cert"/></PublicKey>') }, ['Keys', 'VJ'])
    const token = await sign({}, { alg: 'ES384' }, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey)
    expect(fault(await bad.call({ Authorization: `Bearer ${token}` }))).toEqual([401, 'steps.jwt.KeyParsingFailed', 'Failed to parse key: policy(VJ) Certificate is not a PEM X.509 certificate'])
  })
})
