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
import { answerAndClose, checkingIntervalFor, onClientError, type DrainLimits } from './connection'

export interface ConsoleServerOptions {
  port: number
  secret: string
  services: ConsoleServices
  events: EventHub
  /** Folder of the built renderer (index.html + assets); omitted = API only. */
  staticDir?: string
  /** Largest accepted request body; a workspace import can be large. */
  maxBodyBytes?: number
  /** Timeouts against slow clients (defaults in CONSOLE_TIMEOUTS); tests pass small ones. */
  timeouts?: Partial<ConsoleTimeouts>
}

/** How long the console waits for a client; loopback transfers of even a 20 MB import take well under a second. */
export interface ConsoleTimeouts {
  /** Complete request headers must arrive within this time (slowloris). */
  headersMs: number
  /** A request body must be complete within this time after its headers (slow body). */
  bodyMs: number
  /** The whole request, headers and body, must arrive within this time. */
  requestMs: number
  /** An idle kept-alive connection is closed after this time. */
  keepAliveMs: number
}

export const CONSOLE_TIMEOUTS: ConsoleTimeouts = { headersMs: 5_000, bodyMs: 20_000, requestMs: 30_000, keepAliveMs: 5_000 }

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

/** A body that is too large or too slow: the error goes out, the rest of the upload is drained, then the connection closes. */
function refuseBody(req: IncomingMessage, res: ServerResponse, status: number, reason: string, message: string, drain?: DrainLimits): void {
  const body: ConsoleResult<never> = { ok: false, error: { code: 'bad-input', message } }
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }
  answerAndClose(req, res, status, reason, headers, JSON.stringify(body), drain)
}

const SLOW_BODY_DRAIN: DrainLimits = { bytes: 1024 * 1024, ms: 250 }

/** The request target as a URL, or null when it is not a path (`*`, absolute form) or cannot be parsed. */
function requestUrl(target: string | undefined): URL | null {
  if (!target?.startsWith('/')) return null
  try {
    // Prefixing a fixed origin keeps a target such as `//host/x` a path instead of an authority.
    return new URL(`http://${CONSOLE_HOST}${target}`)
  } catch {
    return null
  }
}

class BodyTooLarge extends Error {}
class BodyTooSlow extends Error {}

/** Reads a request body of at most `limit` bytes that must be complete within `deadlineMs`. */
function readBody(req: IncomingMessage, limit: number, deadlineMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const timer = setTimeout(() => {
      req.removeAllListeners('data')
      reject(new BodyTooSlow())
    }, deadlineMs)
    const fail = (error: Error): void => {
      clearTimeout(timer)
      reject(error)
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.removeAllListeners('data')
        fail(new BodyTooLarge())
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    req.on('error', fail)
  })
}

/** Starts the console server on 127.0.0.1; port 0 picks a free port. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const { secret, services, events, staticDir } = options
  const maxBody = options.maxBodyBytes ?? 20 * 1024 * 1024
  const timeouts: ConsoleTimeouts = { ...CONSOLE_TIMEOUTS, ...options.timeouts }
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
    let relative: string
    try {
      relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1))
    } catch {
      return sendError(res, 'bad-input', 'The path is not valid percent-encoded UTF-8')
    }
    if (relative.includes('\0')) return sendError(res, 'bad-input', 'The path contains a NUL character')
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
    const url = requestUrl(req.url)
    if (!url) return sendError(res, 'bad-input', 'The request target must be a path starting with "/"')
    if (!url.pathname.startsWith('/api/')) return serveStatic(req, res, url.pathname)

    // A URL ends up in logs, proxies and browser history: the secret is taken from the header only.
    if (url.searchParams.has('secret')) {
      return sendError(res, 'unauthorized', 'The console secret is refused in a URL; send it in the Authorization header')
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return sendError(res, 'bad-input', 'Use GET for the event stream')
      if (!secretMatches(bearer, secret)) return sendError(res, 'unauthorized', 'The console secret is missing or wrong')
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
      const body = await readBody(req, maxBody, timeouts.bodyMs)
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'))
    } catch (error) {
      if (error instanceof BodyTooLarge) return refuseBody(req, res, 413, 'Payload Too Large', `Request body is larger than ${maxBody} bytes`)
      // A slow client sends little: a short drain is enough for it to read the answer.
      if (error instanceof BodyTooSlow) return refuseBody(req, res, 408, 'Request Timeout', `Request body did not arrive within ${timeouts.bodyMs} ms`, SLOW_BODY_DRAIN)
      return sendError(res, 'bad-input', `Request body is not valid JSON: ${(error as Error).message}`)
    }
    const result = await dispatch(services, url.pathname.slice('/api/'.length), input)
    sendJson(res, result.ok ? 200 : STATUS_BY_CODE[result.error.code], result)
  }

  const server: Server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: Math.max(timeouts.requestMs, timeouts.headersMs),
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: checkingIntervalFor(timeouts.headersMs)
    },
    (req, res) => {
    handle(req, res).catch((error) => {
      console.error('console request failed', error)
      if (!res.headersSent) sendError(res, 'internal', 'The console could not answer')
      else res.end()
    })
    }
  )
  server.on('clientError', onClientError)
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
