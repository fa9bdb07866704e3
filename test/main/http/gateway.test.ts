import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { createGateway, portRetryDelay, type Gateway } from '../../../src/main/http/gateway'
import { createHttpClient } from '../../../src/main/http/http-client'
import { deployOk, makeEngine, proxy, proxyEndpoint, workspace } from '../../engine/runtime/helpers'
import type { Environment } from '../../../src/shared/model'

const gateways: Gateway[] = []
const servers: http.Server[] = []

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()))
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()) })))
})

async function startGateway(options: { maxBodyBytes?: number; headersTimeoutMs?: number; targetUrl?: string; timeoutMs?: number } = {}) {
  const engine = makeEngine(createHttpClient({ keepAlive: false }))
  const target = options.targetUrl
    ? `<TargetEndpoint name="default"><HTTPTargetConnection><URL>${options.targetUrl}</URL>${options.timeoutMs ? `<Properties><Property name="io.timeout.millis">${options.timeoutMs}</Property></Properties>` : ''}</HTTPTargetConnection></TargetEndpoint>`
    : undefined
  const ws = workspace([
    proxy({ name: 'echo', basePath: '/echo', environments: ['test', 'prod'] }),
    ...(target ? [proxy({ name: 'real', basePath: '/real', targetEndpoints: { default: target } })] : [])
  ])
  deployOk(engine, ws)
  const gateway = createGateway({
    engine,
    environments: ws.environments,
    portOverrides: { test: 0, prod: 0 },
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.headersTimeoutMs ? { headersTimeoutMs: options.headersTimeoutMs, requestTimeoutMs: options.headersTimeoutMs * 2 } : {})
  })
  gateways.push(gateway)
  await gateway.start()
  const port = (env: string) => gateway.status().find((s) => s.environment === env)!.port
  return { gateway, engine, ws, port }
}

function send(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler)
  servers.push(server)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

describe('gateway listeners', () => {
  test('one listener per environment on 127.0.0.1, with status', async () => {
    const { gateway, port } = await startGateway()
    const status = gateway.status()
    expect(status.map((s) => [s.environment, s.host, s.state, s.hostAliases])).toEqual([
      ['test', '127.0.0.1', 'started', ['test.local']],
      ['prod', '127.0.0.1', 'started', []]
    ])
    expect(port('test')).not.toBe(port('prod'))
    expect(status[0]!.url).toBe(`http://127.0.0.1:${port('test')}`)
    const r = await send(port('test'), '/echo/hi?x=1', { headers: { 'X-Custom': 'c' } })
    expect(r.status).toBe(200)
    const body = JSON.parse(r.body)
    expect(body).toMatchObject({ method: 'GET', path: '/hi', query: { x: '1' }, variables: { 'environment.name': 'test', 'apiproxy.name': 'echo' } })
    expect(body.headers['x-custom']).toBe('c')
    expect(r.headers['content-type']).toBe('application/json')
    await gateway.stop()
    expect(gateway.status().map((s) => s.state)).toEqual(['stopped', 'stopped'])
  })

  test('a Host alias routes to its environment whichever gateway port received it', async () => {
    const { port } = await startGateway()
    const viaProdPort = await send(port('prod'), '/echo', { headers: { Host: `test.local:${port('prod')}` } })
    expect(JSON.parse(viaProdPort.body).variables['environment.name']).toBe('test')
    const plain = await send(port('prod'), '/echo')
    expect(JSON.parse(plain.body).variables['environment.name']).toBe('prod')
  })

  test('no proxy: 404 ApplicationNotFound envelope', async () => {
    const { port } = await startGateway()
    const r = await send(port('prod'), '/nothing/here?q=1')
    expect(r.status).toBe(404)
    expect(r.body).toBe('{"fault":{"faultstring":"Unable to identify proxy for host: prod and url: /nothing/here","detail":{"errorcode":"messaging.adaptors.http.flow.ApplicationNotFound"}}}')
  })

  test.each([
    { name: 'declared Content-Length', headers: {} as Record<string, string> },
    { name: 'chunked upload', headers: { 'Transfer-Encoding': 'chunked' } }
  ])('a body over the limit gets 413 with a fault envelope ($name)', async ({ headers }) => {
    const { port, engine } = await startGateway({ maxBodyBytes: 16 })
    const r = await send(port('test'), '/echo', { method: 'POST', headers, body: 'x'.repeat(64) })
    expect(r.status).toBe(413)
    expect(r.body).toBe('{"fault":{"faultstring":"Body buffer overflow","detail":{"errorcode":"protocol.http.TooBigBody"}}}')
    expect(engine.traces.size).toBe(0)
    const ok = await send(port('test'), '/echo', { method: 'POST', body: 'x'.repeat(16) })
    expect(ok.status).toBe(200)
  })

  test('a client that never finishes its headers is cut off', async () => {
    const { port } = await startGateway({ headersTimeoutMs: 300 })
    const socket = net.connect(port('test'), '127.0.0.1')
    const received: Buffer[] = []
    socket.on('data', (d: Buffer) => received.push(d))
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()))
    socket.write('GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
    await new Promise<void>((resolve) => socket.on('close', () => resolve()))
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
  })

  test('a port in use is reported, and reconcile starts, moves and stops listeners', async () => {
    const busyPort = await listen((_req, res) => res.end('busy'))
    const engine = makeEngine()
    const env = (name: string, port: number): Environment => ({ name, description: '', port, hostAliases: [], variables: [] })
    const gateway = createGateway({ engine, environments: [env('a', busyPort)] })
    gateways.push(gateway)
    await gateway.start()
    expect(gateway.status()).toEqual([
      {
        environment: 'a',
        host: '127.0.0.1',
        port: busyPort,
        url: `http://127.0.0.1:${busyPort}`,
        hostAliases: [],
        state: 'port-in-use',
        error: `port ${busyPort} is in use by another program`,
        retry: { attempts: 1, nextAttemptAt: expect.any(Number) }
      }
    ])
    const free = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port
        probe.close(() => resolve(p))
      })
    })
    await gateway.reconcile([env('a', free), env('b', free)])
    expect(gateway.status().map((s) => [s.environment, s.state, s.port])).toEqual([['a', 'started', free], ['b', 'error', free]])
    expect(gateway.status()[1]!.error).toContain('already used by environment a')
    expect((await send(free, '/x')).status).toBe(404)
    await gateway.reconcile([])
    expect(gateway.status()).toEqual([])
    await expect(send(free, '/x')).rejects.toThrow(/ECONNREFUSED/)
  })
})

describe('a busy gateway port', () => {
  const env = (name: string, port: number): Environment => ({ name, description: '', port, hostAliases: [], variables: [] })

  /** A gateway whose retries come quickly, and a way to wait for its next retry's outcome. */
  async function busyGateway(environments: Environment[]) {
    let changed: () => void = () => {}
    const gateway = createGateway({ engine: makeEngine(), environments, portRetry: { initialMs: 20, maxMs: 40 }, onListenerChange: () => changed() })
    gateways.push(gateway)
    await gateway.start()
    const nextChange = () => new Promise<void>((resolve) => (changed = resolve))
    return { gateway, nextChange }
  }

  function closeServer(server: http.Server): Promise<void> {
    servers.splice(servers.indexOf(server), 1)
    return new Promise<void>((resolve) => server.close(() => resolve()))
  }

  test('backs off from 0.5 s, doubling, to every 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((attempt) => portRetryDelay(attempt))).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000, 10000])
  })

  test('is retried until it frees, then listens, and status shows the attempts', async () => {
    const busyPort = await listen((_req, res) => res.end('busy'))
    const busy = servers[servers.length - 1]!
    const before = Date.now()
    const { gateway, nextChange } = await busyGateway([env('a', busyPort)])
    const first = gateway.status()[0]!
    expect(first.state).toBe('port-in-use')
    expect(first.retry!.attempts).toBe(1)
    expect(first.retry!.nextAttemptAt).toBeGreaterThan(before)

    await nextChange()
    expect(gateway.status()[0]).toMatchObject({ state: 'port-in-use', retry: { attempts: 2 } })

    await closeServer(busy)
    // Once the port is free, the next retry takes it.
    while (gateway.status()[0]!.state !== 'started') await nextChange()
    const status = gateway.status()[0]!
    expect(status.retry).toBeUndefined()
    expect(status.error).toBeUndefined()
    expect((await send(busyPort, '/x')).status).toBe(404)
  })

  test('retries stop when the environment goes, or the gateway stops', async () => {
    const busyPort = await listen((_req, res) => res.end('busy'))
    const busy = servers[servers.length - 1]!
    const otherBusyPort = await listen((_req, res) => res.end('busy'))
    const removed = await busyGateway([env('a', busyPort)])
    const stopped = await busyGateway([env('b', busyPort)])
    // Retries at the same pace on a port that stays busy: while it makes three, the others would have retried too.
    const pacer = await busyGateway([env('c', otherBusyPort)])
    await removed.gateway.reconcile([])
    await stopped.gateway.stop()
    await closeServer(busy)
    for (let i = 0; i < 3; i++) await pacer.nextChange()
    expect(removed.gateway.status()).toEqual([])
    expect(stopped.gateway.status()[0]!.state).toBe('stopped')
    // Nobody took the freed port.
    const mine = await new Promise<number>((resolve, reject) => {
      const server = http.createServer((_req, res) => res.end('mine'))
      servers.push(server)
      server.once('error', reject)
      server.listen(busyPort, '127.0.0.1', () => resolve(busyPort))
    })
    expect((await send(mine, '/')).body).toBe('mine')
  })

  test('an edit elsewhere in the workspace does not reset the retries', async () => {
    const busyPort = await listen((_req, res) => res.end('busy'))
    const { gateway, nextChange } = await busyGateway([env('a', busyPort)])
    await nextChange()
    await gateway.reconcile([env('a', busyPort), env('b', 0)])
    expect(gateway.status()[0]).toMatchObject({ state: 'port-in-use', retry: { attempts: 2 } })
  })
})

describe('real HTTP targets through the listener', () => {
  test('method, path suffix, query, headers and body are forwarded; the answer comes back', async () => {
    let seen: { method?: string; url?: string; headers?: http.IncomingHttpHeaders; body?: string } = {}
    const targetPort = await listen((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() }
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Backend': 'yes' })
        res.end('{"created":true}')
      })
    })
    const { port } = await startGateway({ targetUrl: `http://127.0.0.1:${targetPort}/base` })
    const r = await send(port('test'), '/real/items/9?a=1', { method: 'PUT', headers: { 'Content-Type': 'text/plain', 'X-Client': 'c1' }, body: 'payload' })
    expect([r.status, r.body, r.headers['x-backend']]).toEqual([201, '{"created":true}', 'yes'])
    expect(seen).toMatchObject({ method: 'PUT', url: '/base/items/9?a=1', body: 'payload' })
    expect(seen.headers).toMatchObject({ 'x-client': 'c1', 'content-type': 'text/plain', host: `127.0.0.1:${targetPort}`, 'content-length': '7' })
  })

  test('connection refused gives 503 ServiceUnavailable', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port
        probe.close(() => resolve(p))
      })
    })
    const { port } = await startGateway({ targetUrl: `http://127.0.0.1:${closedPort}` })
    const r = await send(port('test'), '/real')
    expect([r.status, r.body]).toEqual([503, '{"fault":{"faultstring":"The Service is temporarily unavailable","detail":{"errorcode":"messaging.adaptors.http.flow.ServiceUnavailable"}}}'])
  })

  test('a target slower than io.timeout.millis gives 504 GatewayTimeout', async () => {
    const targetPort = await listen(() => { /* never answers */ })
    const { port } = await startGateway({ targetUrl: `http://127.0.0.1:${targetPort}`, timeoutMs: 200 })
    const r = await send(port('test'), '/real')
    expect([r.status, r.body]).toEqual([504, '{"fault":{"faultstring":"Gateway Timeout","detail":{"errorcode":"messaging.adaptors.http.flow.GatewayTimeout"}}}'])
  })

  test('a target that drops the connection gives 502 UnexpectedEOFAtTarget', async () => {
    const targetPort = await listen((req) => req.socket.destroy())
    const { port } = await startGateway({ targetUrl: `http://127.0.0.1:${targetPort}` })
    const r = await send(port('test'), '/real')
    expect([r.status, r.body]).toEqual([502, '{"fault":{"faultstring":"Unexpected EOF at target","detail":{"errorcode":"messaging.adaptors.http.flow.UnexpectedEOFAtTarget"}}}'])
  })
})
