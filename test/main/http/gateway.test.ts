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
    const env = (name: string, port: number): Environment => ({ name, description: '', port, hostAliases: [], restrictHosts: true, variables: [] })
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
  const env = (name: string, port: number): Environment => ({ name, description: '', port, hostAliases: [], restrictHosts: false, variables: [] })

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

/** Writes raw bytes on a TCP connection and collects what comes back until the server closes it (a reset ends it too). */
function rawExchange(port: number, ...parts: Array<string | Buffer>): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const received: Buffer[] = []
    socket.on('data', (d: Buffer) => received.push(d))
    socket.on('error', () => { /* a reset after the answer: what was read is what counts */ })
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')))
    for (const part of parts) socket.write(part)
  })
}

/**
 * Like a client that sends its whole request before it reads (as many HTTP libraries do): reading starts
 * only once the last byte is written; a reset while writing loses whatever answer had arrived.
 */
function sendAllThenRead(port: number, ...parts: Array<string | Buffer>): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const received: Buffer[] = []
    socket.pause()
    socket.on('data', (d: Buffer) => received.push(d))
    socket.on('error', () => { /* reported by what was read */ })
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')))
    parts.forEach((part, i) => socket.write(part, i === parts.length - 1 ? () => socket.resume() : undefined))
  })
}

describe('slow and hostile clients', () => {
  test('after the 408 the server destroys the connection even if the client never closes its side', async () => {
    const { port } = await startGateway({ headersTimeoutMs: 200 })
    const socket = net.connect({ port: port('test'), host: '127.0.0.1', allowHalfOpen: true })
    const received: Buffer[] = []
    socket.on('data', (d: Buffer) => received.push(d))
    const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()))
    const reset = new Promise<string>((resolve) => socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')))
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()))
    socket.write('GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
    await ended
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
    // The client keeps its side open and trickles on: once the server has dropped the socket, the kernel resets.
    const trickle = setInterval(() => socket.write('x'), 50)
    try {
      expect(['ECONNRESET', 'EPIPE']).toContain(await reset)
    } finally {
      clearInterval(trickle)
      socket.destroy()
    }
  })

  test('an 11 MB declared body gets a 413 the client reads, 10 times out of 10', async () => {
    const { port, engine } = await startGateway()
    const body = Buffer.alloc(11 * 1024 * 1024, 'x')
    const head = `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`
    for (let i = 0; i < 10; i++) {
      const response = await sendAllThenRead(port('test'), head, body)
      expect(response, `try ${i + 1}`).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/)
      expect(response).toMatch(/\r\nConnection: close\r\n/i)
      expect(response.endsWith('\r\n\r\n{"fault":{"faultstring":"Body buffer overflow","detail":{"errorcode":"protocol.http.TooBigBody"}}}'), `try ${i + 1}`).toBe(true)
    }
    expect(engine.traces.size).toBe(0)
  })

  test('a chunked upload that grows over the limit also gets a readable 413', async () => {
    const { port } = await startGateway({ maxBodyBytes: 1024 })
    const chunk = Buffer.alloc(64 * 1024, 'y')
    const chunks = Array.from({ length: 192 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]))
    const response = await sendAllThenRead(port('test'), 'POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n', ...chunks, '0\r\n\r\n')
    expect(response).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/)
    expect(response.endsWith('{"fault":{"faultstring":"Body buffer overflow","detail":{"errorcode":"protocol.http.TooBigBody"}}}')).toBe(true)
  })

  const CONNECT_405 = '{"fault":{"faultstring":"Method CONNECT is not allowed: the gateway does not open tunnels","detail":{"errorcode":"protocol.http.MethodNotAllowed"}}}'

  test('CONNECT pipelined after a valid request: the request is answered, CONNECT gets 405, the connection closes', async () => {
    const { port } = await startGateway()
    const response = await rawExchange(
      port('test'),
      'GET /echo/first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nCONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'
    )
    const [first, second] = response.split(/(?=HTTP\/1\.1 )/)
    expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(JSON.parse(first!.slice(first!.indexOf('\r\n\r\n') + 4)).path).toBe('/first')
    expect(second).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/)
    expect(second).toContain('\r\nAllow: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS\r\n')
    expect(second).toContain('\r\nConnection: close\r\n')
    expect(second!.endsWith(`\r\n\r\n${CONNECT_405}`)).toBe(true)
  })

  test('CONNECT waits for the answers of slower requests pipelined before it', async () => {
    const targetPort = await listen((_req, res) => setTimeout(() => res.end('from the target'), 100))
    const { port } = await startGateway({ targetUrl: `http://127.0.0.1:${targetPort}` })
    const response = await rawExchange(
      port('test'),
      'GET /real/a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /echo/b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nCONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'
    )
    const answers = response.split(/(?=HTTP\/1\.1 )/)
    expect(answers.map((a) => a.slice(0, 12))).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 405'])
    expect(answers[0]!.endsWith('\r\n\r\nfrom the target')).toBe(true)
    expect(answers[2]!.endsWith(CONNECT_405)).toBe(true)
  })
})

describe('accepting only known hosts (restrictHosts)', () => {
  async function gatewayFor(restrictHosts: boolean) {
    const engine = makeEngine()
    const ws = workspace([proxy({ name: 'echo', basePath: '/echo', environments: ['test', 'prod'] })])
    ws.environments = ws.environments.map((env) => ({ ...env, restrictHosts }))
    deployOk(engine, ws)
    const gateway = createGateway({ engine, environments: ws.environments, portOverrides: { test: 0, prod: 0 } })
    gateways.push(gateway)
    await gateway.start()
    const port = (env: string) => gateway.status().find((s) => s.environment === env)!.port
    return { engine, gateway, port, ws }
  }

  test('a foreign Host gets the 404 Apigee gives for an unknown host, and leaves no trace', async () => {
    const { engine, port } = await gatewayFor(true)
    for (const host of ['evil.example', `evil.example:${port('prod')}`, '127.0.0.1.nip.io', 'localhost.evil.example', 'tset.local', '127.0.0.2']) {
      const r = await send(port('prod'), '/echo/x?q=1', { headers: { Host: host } })
      expect([r.status, r.headers['content-type'], r.body], host).toEqual([
        404,
        'application/json',
        `{"fault":{"faultstring":"Unable to identify proxy for host: ${host} and url: /echo/x","detail":{"errorcode":"messaging.adaptors.http.flow.ApplicationNotFound"}}}`
      ])
    }
    expect(engine.traces.size).toBe(0)
  })

  test('loopback names (any case, with or without port) and every host alias are accepted', async () => {
    const { port } = await gatewayFor(true)
    const p = port('prod')
    for (const host of ['127.0.0.1', `127.0.0.1:${p}`, 'localhost', `LocalHost:${p}`, '[::1]', `[::1]:${p}`]) {
      const r = await send(p, '/echo', { headers: { Host: host } })
      expect([r.status, JSON.parse(r.body).variables['environment.name']], host).toEqual([200, 'prod'])
    }
    const viaAlias = await send(p, '/echo', { headers: { Host: `TEST.local:${p}` } })
    expect([viaAlias.status, JSON.parse(viaAlias.body).variables['environment.name']]).toEqual([200, 'test'])
  })

  test('with the option off, any Host reaches the port owner as before', async () => {
    const { port } = await gatewayFor(false)
    const r = await send(port('prod'), '/echo', { headers: { Host: 'evil.example' } })
    expect([r.status, JSON.parse(r.body).variables['environment.name']]).toEqual([200, 'prod'])
  })

  test('turning the option on is applied by reconcile, without restarting the listener', async () => {
    const { gateway, port, ws } = await gatewayFor(false)
    const p = port('prod')
    await gateway.reconcile(ws.environments.map((env) => ({ ...env, restrictHosts: true })))
    expect(port('prod')).toBe(p)
    expect((await send(p, '/echo', { headers: { Host: 'evil.example' } })).status).toBe(404)
  })
})
