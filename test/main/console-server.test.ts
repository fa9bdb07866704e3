import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, writeFile } from 'node:fs/promises'
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
    const denied = await raw(server.port, { path: '/api/events?secret=wrong', headers: { host } })
    expect(denied.status).toBe(401)
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: `/api/events?secret=${SECRET}`, headers: { host } }, (res) => {
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
      const req = request({ host: '127.0.0.1', port: server.port, path: `/api/events?secret=${SECRET}`, headers: { host } }, (res) => {
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
