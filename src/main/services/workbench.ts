/**
 * The workbench sends real HTTP requests to the gateway listeners, as curl would, so its requests are
 * traced and behave exactly like any client's. Each request carries a request id header, which is how
 * the console finds the trace the request produced.
 */
import { randomUUID } from 'node:crypto'
import { ConsoleError, type WorkbenchRequest, type WorkbenchResponse } from '../../shared/contract'
import type { HttpClient, TraceBuffer } from '../../engine'
import { OutboundError } from '../../engine'
import type { Gateway } from '../http/gateway'
import type { Workspace } from '../../shared/model'
import { MASKED_SECRET, isMaskedSecret } from '../../shared/secrets'

/** Header that ties a workbench request to its trace. */
export const WORKBENCH_ID_HEADER = 'X-Gatelab-Request-Id'

export interface WorkbenchDeps {
  gateway: Pick<Gateway, 'status'>
  http: HttpClient
  traces: Pick<TraceBuffer, 'find'>
  /** The workspace, whose consumer secrets fill in the placeholders the console showed (see fillStoredSecrets). */
  workspace?: () => Workspace
  timeoutMs?: number
}

/** Sends one request to the environment's listener and returns the response with its trace id. */
export async function sendWorkbenchRequest(deps: WorkbenchDeps, request: WorkbenchRequest): Promise<WorkbenchResponse> {
  const listener = deps.gateway.status().find((l) => l.environment === request.environment)
  if (!listener) throw new ConsoleError('not-found', `Environment ${request.environment} does not exist`)
  if (listener.state !== 'started') {
    throw new ConsoleError('conflict', `The gateway of ${request.environment} is not listening (${listener.state}${listener.error ? `: ${listener.error}` : ''})`)
  }
  if (!request.path.startsWith('/')) throw new ConsoleError('validation', 'path must start with "/"', [{ field: 'path', message: 'must start with "/"' }])
  const id = randomUUID()
  const url = `${listener.url}${request.path}`
  const headers: Array<[string, string]> = [...request.headers.filter(([name]) => name.toLowerCase() !== WORKBENCH_ID_HEADER.toLowerCase()), [WORKBENCH_ID_HEADER, id]]
  // What goes over the wire has the stored secrets; what the console gets back keeps the placeholders.
  const filled = deps.workspace ? fillStoredSecrets({ headers, body: request.body }, deps.workspace()) : { headers, body: request.body }
  const started = performance.now()
  try {
    const response = await deps.http.send({
      method: request.method,
      url,
      headers: filled.headers,
      body: new TextEncoder().encode(filled.body),
      timeoutMs: deps.timeoutMs ?? 30_000
    })
    const durationMs = performance.now() - started
    const trace = deps.traces.find((r) => r.request.headers.some(([name, value]) => name.toLowerCase() === WORKBENCH_ID_HEADER.toLowerCase() && value === id))
    return {
      url,
      status: response.status,
      reasonPhrase: response.reasonPhrase,
      headers: response.headers,
      body: new TextDecoder().decode(response.body),
      durationMs,
      traceId: trace?.id ?? null,
      sentHeaders: headers
    }
  } catch (error) {
    if (error instanceof OutboundError) throw new ConsoleError('conflict', `The request to ${url} failed: ${error.message}`)
    throw error
  }
}

const FORM_PLACEHOLDER = new RegExp(`(^|&)client_secret=(${escapeRegExp(MASKED_SECRET)}|${escapeRegExp(encodeURIComponent(MASKED_SECRET).replace(/\*/g, '%2A'))})(?=&|$)`, 'i')

/**
 * Replaces the consumer-secret placeholder (MASKED_SECRET) in a client's credentials with the secret
 * the workspace stores for that client id: in a Basic Authorization header and in a `client_secret`
 * form field. The console shows consumer secrets masked, so the workbench sends the placeholder and
 * main fills in the one secret that request needs: secrets stay out of the renderer. A placeholder
 * for an unknown client id goes out as it is (and the gateway refuses it, as it would any wrong secret).
 */
export function fillStoredSecrets(message: { headers: Array<[string, string]>; body: string }, workspace: Workspace): { headers: Array<[string, string]>; body: string } {
  const secretOf = (clientId: string): string | undefined => {
    for (const app of workspace.apps) for (const c of app.credentials) if (c.consumerKey === clientId) return c.consumerSecret
    return undefined
  }
  let basicClientId: string | undefined
  const headers = message.headers.map(([name, value]): [string, string] => {
    if (name.toLowerCase() !== 'authorization') return [name, value]
    const match = /^\s*basic\s+(\S+)\s*$/i.exec(value)
    if (!match) return [name, value]
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return [name, value]
    const clientId = safeDecode(decoded.slice(0, colon))
    basicClientId = clientId
    if (!isMaskedSecret(safeDecode(decoded.slice(colon + 1)))) return [name, value]
    const secret = secretOf(clientId)
    if (secret === undefined) return [name, value]
    return [name, `Basic ${Buffer.from(`${decoded.slice(0, colon)}:${encodeURIComponent(secret)}`).toString('base64')}`]
  })
  let body = message.body
  if (FORM_PLACEHOLDER.test(body)) {
    const clientId = new URLSearchParams(body).get('client_id') ?? basicClientId
    const secret = clientId === undefined ? undefined : secretOf(clientId)
    if (secret !== undefined) body = body.replace(FORM_PLACEHOLDER, (_m, lead: string) => `${lead}client_secret=${encodeURIComponent(secret)}`)
  }
  return { headers, body }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
