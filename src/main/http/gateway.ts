/**
 * Gateway listeners: one node:http server per environment port on 127.0.0.1, plus Host-alias routing
 * (a request whose Host, without port, is an environment's alias goes to that environment whichever
 * gateway port received it). Guards: header and request timeouts, a body size limit (413 envelope),
 * CONNECT refused, and optionally only known Host names (an environment's `restrictHosts`).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ListenerStatus } from '../../shared/deployment'
import { httpMethods, type Environment } from '../../shared/model'
import { applicationNotFound, faultEnvelope, requestTooLarge, type Engine, type GatewayRequest, type GatewayResponse } from '../../engine'
import { answerAndClose, destroyAfterGrace, onClientError } from './connection'

/** Every listener binds here and nowhere else. */
export const GATEWAY_HOST = '127.0.0.1'

const EMPTY_BODY = new Uint8Array(0)

/** Bodies up to this size are written together with the headers. */
const SINGLE_WRITE_LIMIT = 64 * 1024

/** Apigee's request payload limit. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

/**
 * How long a client may take (docs/fidelity.md, "Slow clients and hosts"): complete headers within
 * 10 s, the whole request within 30 s (a 10 MB body takes milliseconds on loopback), an idle
 * kept-alive connection is closed after 5 s.
 */
export const GATEWAY_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 }

/** Host names that reach every listener of an environment that accepts only known hosts, with or without a port. */
export const LOOPBACK_HOST_NAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** The gateway does not tunnel; RFC 9110 asks a 405 to list the methods that are allowed. */
const CONNECT_REFUSAL = (() => {
  const body = faultEnvelope('Method CONNECT is not allowed: the gateway does not open tunnels', 'protocol.http.MethodNotAllowed')
  return (
    `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${httpMethods.join(', ')}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
})()

export interface GatewayOptions {
  engine: Pick<Engine, 'handle'>
  environments: Environment[]
  /** Port by environment name, replacing the environment's own port (`--env-port NAME=PORT`); 0 = any free port. */
  portOverrides?: Record<string, number>
  maxBodyBytes?: number
  /** A client must send its complete headers within this time (default GATEWAY_TIMEOUTS.headersMs). */
  headersTimeoutMs?: number
  /** A client must send its complete request within this time (default GATEWAY_TIMEOUTS.requestMs). */
  requestTimeoutMs?: number
  /** An idle kept-alive connection is closed after this time (default GATEWAY_TIMEOUTS.keepAliveMs). */
  keepAliveTimeoutMs?: number
  /** Called when a listener's state changes on its own (a retry at a busy port), outside start() and reconcile(). */
  onListenerChange?: () => void
  /** Retries at a busy port: the first after `initialMs`, doubling up to `maxMs` (default 500 ms to 10 s). */
  portRetry?: { initialMs: number; maxMs: number }
  /**
   * The barrier of durable token state: a promise while changes (an issued token, a used code, a
   * revocation) are not yet on disk, undefined when nothing is pending. A response waits for it, so no
   * client hears of a change that a crash could still undo.
   */
  whenDurable?: () => Promise<void> | undefined
}

const DEFAULT_PORT_RETRY = { initialMs: 500, maxMs: 10_000 }

/** Delay before retry number `attempt` (1-based) at a busy port: doubling from `initialMs`, capped at `maxMs`. */
export function portRetryDelay(attempt: number, retry: { initialMs: number; maxMs: number } = DEFAULT_PORT_RETRY): number {
  return Math.min(retry.initialMs * 2 ** Math.min(attempt - 1, 30), retry.maxMs)
}

/** The gateway listeners of a workspace. */
export interface Gateway {
  /**
   * Starts a listener for every environment; a busy port is reported in status(), not thrown, and retried
   * with backoff for as long as its environment keeps that port.
   */
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
  /** While the port is busy: failed attempts so far and the pending next one. */
  retry?: { attempts: number; nextAttemptAt: number; timer: NodeJS.Timeout }
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
  /** Environments whose port accepts only their Host aliases and loopback names. */
  private restricted = new Set<string>()
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
    await Promise.all(listeners.map((l) => closeListener(l)))
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
      // A busy port keeps its own retries going; a listener that failed otherwise is tried afresh.
      if (port === undefined || port !== listener.requestedPort || (listener.state !== 'started' && listener.state !== 'port-in-use')) {
        this.listeners.delete(name)
        closing.push(closeListener(listener))
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
      const retry = listener.state === 'port-in-use' && listener.retry ? { retry: { attempts: listener.retry.attempts, nextAttemptAt: listener.retry.nextAttemptAt } } : {}
      return { ...base, state: listener.state, ...(listener.error ? { error: listener.error } : {}), ...retry }
    })
  }

  private portOf(env: Environment): number {
    return this.options.portOverrides?.[env.name] ?? env.port
  }

  private indexAliases(): void {
    const aliases = new Map<string, string>()
    const restricted = new Set<string>()
    for (const env of this.environments) {
      for (const alias of env.hostAliases) aliases.set(alias.toLowerCase(), env.name)
      if (env.restrictHosts) restricted.add(env.name)
    }
    this.aliases = aliases
    this.restricted = restricted
  }

  private listen(environment: string, port: number): Promise<void> {
    const server = http.createServer({
      headersTimeout: this.options.headersTimeoutMs ?? GATEWAY_TIMEOUTS.headersMs,
      requestTimeout: this.options.requestTimeoutMs ?? GATEWAY_TIMEOUTS.requestMs,
      keepAliveTimeout: this.options.keepAliveTimeoutMs ?? GATEWAY_TIMEOUTS.keepAliveMs,
      // Node checks the two timeouts above on this interval; the default (30 s) would let slow clients linger.
      connectionsCheckingInterval: 500
    })
    const listener: Listener = { requestedPort: port, server, state: 'stopped', environment }
    this.listeners.set(environment, listener)
    server.on('request', (req, res) => this.serve(listener, req, res))
    // Answers 408/431/400 and closes: the socket is destroyed after a grace even if the client never reads.
    server.on('clientError', onClientError)
    server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => refuseConnect(socket))
    return this.bind(listener)
  }

  /** One attempt at the listener's port; a busy port schedules the next attempt. Never rejects. */
  private bind(listener: Listener): Promise<void> {
    const { server, requestedPort: port } = listener
    return new Promise<void>((resolve) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        if (error.code === 'EADDRINUSE') {
          listener.state = 'port-in-use'
          listener.error = `port ${port} is in use by another program`
          this.scheduleRetry(listener)
        } else {
          listener.state = 'error'
          listener.error = error.message
          delete listener.retry
        }
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
        delete listener.retry
        // Closed (environment removed, gateway stopped) while this attempt was under way: let the port go.
        if (!this.started || this.listeners.get(listener.environment) !== listener) void closeServer(server)
        resolve()
      })
    })
  }

  /** Tries a busy port again later (node allows listen() again on a server whose listen() failed). */
  private scheduleRetry(listener: Listener): void {
    const attempts = (listener.retry?.attempts ?? 0) + 1
    const delay = portRetryDelay(attempts, this.options.portRetry)
    const timer = setTimeout(() => {
      // The environment may have been removed, moved to another port, or the gateway stopped meanwhile.
      if (!this.started || this.listeners.get(listener.environment) !== listener) return
      void this.bind(listener).then(() => this.options.onListenerChange?.())
    }, delay)
    // A pending retry alone must not keep the process alive.
    timer.unref()
    listener.retry = { attempts, nextAttemptAt: Date.now() + delay, timer }
  }

  /**
   * The environment a request belongs to: its Host alias if it names one, else the port's owner; undefined
   * when the port's owner accepts only known hosts and the Host is neither an alias nor a loopback name.
   */
  private environmentFor(listener: Listener, hostHeader: string | undefined): string | undefined {
    const restricted = this.restricted.size > 0 && this.restricted.has(listener.environment)
    // A request without Host (HTTP/1.0) came to 127.0.0.1 directly: browsers always send one.
    if (hostHeader === undefined || (this.aliases.size === 0 && !restricted)) return listener.environment
    const end = hostHeader.startsWith('[') ? hostHeader.indexOf(']') + 1 : hostHeader.indexOf(':')
    const host = (end <= 0 ? hostHeader : hostHeader.slice(0, end)).toLowerCase()
    const env = this.aliases.get(host)
    if (env) return env
    return !restricted || LOOPBACK_HOST_NAMES.has(host) ? listener.environment : undefined
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
    if (environment === undefined) {
      this.unknownHost(req, res, host!)
      return
    }
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
    // The 413 goes out at once; the rest of the upload is drained (bounded) so the client reads it, then the connection closes.
    answerAndClose(req, res, requestTooLarge.status, 'Payload Too Large', { 'Content-Type': 'application/json' }, body)
  }

  /** A Host that is neither an alias nor a loopback name, on a port that accepts only known hosts: Apigee's answer for an unknown host. */
  private unknownHost(req: http.IncomingMessage, res: http.ServerResponse, host: string): void {
    const url = req.url ?? '/'
    const query = url.indexOf('?')
    const fault = applicationNotFound(host, query < 0 ? url : url.slice(0, query))
    const body = faultEnvelope(fault.faultstring, fault.errorcode)
    res.writeHead(fault.status, 'Not Found', { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  }
}

/**
 * Answers CONNECT with 405 and closes the connection, after the answers of requests pipelined before
 * it: node hands the socket over on CONNECT, and dropping it would lose those answers.
 */
function refuseConnect(socket: Duplex): void {
  // Node keeps the response that currently owns the socket here; later pipelined ones take it in turn.
  const current = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage
  if (current && !current.writableFinished) {
    current.once('finish', () => setImmediate(refuseConnect, socket))
    return
  }
  // Whatever the client still sends is read and dropped: unread data would turn the close into a reset.
  socket.resume()
  socket.end(CONNECT_REFUSAL)
  destroyAfterGrace(socket)
}

function normaliseIp(address: string | undefined): string {
  if (!address) return ''
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

/** Cancels a pending retry and closes the listener's server. */
function closeListener(listener: Listener): Promise<void> {
  if (listener.retry) clearTimeout(listener.retry.timer)
  delete listener.retry
  return closeServer(listener.server)
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
