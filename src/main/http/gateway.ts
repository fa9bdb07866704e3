/**
 * Gateway listeners: one node:http server per environment port on 127.0.0.1, plus Host-alias routing
 * (a request whose Host, without port, is an environment's alias goes to that environment whichever
 * gateway port received it). Guards: header and request timeouts, a body size limit (413 envelope).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ListenerStatus } from '../../shared/deployment'
import type { Environment } from '../../shared/model'
import { faultEnvelope, requestTooLarge, type Engine, type GatewayRequest, type GatewayResponse } from '../../engine'

/** Every listener binds here and nowhere else. */
export const GATEWAY_HOST = '127.0.0.1'

const EMPTY_BODY = new Uint8Array(0)

/** Bodies up to this size are written together with the headers. */
const SINGLE_WRITE_LIMIT = 64 * 1024

/** Apigee's request payload limit. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

export interface GatewayOptions {
  engine: Pick<Engine, 'handle'>
  environments: Environment[]
  /** Port by environment name, replacing the environment's own port (`--env-port NAME=PORT`); 0 = any free port. */
  portOverrides?: Record<string, number>
  maxBodyBytes?: number
  /** A client must send its complete headers within this time (default 10 s). */
  headersTimeoutMs?: number
  /** A client must send its complete request within this time (default 60 s). */
  requestTimeoutMs?: number
  keepAliveTimeoutMs?: number
  /**
   * The barrier of durable token state: a promise while changes (an issued token, a used code, a
   * revocation) are not yet on disk, undefined when nothing is pending. A response waits for it, so no
   * client hears of a change that a crash could still undo.
   */
  whenDurable?: () => Promise<void> | undefined
}

/** The gateway listeners of a workspace. */
export interface Gateway {
  /** Starts a listener for every environment; a busy port is reported in status(), not thrown. */
  start(): Promise<void>
  /** Stops every listener and drops open connections. */
  stop(): Promise<void>
  /** Applies added, changed and removed environments: listeners start, move or stop as needed. */
  reconcile(environments: Environment[]): Promise<void>
  /** One entry per environment. */
  status(): ListenerStatus[]
}

interface Listener {
  /** Port asked for (0 = any). */
  requestedPort: number
  server: http.Server
  state: ListenerStatus['state']
  error?: string
  /** The environment that owns this port. */
  environment: string
}

/** Creates the gateway; nothing listens until start(). */
export function createGateway(options: GatewayOptions): Gateway {
  return new GatewayListeners(options)
}

class GatewayListeners implements Gateway {
  private environments: Environment[]
  /** Listeners by environment name (the owner of the port). */
  private readonly listeners = new Map<string, Listener>()
  /** Environments that could not get a listener of their own, with the reason. */
  private readonly conflicts = new Map<string, string>()
  private aliases = new Map<string, string>()
  private started = false
  private readonly maxBodyBytes: number

  constructor(private readonly options: GatewayOptions) {
    this.environments = options.environments
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    this.indexAliases()
  }

  async start(): Promise<void> {
    this.started = true
    await this.reconcile(this.environments)
  }

  async stop(): Promise<void> {
    this.started = false
    const listeners = [...this.listeners.values()]
    this.listeners.clear()
    await Promise.all(listeners.map((l) => closeServer(l.server)))
  }

  async reconcile(environments: Environment[]): Promise<void> {
    this.environments = environments
    this.indexAliases()
    if (!this.started) return
    const desired = new Map<string, number>()
    const portOwners = new Map<number, string>()
    this.conflicts.clear()
    for (const env of environments) {
      const port = this.portOf(env)
      const owner = port === 0 ? undefined : portOwners.get(port)
      if (owner) {
        this.conflicts.set(env.name, `port ${port} is already used by environment ${owner}; reach ${env.name} through a host alias or give it its own port`)
        continue
      }
      if (port !== 0) portOwners.set(port, env.name)
      desired.set(env.name, port)
    }
    const closing: Promise<void>[] = []
    for (const [name, listener] of this.listeners) {
      const port = desired.get(name)
      if (port === undefined || port !== listener.requestedPort || listener.state !== 'started') {
        this.listeners.delete(name)
        closing.push(closeServer(listener.server))
      }
    }
    await Promise.all(closing)
    const opening: Promise<void>[] = []
    for (const [name, port] of desired) if (!this.listeners.has(name)) opening.push(this.listen(name, port))
    await Promise.all(opening)
  }

  status(): ListenerStatus[] {
    return this.environments.map((env) => {
      const listener = this.listeners.get(env.name)
      const conflict = this.conflicts.get(env.name)
      const address = listener?.server.address() as AddressInfo | null | undefined
      const port = address?.port ?? this.portOf(env)
      const base = { environment: env.name, host: GATEWAY_HOST, port, url: `http://${GATEWAY_HOST}:${port}`, hostAliases: [...env.hostAliases] }
      if (conflict) return { ...base, state: 'error' as const, error: conflict }
      if (!listener) return { ...base, state: 'stopped' as const }
      return { ...base, state: listener.state, ...(listener.error ? { error: listener.error } : {}) }
    })
  }

  private portOf(env: Environment): number {
    return this.options.portOverrides?.[env.name] ?? env.port
  }

  private indexAliases(): void {
    const aliases = new Map<string, string>()
    for (const env of this.environments) for (const alias of env.hostAliases) aliases.set(alias.toLowerCase(), env.name)
    this.aliases = aliases
  }

  private listen(environment: string, port: number): Promise<void> {
    const server = http.createServer({
      headersTimeout: this.options.headersTimeoutMs ?? 10_000,
      requestTimeout: this.options.requestTimeoutMs ?? 60_000,
      keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 5_000,
      // Node checks the two timeouts above on this interval; the default (30 s) would let slow clients linger.
      connectionsCheckingInterval: 500
    })
    const listener: Listener = { requestedPort: port, server, state: 'stopped', environment }
    this.listeners.set(environment, listener)
    server.on('request', (req, res) => this.serve(listener, req, res))
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      const status =
        err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : err.code === 'HPE_HEADER_OVERFLOW'
            ? '431 Request Header Fields Too Large'
            : '400 Bad Request'
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      else socket.destroy()
    })
    return new Promise<void>((resolve) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        listener.state = error.code === 'EADDRINUSE' ? 'port-in-use' : 'error'
        listener.error = error.code === 'EADDRINUSE' ? `port ${port} is in use by another program` : error.message
        resolve()
      }
      server.once('error', onError)
      server.listen(port, GATEWAY_HOST, () => {
        server.off('error', onError)
        server.on('error', (error: Error) => {
          listener.state = 'error'
          listener.error = error.message
        })
        listener.state = 'started'
        delete listener.error
        resolve()
      })
    })
  }

  /** The environment a request belongs to: its Host alias if it names one, else the port's owner. */
  private environmentFor(listener: Listener, hostHeader: string | undefined): string {
    if (hostHeader && this.aliases.size > 0) {
      const end = hostHeader.startsWith('[') ? hostHeader.indexOf(']') + 1 : hostHeader.indexOf(':')
      const host = end < 0 ? hostHeader : hostHeader.slice(0, end)
      const env = this.aliases.get(host.toLowerCase())
      if (env) return env
    }
    return listener.environment
  }

  /** Reads the request (synchronously when it has no body), hands it to the engine and writes the answer. */
  private serve(listener: Listener, req: http.IncomingMessage, res: http.ServerResponse): void {
    // One pass over the raw headers: reading req.headers would make node build a second, normalised copy.
    const raw = req.rawHeaders
    // Sized up front: no growing while filling it.
    const headers = new Array<[string, string]>(raw.length >> 1)
    let contentLength: string | undefined
    let chunked = false
    let host: string | undefined
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!
      const value = raw[i + 1]!
      headers[i >> 1] = [name, value]
      // Only names as long as host, content-length or transfer-encoding can matter: no lower-cased copy of the others.
      if (name.length !== 4 && name.length !== 14 && name.length !== 17) continue
      switch (name.toLowerCase()) {
        case 'content-length':
          contentLength ??= value
          break
        case 'transfer-encoding':
          chunked = true
          break
        case 'host':
          host ??= value
      }
    }
    const declared = Number(contentLength ?? '0')
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
      this.tooLarge(req, res)
      return
    }
    const environment = this.environmentFor(listener, host)
    if (!(chunked || (Number.isFinite(declared) && declared > 0))) {
      // Nothing to wait for: let the (empty) request finish on its own.
      req.resume()
      this.respond(environment, req, res, headers, EMPTY_BODY)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let overflow = false
    req.on('data', (chunk: Buffer) => {
      if (overflow) return
      size += chunk.length
      if (size > this.maxBodyBytes) {
        overflow = true
        this.tooLarge(req, res)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!overflow) this.respond(environment, req, res, headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    })
    req.on('error', () => res.destroy())
    req.on('aborted', () => res.destroy())
  }

  private respond(environment: string, req: http.IncomingMessage, res: http.ServerResponse, headers: Array<[string, string]>, body: Uint8Array): void {
    const request: GatewayRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers,
      body,
      clientIp: normaliseIp(req.socket.remoteAddress),
      clientPort: req.socket.remotePort ?? 0
    }
    const result = this.options.engine.handle(environment, request)
    if (result instanceof Promise) result.then(({ response }) => this.send(req, res, response), (e: unknown) => this.failed(res, e))
    else this.send(req, res, result.response)
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, response: GatewayResponse): void {
    const pending = this.options.whenDurable?.()
    if (pending) pending.then(() => this.sendNow(req, res, response), (e: unknown) => this.failed(res, e))
    else this.sendNow(req, res, response)
  }

  private sendNow(req: http.IncomingMessage, res: http.ServerResponse, response: GatewayResponse): void {
    try {
      this.write(req, res, response)
    } catch (e) {
      // e.g. a header value a policy set that node refuses to send
      this.failed(res, e)
    }
  }

  private write(req: http.IncomingMessage, res: http.ServerResponse, response: GatewayResponse): void {
    const body = response.body
    const flat: string[] = []
    for (const [name, value] of response.headers) {
      if (name.length === 14 && name.toLowerCase() === 'content-length') continue
      flat.push(name, value)
    }
    flat.push('Content-Length', String(body.length))
    res.writeHead(response.status, response.reasonPhrase, flat)
    if (req.method === 'HEAD' || body.length === 0) res.end()
    // A latin1 string is byte-exact and lets node send headers and body in one write instead of a writev.
    else if (body.length <= SINGLE_WRITE_LIMIT) res.end((Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.length)).toString('latin1'), 'latin1')
    else res.end(body)
  }

  private failed(res: http.ServerResponse, e: unknown): void {
    if (res.headersSent) {
      res.destroy()
      return
    }
    const body = faultEnvelope(`Gateway error: ${(e as Error).message}`, 'messaging.runtime.InternalError')
    res.writeHead(500, 'Internal Server Error', { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  }

  private tooLarge(req: http.IncomingMessage, res: http.ServerResponse): void {
    const body = faultEnvelope(requestTooLarge.faultstring, requestTooLarge.errorcode)
    res.writeHead(requestTooLarge.status, 'Payload Too Large', {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close'
    })
    // Stop reading the rest of an oversized upload: answer, then close the connection.
    res.end(body, () => req.socket.destroy())
  }
}

function normaliseIp(address: string | undefined): string {
  if (!address) return ''
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
