/**
 * The bench's gateway: the sample workspace plus the bench's own proxies, deployed on the real engine
 * behind the real listeners on 127.0.0.1, tracing on. Bench proxies: an echo proxy without policies
 * (/bench), a token endpoint (/bench-oauth/token, client_credentials), an echo proxy whose PreFlow
 * verifies an access token (/verify) and a proxy that verifies JWT access tokens and answers itself (/jwt).
 * The listener bench keeps tokens in the app's own token journal (a temp folder), so an issued token is on
 * disk, fdatasync'd, before its response goes out, as in the app.
 */
import { jwtVerify } from 'jose'
import { createEngine, cryptoRandom, systemClock, type Engine, type GatewayRequest } from '../src/engine'
import { createMemoryTokenStore, hashToken, mintOpaqueToken, type TokenStore } from '../src/engine/tokens'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGateway } from '../src/main/http/gateway'
import { openTokenJournal } from '../src/main/store/token-journal'
import { createHttpClient } from '../src/main/http/http-client'
import { workspaceSchema } from '../src/shared/model'
import sample from '../resources/samples/sample-org.json'
import type { TokenRecord } from '../src/shared/tokens'

export const BENCH_PATH = '/bench/echo?x=1'
const CLIENT_ID = 'bench-key'
const CLIENT_SECRET = 'bench-secret'
/** HS256 needs a key of at least 32 bytes. */
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789'
const FORM_TYPE: [string, string] = ['Content-Type', 'application/x-www-form-urlencoded']
const BASIC_AUTH: [string, string] = ['Authorization', `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`]

/** A request as autocannon sends it. */
export interface BenchRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
}

const echoTarget = '<TargetEndpoint name="default"><HTTPTargetConnection><URL>echo://</URL></HTTPTargetConnection></TargetEndpoint>'
const toTarget = '<RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>'
const preFlow = (step: string) => `<PreFlow><Request><Step><Name>${step}</Name></Step></Request></PreFlow>`

/** The sample workspace with the bench's proxies, product, developer and app added to its test environment. */
function benchWorkspace() {
  const base = workspaceSchema.parse(sample)
  const bench = workspaceSchema.parse({
    schemaVersion: 2,
    organization: { name: 'bench' },
    environments: [{ name: 'test', port: 9001, variables: [{ name: 'private.jwtkey', value: JWT_SECRET }] }],
    proxies: [
      {
        name: 'bench-echo',
        basePath: '/bench',
        environments: ['test'],
        proxyEndpoints: { default: `<ProxyEndpoint name="default">${toTarget}</ProxyEndpoint>` },
        targetEndpoints: { default: echoTarget }
      },
      {
        name: 'bench-oauth',
        basePath: '/bench-oauth',
        environments: ['test'],
        proxyEndpoints: {
          default: `<ProxyEndpoint name="default"><Flows>
            <Flow name="token"><Request><Step><Name>Token</Name></Step></Request><Condition>proxy.pathsuffix MatchesPath "/token"</Condition></Flow>
            <Flow name="jwt"><Request><Step><Name>JwtToken</Name></Step></Request><Condition>proxy.pathsuffix MatchesPath "/jwt-token"</Condition></Flow>
          </Flows><RouteRule name="none"/></ProxyEndpoint>`
        },
        policies: {
          Token:
            '<OAuthV2 name="Token"><Operation>GenerateAccessToken</Operation><ExpiresIn>3600000</ExpiresIn>' +
            '<SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes><GenerateResponse enabled="true"/></OAuthV2>',
          JwtToken:
            '<OAuthV2 name="JwtToken"><Operation>GenerateJWTAccessToken</Operation><ExpiresIn>3600000</ExpiresIn><Algorithm>HS256</Algorithm>' +
            '<SecretKey><Value ref="private.jwtkey"/></SecretKey>' +
            '<SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes><GenerateResponse enabled="true"/></OAuthV2>'
        }
      },
      {
        name: 'bench-verify',
        basePath: '/verify',
        environments: ['test'],
        proxyEndpoints: { default: `<ProxyEndpoint name="default">${preFlow('Verify')}${toTarget}</ProxyEndpoint>` },
        targetEndpoints: { default: echoTarget },
        policies: { Verify: '<OAuthV2 name="Verify"><Operation>VerifyAccessToken</Operation></OAuthV2>' }
      },
      {
        name: 'bench-jwt',
        basePath: '/jwt',
        environments: ['test'],
        proxyEndpoints: { default: `<ProxyEndpoint name="default">${preFlow('VerifyJwt')}<RouteRule name="none"/></ProxyEndpoint>` },
        policies: {
          VerifyJwt:
            '<OAuthV2 name="VerifyJwt"><Operation>VerifyJWTAccessToken</Operation><Algorithm>HS256</Algorithm>' +
            '<SecretKey><Value ref="private.jwtkey"/></SecretKey></OAuthV2>'
        }
      }
    ],
    apiProducts: [{ name: 'BenchProduct', environments: ['test'] }],
    developers: [{ developerId: 'dev-bench', email: 'bench@example.com' }],
    apps: [
      {
        appId: 'app-bench',
        name: 'BenchApp',
        developerId: 'dev-bench',
        credentials: [{ consumerKey: CLIENT_ID, consumerSecret: CLIENT_SECRET, issuedAt: 0, apiProducts: [{ apiproduct: 'BenchProduct', status: 'approved' }] }]
      }
    ]
  })
  return workspaceSchema.parse({
    ...base,
    environments: base.environments.map((env) =>
      env.name === 'test' ? { ...env, variables: [...env.variables, ...bench.environments[0]!.variables] } : env
    ),
    proxies: [...base.proxies, ...bench.proxies],
    apiProducts: [...base.apiProducts, ...bench.apiProducts],
    developers: [...base.developers, ...bench.developers],
    apps: [...base.apps, ...bench.apps]
  })
}

/** `count` live access-token records shaped like the ones GenerateAccessToken stores for the bench app. */
export function liveTokenRecords(count: number, now: number): TokenRecord[] {
  const records: TokenRecord[] = []
  for (let i = 0; i < count; i++) {
    records.push({
      kind: 'access_token',
      hash: hashToken(mintOpaqueToken(cryptoRandom)),
      issuedAt: now,
      expiresAt: now + 3_600_000,
      status: 'approved',
      clientId: CLIENT_ID,
      appId: 'app-bench',
      appName: 'BenchApp',
      developerId: 'dev-bench',
      developerEmail: 'bench@example.com',
      products: ['BenchProduct'],
      scope: '',
      grantType: 'client_credentials',
      attributes: [],
      refreshExpiresAt: 0,
      refreshCount: 0,
      organization: sample.organization.name,
      environment: 'test'
    })
  }
  return records
}

/** An engine with the bench workspace deployed; `liveTokens` records are in its token store from the start. */
export function createBenchEngine(liveTokens = 0, traceLimit?: number, tokens?: TokenStore): Engine {
  const engine = createEngine({
    ...(traceLimit !== undefined ? { traceLimit } : {}),
    clock: systemClock,
    random: cryptoRandom,
    http: createHttpClient(),
    tokens: tokens ?? createMemoryTokenStore(liveTokenRecords(liveTokens, systemClock.now()))
  })
  const report = engine.deploy(benchWorkspace())
  if (!report.ok) throw new Error(`bench workspace failed to deploy: ${JSON.stringify(report.errors)}`)
  return engine
}

function gatewayRequest(method: string, url: string, headers: Array<[string, string]>, body = ''): GatewayRequest {
  return { method, url, headers, body: new TextEncoder().encode(body), clientIp: '127.0.0.1', clientPort: 50000 }
}

/** Issues an access token (opaque, or a JWT) through the engine, as a client would get one. */
export async function issueToken(engine: Engine, kind: 'opaque' | 'jwt'): Promise<string> {
  const path = kind === 'jwt' ? '/bench-oauth/jwt-token' : '/bench-oauth/token'
  const { response } = await engine.handle('test', gatewayRequest('POST', path, [FORM_TYPE, BASIC_AUTH], 'grant_type=client_credentials'))
  const body = new TextDecoder().decode(response.body)
  if (response.status !== 200) throw new Error(`token request answered ${response.status}: ${body}`)
  return (JSON.parse(body) as { access_token: string }).access_token
}

/** Starts the gateway on a free port; resolves with the port, the requests to send (with a valid token) and a way to stop it. */
export async function startBenchGateway(options: { liveTokens?: number; traceLimit?: number } = {}): Promise<{
  port: number
  traceLimit: number
  requests: { echo: BenchRequest; verify: BenchRequest; token: BenchRequest }
  stop: () => Promise<void>
}> {
  // The app's own token store: a journal in a temp folder, every issued token on disk before its response.
  const dataDir = mkdtempSync(join(tmpdir(), 'gatelab-bench-tokens-'))
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }))
  // The parent stops a server with SIGTERM: exit normally so the folder above is removed.
  process.once('SIGTERM', () => process.exit(0))
  const tokens = await openTokenJournal({ dir: dataDir, now: () => systemClock.now(), report: (p) => console.warn(p.message) })
  for (const record of liveTokenRecords(options.liveTokens ?? 0, systemClock.now())) tokens.put(record)
  // Start from a snapshot, as a restarted app would.
  await tokens.compact()
  const engine = createBenchEngine(0, options.traceLimit, tokens)
  const accessToken = await issueToken(engine, 'opaque')
  const requests = {
    echo: { method: 'GET', path: BENCH_PATH, headers: {} },
    verify: { method: 'GET', path: '/verify/echo?x=1', headers: { Authorization: `Bearer ${accessToken}` } },
    token: { method: 'POST', path: '/bench-oauth/token', headers: Object.fromEntries([FORM_TYPE, BASIC_AUTH]), body: 'grant_type=client_credentials' }
  }
  const environments = engine.workspace().environments
  const gateway = createGateway({
    engine,
    environments,
    portOverrides: Object.fromEntries(environments.map((env) => [env.name, 0])),
    whenDurable: () => tokens.whenDurable()
  })
  await gateway.start()
  const status = gateway.status().find((listener) => listener.environment === 'test')!
  if (status.state !== 'started') throw new Error(`gateway did not start: ${status.error ?? status.state}`)
  return { port: status.port, traceLimit: engine.traces.limit, requests, stop: async () => {
    await gateway.stop()
    await tokens.close()
  } }
}

/** Operations per second of `op` over `seconds`, with the CPU time it used. */
async function rate(op: () => Promise<unknown>, seconds: number): Promise<{ opsPerSecond: number; cpuMicrosPerOp: number; ops: number }> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const end = start + seconds * 1000
  let ops = 0
  // Batches keep the clock reads out of the measured work.
  while (performance.now() < end) {
    for (let i = 0; i < 200; i++) await op()
    ops += 200
  }
  const elapsed = (performance.now() - start) / 1000
  const used = process.cpuUsage(cpu)
  return { opsPerSecond: ops / elapsed, cpuMicrosPerOp: (used.user + used.system) / ops, ops }
}

/**
 * In-process JWT verification: a request through the engine to a proxy whose PreFlow has
 * VerifyJWTAccessToken (routing, flow, policy, trace) against jose's jwtVerify with the same key
 * and token. Rounds alternate so that load from other programs hits both alike.
 */
export async function jwtVerifyBench(seconds: number, rounds: number) {
  const engine = createBenchEngine()
  const token = await issueToken(engine, 'jwt')
  const request = gatewayRequest('GET', '/jwt/check', [['Authorization', `Bearer ${token}`]])
  const check = await engine.handle('test', request)
  if (check.response.status !== 200) throw new Error(`JWT proxy answered ${check.response.status}: ${new TextDecoder().decode(check.response.body)}`)
  const key = new TextEncoder().encode(JWT_SECRET)
  const viaEngine = () => engine.handle('test', request)
  const viaJose = () => jwtVerify(token, key, { algorithms: ['HS256'] })
  await rate(viaEngine, 0.5)
  await rate(viaJose, 0.5)
  const engineRuns = []
  const joseRuns = []
  for (let round = 0; round < rounds; round++) {
    joseRuns.push(await rate(viaJose, seconds))
    engineRuns.push(await rate(viaEngine, seconds))
  }
  return { engine: engineRuns, jose: joseRuns, tokenBytes: token.length }
}
