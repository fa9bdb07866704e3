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

/** Header that ties a workbench request to its trace. */
export const WORKBENCH_ID_HEADER = 'X-Gatelab-Request-Id'

export interface WorkbenchDeps {
  gateway: Pick<Gateway, 'status'>
  http: HttpClient
  traces: Pick<TraceBuffer, 'find'>
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
  const started = performance.now()
  try {
    const response = await deps.http.send({
      method: request.method,
      url,
      headers,
      body: new TextEncoder().encode(request.body),
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
