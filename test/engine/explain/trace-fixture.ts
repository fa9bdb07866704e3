/** TraceRecord fixtures carrying the variables the gateway sets when a policy fails. */
import type { TraceRecord } from '../../../src/shared/trace'
import { NOW } from '../kms/sample-org'

export interface FailedCall {
  proxy: string | null
  environment: string
  pathsuffix?: string
  verb?: string
  status: number
  fault: { name: string; errorcode: string; faultstring: string; policy?: string; cause?: string }
  policyType?: string
  variables?: Record<string, string>
  headers?: Array<[string, string]>
  /** Response body; defaults to the fault envelope. */
  body?: string
}

const basePaths: Record<string, string> = { API_One: '/api-one', API_Two: '/api-two' }

/** A trace of one failed request, shaped like the runtime's. */
export function failedTrace(c: FailedCall): TraceRecord {
  const suffix = c.pathsuffix ?? '/items'
  const verb = c.verb ?? 'GET'
  const path = `${c.proxy ? basePaths[c.proxy] : '/nowhere'}${suffix}`
  const body = c.body ?? JSON.stringify({ fault: { faultstring: c.fault.faultstring, detail: { errorcode: c.fault.errorcode } } })
  const variables: Record<string, string> = {
    'environment.name': c.environment,
    'request.verb': verb,
    'fault.name': c.fault.name,
    ...(c.proxy ? { 'apiproxy.name': c.proxy, 'proxy.pathsuffix': suffix, 'proxy.basepath': basePaths[c.proxy]! } : {}),
    ...c.variables
  }
  return {
    id: 'trace-1',
    messageId: 'trace-1',
    startedAt: NOW,
    durationMs: 3,
    environment: c.environment,
    proxy: c.proxy,
    method: verb,
    path,
    status: c.status,
    faultName: c.fault.name,
    app: variables['developer.app.name'] ?? null,
    clientId: variables['client_id'] ?? null,
    request: { method: verb, url: path, headers: c.headers ?? [], body: '' },
    response: { status: c.status, headers: [['Content-Type', 'application/json']], body },
    steps: c.fault.policy
      ? [
          {
            index: 0,
            kind: 'policy',
            phase: 'proxy-request',
            flow: 'PreFlow',
            endpoint: 'ProxyEndpoint:default',
            policy: c.fault.policy,
            policyType: c.policyType ?? 'OAuthV2',
            executed: true,
            startedAt: NOW,
            durationMs: 1,
            reads: [],
            writes: [],
            error: { name: c.fault.name, errorcode: c.fault.errorcode, faultstring: c.fault.faultstring, status: c.status }
          }
        ]
      : [],
    fault: {
      ...c.fault,
      status: c.status,
      variables: { 'fault.name': c.fault.name }
    },
    variables
  }
}

export const noMatch = {
  name: 'InvalidAPICallAsNoApiProductMatchFound',
  errorcode: 'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound',
  faultstring: 'Invalid API call as no apiproduct match found',
  policy: 'VerifyToken'
}

/** A VerifyAccessToken no-match trace for a token of `app` (client id `key`). */
export function tokenNoMatch(proxy: string, environment: string, app: string, key: string): TraceRecord {
  return failedTrace({
    proxy,
    environment,
    status: 401,
    fault: noMatch,
    headers: [['Authorization', 'Bearer abcd********']],
    variables: { client_id: key, 'developer.app.name': app }
  })
}
