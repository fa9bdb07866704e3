/**
 * GenerateJWT and VerifyJWT as a client sees them through the real listener of a running console: one proxy
 * issues an RS256 JWT, another verifies it against a JWKS the gateway fetches from a real local server.
 */
import http from 'node:http'
import { generateKeyPairSync } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatelabConsole } from '../../../src/main/console'
import type { Workspace } from '../../../src/shared/model'
import { listenLocal, consoleWith, testGatewayUrl } from './local-console'

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 })
const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
const jwks = JSON.stringify({ keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] })

function endpoint(base: string, steps: string[]): string {
  return `<ProxyEndpoint name="default"><PreFlow name="PreFlow"><Request>${steps.map((s) => `<Step><Name>${s}</Name></Step>`).join('')}</Request><Response/></PreFlow><HTTPProxyConnection><BasePath>${base}</BasePath></HTTPProxyConnection><RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule></ProxyEndpoint>`
}

function jwtWorkspace(port: number): Workspace {
  const target = { default: `<TargetEndpoint name="default"><HTTPTargetConnection><URL>http://127.0.0.1:${port}/svc</URL></HTTPTargetConnection></TargetEndpoint>` }
  const proxy = (name: string, basePath: string, policies: Record<string, string>) => ({
    name,
    description: '',
    basePath,
    environments: ['test'],
    proxyEndpoints: { default: endpoint(basePath, Object.keys(policies)) },
    targetEndpoints: target,
    policies,
    resources: {}
  })
  return {
    schemaVersion: 2,
    organization: { name: 'jwt', displayName: '', tokenCacheSeconds: 0 },
    environments: [{ name: 'test', description: '', port: 9302, hostAliases: [], variables: [] }],
    proxies: [
      proxy('issuer', '/issue', {
        Keys: `<AssignMessage name="Keys"><AssignVariable><Name>private.key</Name><Value>${privatePem}</Value></AssignVariable></AssignMessage>`,
        GJ: `<GenerateJWT name="GJ"><Algorithm>RS256</Algorithm><PrivateKey><Value ref="private.key"/><Id>k1</Id></PrivateKey><Issuer>urn://gatelab</Issuer><Subject ref="request.queryparam.user"/><ExpiresIn>10m</ExpiresIn></GenerateJWT>`,
        Hand: `<AssignMessage name="Hand"><Set><Headers><Header name="X-Jwt">{jwt.GJ.generated_jwt}</Header></Headers></Set></AssignMessage>`
      }),
      proxy('api', '/api', {
        VJ: `<VerifyJWT name="VJ"><Algorithm>RS256</Algorithm><PublicKey><JWKS uri="http://127.0.0.1:${port}/jwks"/></PublicKey><Issuer>urn://gatelab</Issuer></VerifyJWT>`,
        Who: `<AssignMessage name="Who"><Set><Headers><Header name="X-User">{jwt.VJ.claim.subject}</Header></Headers></Set></AssignMessage>`
      })
    ],
    apiProducts: [],
    developers: [],
    apps: []
  } as unknown as Workspace
}

let gatelab: GatelabConsole
let backend: http.Server
let jwksFetches = 0

beforeAll(async () => {
  backend = http.createServer((req, res) => {
    req.resume()
    if (req.url === '/jwks') {
      jwksFetches++
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(jwks)
      return
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(String(req.headers['x-jwt'] ?? `hello ${String(req.headers['x-user'])}`))
  })
  const port = await listenLocal(backend)
  gatelab = await consoleWith('jwt', jwtWorkspace(port))
})

afterAll(async () => {
  await gatelab.close()
  backend.closeAllConnections()
  backend.close()
})

const base = (): string => testGatewayUrl(gatelab)

describe('JWT policies over HTTP', () => {
  it('a JWT issued by one proxy is accepted by another that verifies it against a fetched JWKS', async () => {
    const jwt = await (await fetch(`${base()}/issue/token?user=ada`)).text()
    expect(jwt.split('.')).toHaveLength(3)
    const res = await fetch(`${base()}/api/orders`, { headers: { Authorization: `Bearer ${jwt}` } })
    expect([res.status, await res.text()]).toEqual([200, 'hello ada'])
    const again = await fetch(`${base()}/api/orders`, { headers: { Authorization: `Bearer ${jwt}` } })
    expect(again.status).toBe(200)
    expect(jwksFetches).toBe(1)
  })

  it('a tampered JWT is refused with 401 and the reference fault body; no token is refused too', async () => {
    const [h, , s] = (await (await fetch(`${base()}/issue/token?user=ada`)).text()).split('.')
    const forged = `${h}.${Buffer.from('{"iss":"urn://gatelab","sub":"admin"}').toString('base64url')}.${s}`
    const res = await fetch(`${base()}/api/orders`, { headers: { Authorization: `Bearer ${forged}` } })
    expect(res.status).toBe(401)
    expect(await res.text()).toBe('{"fault":{"faultstring":"Signature could not be verified: policy(VJ)","detail":{"errorcode":"steps.jwt.InvalidSignature"}}}')
    const none = await fetch(`${base()}/api/orders`)
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual({
      fault: { faultstring: 'Failed to Resolve Variable : policy(VJ) variable(request.header.authorization)', detail: { errorcode: 'steps.jwt.FailedToResolveVariable' } }
    })
  })
})
