/**
 * Ending connections so that the client reads the answer: shared by the gateway listeners and the
 * console server. Destroying a socket while the client is still sending makes the kernel answer with
 * a reset, and a reset can discard an answer the client has not read yet; a socket that is only
 * half-closed stays open for as long as the client likes. Both are avoided here.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/** Time a client gets to read an error answer before its connection is destroyed. */
export const CLOSE_GRACE_MS = 1_000

/** How much of an unwanted upload is read and thrown away, at most, so the client can read the answer. */
export interface DrainLimits {
  bytes: number
  ms: number
}

export const DEFAULT_DRAIN: DrainLimits = { bytes: 64 * 1024 * 1024, ms: 10_000 }

/** Sockets whose answer is written and whose upload is being drained. */
const draining = new WeakSet<Duplex>()

/**
 * Answers and closes a connection whose request body is not wanted (too large, too slow): the answer
 * goes out at once with `Connection: close`, the rest of the upload is read and discarded until it
 * ends or `drain` runs out, and only then does the response end (node then closes the socket).
 */
export function answerAndClose(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  reason: string,
  headers: OutgoingHttpHeaders,
  body: string,
  drain: DrainLimits = DEFAULT_DRAIN
): void {
  res.writeHead(status, reason, { ...headers, 'Content-Length': Buffer.byteLength(body), Connection: 'close' })
  // The whole answer is written now; ending the response is what closes the socket, so it waits.
  res.write(body)
  draining.add(req.socket)
  let discarded = 0
  const finish = (): void => {
    clearTimeout(timer)
    req.removeListener('data', discard)
    if (!res.writableEnded) res.end()
  }
  const discard = (chunk: Buffer): void => {
    discarded += chunk.length
    if (discarded > drain.bytes) finish()
  }
  const timer = setTimeout(finish, drain.ms)
  timer.unref()
  if (req.complete) {
    finish()
    return
  }
  req.on('data', discard)
  req.once('end', finish)
  req.once('close', finish)
  req.resume()
}

/** Destroys a socket after the grace period unless it closes by itself first. */
export function destroyAfterGrace(socket: Duplex, graceMs = CLOSE_GRACE_MS): void {
  const timer = setTimeout(() => socket.destroy(), graceMs)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}

/**
 * Answers a request node could not parse or that came too slowly (408 on a timeout, 431 on headers
 * too large, 400 otherwise), then closes the connection: a client that never reads or never closes
 * its side does not keep the socket open.
 */
export function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const status =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? '408 Request Timeout'
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request'
  // An answer that is draining the upload is already on its way: no second status line.
  if (!socket.writable || draining.has(socket)) {
    socket.destroy()
    return
  }
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  destroyAfterGrace(socket)
}

/** Node checks headersTimeout and requestTimeout on this interval: often enough that a cut comes close to its time. */
export function checkingIntervalFor(headersTimeoutMs: number): number {
  return Math.min(500, Math.max(25, Math.floor(headersTimeoutMs / 4)))
}
