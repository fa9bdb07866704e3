import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import fc from 'fast-check'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { startConsoleServer, type ConsoleServer } from '../../src/main/http/console-server'
import { EventHub } from '../../src/main/events'
import { ConsoleError, type ConsoleServices } from '../../src/shared/contract'

const SECRET = 'test-secret-123456'

/** Fake services: records calls so a test can prove a rejected call changed nothing. */
function fakeServices(calls: string[]): ConsoleServices {
  return new Proxy({} as ConsoleServices, {
    get: (_t, method: string) => (args: unknown) => {
      calls.push(method)
      if (method === 'environments.get') throw new ConsoleError('not-found', `Environment ${(args as { name: string }).name} does not exist`)
      if (method === 'environments.list') return [{ name: 'test', port: 9001 }]
      return null
    }
  })
}

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function raw(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    if (options.body !== undefined) req.write(options.body)
    req.end()
  })
}

describe('console server (headless console API)', () => {
  let server: ConsoleServer
  const calls: string[] = []
  const events = new EventHub()
  let host: string

  beforeAll(async () => {
    const staticDir = await mkdtemp(join(tmpdir(), 'gatelab-static-'))
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Gatelab</title>')
    server = await startConsoleServer({ port: 0, secret: SECRET, services: fakeServices(calls), events, staticDir })
    host = `127.0.0.1:${server.port}`
  })
  afterAll(() => server.close())

  const call = (method: string, body: unknown, headers: Record<string, string> = {}) =>
    raw(server.port, {
      method: 'POST',
      path: `/api/${method}`,
      headers: { host, 'content-type': 'application/json', authorization: `Bearer ${SECRET}`, ...headers },
      body: JSON.stringify(body)
    })

  it('binds 127.0.0.1 and puts the secret in the URL fragment only', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#secret=${SECRET}`)
  })

  it('answers a contract method with {ok:true,data}', async () => {
    const res = await call('environments.list', {})
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ ok: true, data: [{ name: 'test', port: 9001 }] })
  })

  it('turns a ConsoleError into {ok:false,error} with its status', async () => {
    const res = await call('environments.get', { name: 'nope' })
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body)).toEqual({ ok: false, error: { code: 'not-found', message: 'Environment nope does not exist' } })
  })

  it('rejects input that fails the contract schema, naming the field', async () => {
    const before = calls.length
    const res = await call('clock.advance', { ms: 'soon' })
    expect(res.status).toBe(400)
    const body = JSON.parse(res.body)
    expect(body.ok).toBe(false)
    expect(body.error.code).toBe('bad-input')
    expect(body.error.issues[0].field).toBe('ms')
    expect(calls.length).toBe(before)
  })

  it('answers unknown methods with unknown-method', async () => {
    const res = await call('nothing.here', {})
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body).error.code).toBe('unknown-method')
  })

  const rejected: Array<[string, Record<string, string>, number, string]> = [
    ['no secret', { authorization: '' }, 401, 'unauthorized'],
    ['a wrong secret', { authorization: 'Bearer wrong-secret' }, 401, 'unauthorized'],
    ['a foreign Host (DNS rebinding)', { host: 'evil.example:80' }, 403, 'forbidden'],
    ['localhost-like foreign Host', { host: '127.0.0.1.evil.example' }, 403, 'forbidden'],
    ['a foreign Origin', { origin: 'http://evil.example' }, 403, 'forbidden'],
    ['an Origin on another port', { origin: 'http://127.0.0.1:1' }, 403, 'forbidden'],
    ['a form content type (CSRF)', { 'content-type': 'application/x-www-form-urlencoded' }, 400, 'bad-input'],
    ['text/plain (CSRF simple request)', { 'content-type': 'text/plain' }, 400, 'bad-input']
  ]
  it.each(rejected)('rejects a call with %s and changes nothing', async (_label, headers, status, code) => {
    const before = calls.length
    const res = await call('developers.setStatus', { email: 'dev.one@sample.example', status: 'inactive' }, headers)
    expect(res.status).toBe(status)
    expect(JSON.parse(res.body).error.code).toBe(code)
    expect(calls.length).toBe(before)
  })

  it('accepts its own Origin', async () => {
    const res = await call('environments.list', {}, { origin: `http://${host}` })
    expect(res.status).toBe(200)
  })

  it('refuses GET on API methods and broken JSON bodies', async () => {
    const get = await raw(server.port, { path: '/api/environments.list', headers: { host, authorization: `Bearer ${SECRET}` } })
    expect(get.status).toBe(400)
    const broken = await raw(server.port, {
      method: 'POST',
      path: '/api/environments.list',
      headers: { host, 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body: '{"oops'
    })
    expect(broken.status).toBe(400)
    expect(JSON.parse(broken.body).error.message).toMatch(/^Request body is not valid JSON/)
  })

  it('serves the page with a strict CSP and refuses path traversal', async () => {
    const page = await raw(server.port, { path: '/', headers: { host } })
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['x-frame-options']).toBe('DENY')
    const escape = await raw(server.port, { path: '/..%2f..%2fetc%2fpasswd', headers: { host } })
    expect(escape.status).toBe(403)
  })

  it('streams push events to an authorised SSE client only', async () => {
    const denied = await raw(server.port, { path: '/api/events', headers: { host, authorization: 'Bearer wrong' } })
    expect(denied.status).toBe(401)
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { host, authorization: `Bearer ${SECRET}` } }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream')
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString()
          if (text.includes(': connected')) events.emit('clock.changed', { now: 0, iso: '1970-01-01T00:00:00.000Z', mode: 'frozen', offsetMs: 0 })
          if (text.includes('event: clock.changed')) {
            req.destroy()
            resolve(text)
          }
        })
      })
      req.on('error', reject)
      req.end()
    })
    expect(received).toContain('event: clock.changed\ndata: {"now":0,"iso":"1970-01-01T00:00:00.000Z","mode":"frozen","offsetMs":0}\n\n')
  })

  it('delivers a burst of events complete and in order', async () => {
    const count = 500
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { host, authorization: `Bearer ${SECRET}` } }, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString()
          if (text.includes(': connected') && !text.includes('event:')) {
            for (let i = 0; i < count; i++) events.emit('clock.changed', { now: i, iso: '1970-01-01T00:00:00.000Z', mode: 'frozen', offsetMs: 0 })
          }
          if (text.includes(`"now":${count - 1},`)) {
            req.destroy()
            resolve(text)
          }
        })
      })
      req.on('error', reject)
      req.end()
    })
    const nows = [...received.matchAll(/"now":(\d+),/g)].map((m) => Number(m[1]))
    expect(nows).toEqual(Array.from({ length: count }, (_, i) => i))
  })
})

/** Sends raw bytes over a plain TCP connection and collects everything until the server closes it. */
function rawExchange(port: number, text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.write(text)
  })
}

const statusOf = (response: string): number => Number(/^HTTP\/1\.1 (\d{3}) /.exec(response)?.[1] ?? 0)
const bodyOf = (response: string): string => response.slice(response.indexOf('\r\n\r\n') + 4)

describe('console server against slow and hostile clients', () => {
  let server: ConsoleServer
  let host: string
  let staticDir: string
  const events = new EventHub()

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'gatelab-static-root-'))
    staticDir = join(root, 'renderer')
    await mkdir(join(staticDir, 'assets'), { recursive: true })
    await writeFile(join(staticDir, 'index.html'), 'INDEX-PAGE')
    await writeFile(join(staticDir, 'assets', 'app.js'), 'APP-SCRIPT')
    // Beside the static folder: a file no path may reach.
    await writeFile(join(root, 'secret.txt'), 'OUTSIDE-THE-STATIC-FOLDER')
    server = await startConsoleServer({
      port: 0,
      secret: SECRET,
      services: fakeServices([]),
      events,
      staticDir,
      maxBodyBytes: 64 * 1024,
      timeouts: { headersMs: 200, bodyMs: 300, requestMs: 2_000, keepAliveMs: 200 }
    })
    host = `127.0.0.1:${server.port}`
  })
  afterAll(() => server.close())

  it('cuts a client that never finishes its headers (slowloris) with 408 and closes the connection', async () => {
    const response = await rawExchange(server.port, `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `)
    expect(response).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
  })

  it('cuts a request body that stops arriving with 408 and a JSON error, and closes the connection', async () => {
    const response = await rawExchange(
      server.port,
      `POST /api/environments.list HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${SECRET}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"par`
    )
    expect(statusOf(response)).toBe(408)
    expect(JSON.parse(bodyOf(response))).toEqual({ ok: false, error: { code: 'bad-input', message: 'Request body did not arrive within 300 ms' } })
  })

  it('answers a body over the limit with 413 that the client reads, even while it is still uploading', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await raw(server.port, {
        method: 'POST',
        path: '/api/workspace.import',
        headers: { host, 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({ workspace: 'x'.repeat(2 * 1024 * 1024) })
      })
      expect(res.status).toBe(413)
      expect(JSON.parse(res.body).error.message).toBe('Request body is larger than 65536 bytes')
    }
  })

  it('refuses the secret in a URL, even the right one', async () => {
    const res = await raw(server.port, { path: `/api/events?secret=${SECRET}`, headers: { host } })
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body).error).toEqual({ code: 'unauthorized', message: 'The console secret is refused in a URL; send it in the Authorization header' })
    const call = await raw(server.port, {
      method: 'POST',
      path: `/api/environments.list?secret=${SECRET}`,
      headers: { host, 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body: '{}'
    })
    expect(call.status).toBe(401)
  })

  it('answers 400 to a malformed percent-encoding in a page path', async () => {
    const res = await raw(server.port, { path: '/%ZZ', headers: { host } })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body).error).toEqual({ code: 'bad-input', message: 'The path is not valid percent-encoded UTF-8' })
    const nul = await raw(server.port, { path: '/assets/app.js%00.html', headers: { host } })
    expect([nul.status, JSON.parse(nul.body).error.code]).toEqual([400, 'bad-input'])
  })

  it('never answers 500 and never leaves the static folder, whatever the path (fuzz)', async () => {
    const segments = [
      '..', '.', '%2e%2e', '%2E%2E', '.%2e', '..%2f', '%2f', '%2F', '%5c', '..%5c', '\\..', '%00', '%ZZ', '%', '%e0%80',
      '%c0%ae%c0%ae', '%ff', 'index.html', 'assets', 'app.js', 'secret.txt', '%2e%2e%2fsecret.txt', '..%00', '%25', '~', '',
      'a'.repeat(300), '%2e', '?secret=1', '#x', ';', "'", '"', '<', '%0d%0a', 'é', '%e2%80%ae'
    ]
    const paths = fc.sample(
      fc.array(fc.constantFrom(...segments), { minLength: 1, maxLength: 8 }).map((parts) => `/${parts.join('/')}`),
      { numRuns: 300, seed: 12 }
    )
    paths.push(`/${'a'.repeat(5_000)}`, `/${'%2e%2e/'.repeat(2_000)}secret.txt`, `/${'b/'.repeat(10_000)}`, '//secret.txt', '/..', '/.%2e/secret.txt')
    for (const path of paths) {
      const response = await rawExchange(server.port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
      const status = statusOf(response)
      expect([200, 400, 403, 404, 431], `GET ${path.slice(0, 80)} -> ${status}`).toContain(status)
      expect(response).not.toContain('OUTSIDE-THE-STATIC-FOLDER')
      if (status === 200) expect(['INDEX-PAGE', 'APP-SCRIPT']).toContain(bodyOf(response))
    }
  })

  it('still takes a large import on loopback within the default timeouts', async () => {
    const calls: string[] = []
    const roomy = await startConsoleServer({ port: 0, secret: SECRET, services: fakeServices(calls), events: new EventHub() })
    try {
      const res = await raw(roomy.port, {
        method: 'POST',
        path: '/api/workspace.import',
        headers: { host: `127.0.0.1:${roomy.port}`, 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({ workspace: { blob: 'x'.repeat(15 * 1024 * 1024) } })
      })
      expect(res.status).toBe(200)
      expect(calls).toEqual(['workspace.import'])
    } finally {
      await roomy.close()
    }
  })
})

