/**
 * The console over HTTP, for headless mode: the renderer as a web page, `POST /api/<method>` for
 * every contract method, and Server-Sent Events at `GET /api/events`. Bound to 127.0.0.1 only and
 * guarded by a per-run secret, a Host check (DNS rebinding) and an Origin check (cross-site calls).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { ConsoleErrorCode, ConsoleResult, ConsoleServices } from '../../shared/contract'
import { dispatch } from '../dispatch'
import type { EventHub } from '../events'

export interface ConsoleServerOptions {
  port: number
  secret: string
  services: ConsoleServices
  events: EventHub
  /** Folder of the built renderer (index.html + assets); omitted = API only. */
  staticDir?: string
  /** Largest accepted request body; a workspace import can be large. */
  maxBodyBytes?: number
}

export interface ConsoleServer {
  readonly port: number
  /** The console page URL, with the secret in the fragment (never sent to the server by browsers). */
  readonly url: string
  close(): Promise<void>
}

export const CONSOLE_HOST = '127.0.0.1'

/** Content-Security-Policy of the console page; the same policy the Electron window enforces. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

const STATUS_BY_CODE: Record<ConsoleErrorCode, number> = {
  'bad-input': 400,
  validation: 400,
  'not-found': 404,
  conflict: 409,
  referenced: 409,
  'deployment-failed': 422,
  unauthorized: 401,
  forbidden: 403,
  'unknown-method': 404,
  internal: 500
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf'
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Compares secrets in constant time (hashing first, so lengths never leak). */
function secretMatches(given: string | undefined, secret: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(secret))
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff'
  })
  res.end(text)
}

function sendError(res: ServerResponse, code: ConsoleErrorCode, message: string): void {
  const body: ConsoleResult<never> = { ok: false, error: { code, message } }
  sendJson(res, STATUS_BY_CODE[code], body)
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new BodyTooLarge())
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** Starts the console server on 127.0.0.1; port 0 picks a free port. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const { secret, services, events, staticDir } = options
  const maxBody = options.maxBodyBytes ?? 20 * 1024 * 1024
  let port = options.port
  const allowedHosts = (): Set<string> => new Set([`${CONSOLE_HOST}:${port}`, `localhost:${port}`])
  const allowedOrigins = (): Set<string> => new Set([`http://${CONSOLE_HOST}:${port}`, `http://localhost:${port}`])
  const streams = new Set<ServerResponse>()

  // Events of one turn of the event loop go out in one write per client: under gateway load every
  // request adds a trace, and a socket write per trace and client would cost more than the request.
  let pending = ''
  const flush = (): void => {
    const frames = pending
    pending = ''
    for (const stream of streams) stream.write(frames)
  }
  const unsubscribe = events.subscribe((name, payload) => {
    if (streams.size === 0) return
    if (pending === '') setImmediate(flush)
    pending += `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`
  })

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (!staticDir || (req.method !== 'GET' && req.method !== 'HEAD')) return sendError(res, 'not-found', `Nothing at ${pathname}`)
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1))
    const file = normalize(join(staticDir, relative))
    if (!file.startsWith(normalize(staticDir) + sep)) return sendError(res, 'forbidden', 'Path escapes the console folder')
    const found = await stat(file).catch(() => null)
    // Unknown paths fall back to the page itself, so router history URLs survive a reload.
    const target = found?.isFile() ? file : join(staticDir, 'index.html')
    const body = await readFile(target).catch(() => null)
    if (!body) return sendError(res, 'not-found', `Nothing at ${pathname}`)
    res.writeHead(200, {
      'Content-Type': MIME[extname(target)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': target.endsWith('index.html') ? 'no-store' : 'public, max-age=3600'
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff'
    })
    res.write(': connected\n\n')
    streams.add(res)
    req.on('close', () => streams.delete(res))
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach the console.
    if (!allowedHosts().has(req.headers.host ?? '')) return sendError(res, 'forbidden', 'Host not allowed')
    const origin = req.headers.origin
    if (origin !== undefined && !allowedOrigins().has(origin)) return sendError(res, 'forbidden', 'Origin not allowed')
    const url = new URL(req.url ?? '/', `http://${CONSOLE_HOST}:${port}`)
    if (!url.pathname.startsWith('/api/')) return serveStatic(req, res, url.pathname)

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return sendError(res, 'bad-input', 'Use GET for the event stream')
      // EventSource cannot send headers, so the stream also takes the secret as a query parameter.
      if (!secretMatches(bearer ?? url.searchParams.get('secret') ?? undefined, secret)) {
        return sendError(res, 'unauthorized', 'The console secret is missing or wrong')
      }
      return openEventStream(req, res)
    }
    if (!secretMatches(bearer, secret)) return sendError(res, 'unauthorized', 'The console secret is missing or wrong')
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST')
      return sendError(res, 'bad-input', 'Console methods are called with POST')
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (contentType !== 'application/json') return sendError(res, 'bad-input', 'Content-Type must be application/json')
    let input: unknown
    try {
      const body = await readBody(req, maxBody)
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'))
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendError(res, 'bad-input', `Request body is larger than ${maxBody} bytes`)
      return sendError(res, 'bad-input', `Request body is not valid JSON: ${(error as Error).message}`)
    }
    const result = await dispatch(services, url.pathname.slice('/api/'.length), input)
    sendJson(res, result.ok ? 200 : STATUS_BY_CODE[result.error.code], result)
  }

  const server: Server = createServer({ headersTimeout: 10_000, requestTimeout: 60_000 }, (req, res) => {
    handle(req, res).catch((error) => {
      console.error('console request failed', error)
      if (!res.headersSent) sendError(res, 'internal', 'The console could not answer')
      else res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, CONSOLE_HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  port = typeof address === 'object' && address ? address.port : options.port

  return {
    port,
    url: `http://${CONSOLE_HOST}:${port}/#secret=${encodeURIComponent(secret)}`,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe()
        for (const stream of streams) stream.end()
        streams.clear()
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
