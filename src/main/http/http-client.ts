/**
 * The engine's HttpClient port over node:http/https: forwards method, headers and body to a real
 * target and maps network failures to the engine's outbound error codes.
 */
import http from 'node:http'
import https from 'node:https'
import { OutboundError, type HttpClient, type OutboundErrorCode, type OutboundRequest, type OutboundResponse } from '../../engine/ports'

export interface HttpClientOptions {
  /** Reuse connections to targets (default true). */
  keepAlive?: boolean
}

const CONNECTION_REFUSED = new Set(['ECONNREFUSED'])
const DNS_FAILURE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'])
const EOF = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

/** Maps a node network error to the engine's outbound error code. */
export function outboundCodeOf(error: NodeJS.ErrnoException): OutboundErrorCode {
  const code = error.code ?? ''
  if (CONNECTION_REFUSED.has(code)) return 'connection-refused'
  if (DNS_FAILURE.has(code)) return 'dns'
  if (EOF.has(code) || error.message === 'socket hang up' || error.message === 'aborted') return 'unexpected-eof'
  if (code === 'ETIMEDOUT') return 'timeout'
  return 'other'
}

/** Creates the HttpClient main hands to the engine. */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const keepAlive = options.keepAlive ?? true
  const httpAgent = new http.Agent({ keepAlive })
  const httpsAgent = new https.Agent({ keepAlive })
  return {
    send(request: OutboundRequest): Promise<OutboundResponse> {
      return new Promise<OutboundResponse>((resolve, reject) => {
        let url: URL
        try {
          url = new URL(request.url)
        } catch {
          reject(new OutboundError('other', `invalid target URL ${request.url}`))
          return
        }
        const secure = url.protocol === 'https:'
        const headers: Record<string, string[]> = {}
        for (const [name, value] of request.headers) (headers[name.toLowerCase()] ??= []).push(value)
        if (request.body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(request.method)) {
          headers['content-length'] = [String(request.body.length)]
        }
        let settled = false
        const fail = (error: OutboundError): void => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          reject(error)
        }
        const req = (secure ? https : http).request(
          url,
          { method: request.method, headers, agent: secure ? httpsAgent : httpAgent },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('aborted', () => fail(new OutboundError('unexpected-eof', 'target closed the connection mid-response')))
            res.on('error', (e: NodeJS.ErrnoException) => fail(new OutboundError(outboundCodeOf(e), e.message)))
            res.on('end', () => {
              if (settled) return
              if (!res.complete) {
                fail(new OutboundError('unexpected-eof', 'target closed the connection mid-response'))
                return
              }
              settled = true
              clearTimeout(timer)
              const responseHeaders: Array<[string, string]> = []
              for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!])
              resolve({
                status: res.statusCode ?? 502,
                reasonPhrase: res.statusMessage ?? '',
                headers: responseHeaders,
                body: new Uint8Array(Buffer.concat(chunks))
              })
            })
          }
        )
        // One deadline for the whole exchange, like Apigee's io.timeout.millis.
        const timer = setTimeout(() => {
          fail(new OutboundError('timeout', `target did not answer within ${request.timeoutMs} ms`))
          req.destroy()
        }, request.timeoutMs)
        req.on('error', (e: NodeJS.ErrnoException) => {
          clearTimeout(timer)
          fail(new OutboundError(outboundCodeOf(e), e.message))
        })
        req.end(request.body.length > 0 ? Buffer.from(request.body) : undefined)
      })
    }
  }
}
