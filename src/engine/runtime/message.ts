/**
 * HTTP messages as the flow sees them: headers (case-insensitive, ordered), body kept as bytes and
 * decoded lazily, and for requests the verb, path and query string with parsed query/form params.
 */
import type { MutableMessage } from '../policies/types'

const utf8Decoder = new TextDecoder()
const utf8Encoder = new TextEncoder()
const EMPTY_BYTES = new Uint8Array(0)
const SLAB_SIZE = 64 * 1024
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
let slabOffset = 0

/**
 * UTF-8 bytes of `text`. Small texts are views into a shared slab (like node's Buffer pool): one
 * ArrayBuffer per 64 KiB instead of one per message body, which the garbage collector handles far better.
 */
export function encodeUtf8(text: string): Uint8Array {
  if (text === '') return EMPTY_BYTES
  const worstCase = text.length * 3
  if (worstCase > SLAB_SIZE / 8) return utf8Encoder.encode(text)
  if (slabOffset + worstCase > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
    slabOffset = 0
  }
  // Written in place (no view of the free space per call); the result is a Buffer, which the
  // listener can turn into the string it sends without another view.
  const written = slab.write(text, slabOffset, 'utf8')
  const bytes = slab.subarray(slabOffset, slabOffset + written)
  slabOffset += written
  return bytes
}

/** Standard reason phrases, used when a status is set without one. */
export function reasonPhraseFor(status: number): string {
  return REASON_PHRASE_LIST[status] ?? ''
}

const REASON_PHRASES: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found',
  303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout'
}
/** The same, indexed by status: an array read is cheaper than a keyed lookup on every response. */
const REASON_PHRASE_LIST: string[] = []
for (const [status, phrase] of Object.entries(REASON_PHRASES)) REASON_PHRASE_LIST[Number(status)] = phrase

/** A request or response message; `status`/`reasonPhrase` are meaningful for responses only. */
export class HttpMessage implements MutableMessage {
  private headers: Array<[string, string]>
  /** False while `headers` is still the caller's array: copied on the first change (most messages never change). */
  private ownsHeaders: boolean
  private bytes: Uint8Array
  private text: string | undefined
  status: number
  reasonPhrase: string

  constructor(init: { headers?: Array<[string, string]>; body?: Uint8Array | string; status?: number; reasonPhrase?: string } = {}) {
    this.headers = init.headers ?? []
    this.ownsHeaders = !init.headers
    if (typeof init.body === 'string') {
      this.text = init.body
      this.bytes = encodeUtf8(init.body)
    } else {
      this.bytes = init.body ?? EMPTY_BYTES
    }
    this.status = init.status ?? 200
    this.reasonPhrase = init.reasonPhrase ?? reasonPhraseFor(this.status)
  }

  getHeader(name: string): string | undefined {
    const lower = name.toLowerCase()
    for (const [n, v] of this.headers) if (n.toLowerCase() === lower) return v
    return undefined
  }

  getHeaderValues(name: string): string[] {
    const lower = name.toLowerCase()
    const values: string[] = []
    for (const [n, v] of this.headers) if (n.toLowerCase() === lower) values.push(v)
    return values
  }

  setHeader(name: string, value: string): void {
    this.ownsHeaders = true
    const lower = name.toLowerCase()
    const out: Array<[string, string]> = []
    let placed = false
    for (const header of this.headers) {
      if (header[0].toLowerCase() !== lower) out.push(header)
      else if (!placed) {
        out.push([name, value])
        placed = true
      }
    }
    if (!placed) out.push([name, value])
    this.headers = out
  }

  addHeader(name: string, value: string): void {
    if (!this.ownsHeaders) {
      this.headers = this.headers.slice()
      this.ownsHeaders = true
    }
    this.headers.push([name, value])
  }

  removeHeader(name: string): void {
    const lower = name.toLowerCase()
    this.headers = this.headers.filter(([n]) => n.toLowerCase() !== lower)
    this.ownsHeaders = true
  }

  headerList(): Array<[string, string]> {
    return this.headers.map(([n, v]) => [n, v])
  }

  /** The header pairs without copying; callers must not change them. */
  headerEntries(): ReadonlyArray<readonly [string, string]> {
    return this.headers
  }

  /**
   * The header pairs as they are now, without copying: the message copies them before its next change,
   * so the array keeps showing this moment (for traces and for what goes over the wire).
   */
  headerSnapshot(): ReadonlyArray<readonly [string, string]> {
    this.ownsHeaders = false
    return this.headers
  }

  /** Header count without copying. */
  get headerCount(): number {
    return this.headers.length
  }

  /** Distinct header names in first-seen order. */
  headerNames(): string[] {
    const seen = new Map<string, string>()
    for (const [n] of this.headers) if (!seen.has(n.toLowerCase())) seen.set(n.toLowerCase(), n)
    return [...seen.values()]
  }

  get content(): string {
    if (this.text === undefined) this.text = this.bytes.length === 0 ? '' : utf8Decoder.decode(this.bytes)
    return this.text
  }

  set content(value: string) {
    this.text = value
    this.bytes = encodeUtf8(value)
    this.onContentChanged()
  }

  get body(): Uint8Array {
    return this.bytes
  }

  /** The length of the body's decoded text when it has been read (kept beside the bytes), else 0. */
  decodedLength(): number {
    return this.text?.length ?? 0
  }

  set body(value: Uint8Array) {
    this.bytes = value
    this.text = undefined
    this.onContentChanged()
  }

  /** Hook for subclasses that cache a parsed view of the body. */
  protected onContentChanged(): void {}
}

/** Parses `a=1&b=2` into ordered pairs, decoding `+` as space and percent escapes leniently. */
export function parseUrlEncoded(text: string): Array<[string, string]> {
  const names: string[] = []
  const values: string[] = []
  parseUrlEncodedInto(text, names, values)
  return names.map((name, i) => [name, values[i]!])
}

/** parseUrlEncoded into two parallel lists (no pair per parameter). */
export function parseUrlEncodedInto(text: string, names: string[], values: string[]): void {
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('&', start)
    if (end < 0) end = text.length
    if (end > start) {
      const eq = text.indexOf('=', start)
      const named = eq >= 0 && eq < end
      names.push(decodeLenient(text.slice(start, named ? eq : end)))
      values.push(named ? decodeLenient(text.slice(eq + 1, end)) : '')
    }
    start = end + 1
  }
}

function decodeLenient(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text
  const spaced = text.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(spaced)
  } catch {
    return spaced
  }
}

/** Serialises ordered pairs as `application/x-www-form-urlencoded`. */
export function formatUrlEncoded(pairs: Array<[string, string]>): string {
  return pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&')
}

function getParam(pairs: Array<[string, string]>, name: string): string[] {
  return pairs.filter(([n]) => n === name).map(([, v]) => v)
}

/** The request message: verb and URI on top of headers and body. */
export class RequestMessage extends HttpMessage {
  verb: string
  private pathPart: string
  private queryText: string
  private queryPairs: Array<[string, string]> | undefined
  private formPairs: Array<[string, string]> | undefined

  constructor(init: { verb: string; uri: string; headers?: Array<[string, string]>; body?: Uint8Array | string }) {
    super(init)
    this.verb = init.verb.toUpperCase()
    const q = init.uri.indexOf('?')
    this.pathPart = q < 0 ? init.uri : init.uri.slice(0, q)
    this.queryText = q < 0 ? '' : init.uri.slice(q + 1)
  }

  get path(): string {
    return this.pathPart
  }

  set path(value: string) {
    this.pathPart = value
  }

  get querystring(): string {
    return this.queryText
  }

  get uri(): string {
    return this.queryText === '' ? this.pathPart : `${this.pathPart}?${this.queryText}`
  }

  /** uri === value, without building the uri. */
  isUri(value: string): boolean {
    const path = this.pathPart
    const query = this.queryText
    if (query === '') return value === path
    return value.length === path.length + 1 + query.length && value.startsWith(path) && value.charCodeAt(path.length) === 63 && value.endsWith(query)
  }

  set uri(value: string) {
    const q = value.indexOf('?')
    this.pathPart = q < 0 ? value : value.slice(0, q)
    this.queryText = q < 0 ? '' : value.slice(q + 1)
    this.queryPairs = undefined
  }

  queryParams(): Array<[string, string]> {
    if (!this.queryPairs) this.queryPairs = parseUrlEncoded(this.queryText)
    return this.queryPairs
  }

  queryParamValues(name: string): string[] {
    return getParam(this.queryParams(), name)
  }

  setQueryParam(name: string, value: string): void {
    this.writeQuery(replaceParam(this.queryParams(), name, value))
  }

  addQueryParam(name: string, value: string): void {
    this.writeQuery([...this.queryParams(), [name, value]])
  }

  removeQueryParam(name: string): void {
    this.writeQuery(this.queryParams().filter(([n]) => n !== name))
  }

  private writeQuery(pairs: Array<[string, string]>): void {
    this.queryPairs = pairs
    this.queryText = formatUrlEncoded(pairs)
  }

  /** True when the body is `application/x-www-form-urlencoded`. */
  isForm(): boolean {
    return (this.getHeader('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')
  }

  formParams(): Array<[string, string]> {
    if (!this.isForm()) return []
    if (!this.formPairs) this.formPairs = parseUrlEncoded(this.content)
    return this.formPairs
  }

  formParamValues(name: string): string[] {
    return getParam(this.formParams(), name)
  }

  setFormParam(name: string, value: string): void {
    this.writeForm(replaceParam(this.formParams(), name, value))
  }

  addFormParam(name: string, value: string): void {
    this.writeForm([...this.formParams(), [name, value]])
  }

  removeFormParam(name: string): void {
    this.writeForm(this.formParams().filter(([n]) => n !== name))
  }

  private writeForm(pairs: Array<[string, string]>): void {
    if (!this.isForm()) this.setHeader('Content-Type', 'application/x-www-form-urlencoded')
    this.content = formatUrlEncoded(pairs)
    this.formPairs = pairs
  }

  protected override onContentChanged(): void {
    this.formPairs = undefined
  }
}

function replaceParam(pairs: Array<[string, string]>, name: string, value: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  let placed = false
  for (const [n, v] of pairs) {
    if (n !== name) out.push([n, v])
    else if (!placed) {
      out.push([n, value])
      placed = true
    }
  }
  if (!placed) out.push([name, value])
  return out
}
