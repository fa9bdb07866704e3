/**
 * Faults the gateway runtime itself raises (routing, targets, internal errors), as Apigee writes them.
 * Statuses marked [U] in the reference are choices recorded in docs/fidelity.md ("Runtime").
 */
import { PolicyFault, type FaultSpec } from './fault'

/** No deployed proxy matches the environment and path. */
export function applicationNotFound(environment: string, path: string): FaultSpec {
  return {
    name: 'ApplicationNotFound',
    status: 404,
    errorcode: 'messaging.adaptors.http.flow.ApplicationNotFound',
    faultstring: `Unable to identify proxy for host: ${environment} and url: ${path}`
  }
}

/** The request body exceeds the gateway's limit. */
export const requestTooLarge: FaultSpec = {
  name: 'TooBigBody',
  status: 413,
  errorcode: 'protocol.http.TooBigBody',
  faultstring: 'Body buffer overflow'
}

/** The target refused the connection (nothing listens on the port). */
export const targetServiceUnavailable: FaultSpec = {
  name: 'ServiceUnavailable',
  status: 503,
  errorcode: 'messaging.adaptors.http.flow.ServiceUnavailable',
  faultstring: 'The Service is temporarily unavailable'
}

/** The target did not answer within the I/O timeout. */
export const targetGatewayTimeout: FaultSpec = {
  name: 'GatewayTimeout',
  status: 504,
  errorcode: 'messaging.adaptors.http.flow.GatewayTimeout',
  faultstring: 'Gateway Timeout'
}

/** The target closed the connection before a complete response. */
export const targetUnexpectedEof: FaultSpec = {
  name: 'UnexpectedEOFAtTarget',
  status: 502,
  errorcode: 'messaging.adaptors.http.flow.UnexpectedEOFAtTarget',
  faultstring: 'Unexpected EOF at target'
}

/** The target host name could not be resolved. */
export const targetDnsFailure: FaultSpec = {
  name: 'DNSLookupFailed',
  status: 503,
  errorcode: 'messaging.adaptors.http.flow.DNSLookupFailed',
  faultstring: 'DNS lookup failed for the target host'
}

/** Any other failure to talk to the target. */
export const targetBadGateway: FaultSpec = {
  name: 'BadGateway',
  status: 502,
  errorcode: 'messaging.adaptors.http.flow.BadGateway',
  faultstring: 'Bad Gateway'
}

/** The target answered with a status Apigee treats as an error (>= 400 unless `success.codes` says otherwise). */
export function targetErrorResponse(status: number): FaultSpec {
  return {
    name: 'ErrorResponseCode',
    status,
    errorcode: 'messaging.adaptors.http.flow.ErrorResponseCode',
    faultstring: `Received ${status} Response from target`
  }
}

/** A policy threw something that is not a PolicyFault: a defect, reported as a 500 fault. */
export function internalPolicyError(policy: string, message: string): FaultSpec {
  return {
    name: 'InternalError',
    status: 500,
    errorcode: 'messaging.runtime.InternalError',
    faultstring: `Internal error in policy ${policy}: ${message}`
  }
}

/** Wraps a runtime fault spec so it can be thrown through the flow like a policy fault. */
export function runtimeFault(spec: FaultSpec, category = 'Messaging', detail?: Record<string, string>): PolicyFault {
  return new PolicyFault(spec, { category, ...(detail ? { detail } : {}) })
}

/** A request was routed to a HostedTarget or Node.js ScriptTarget, which Gatelab cannot run on a desktop. */
export function unsupportedTarget(kind: 'HostedTarget' | 'ScriptTarget', endpoint: string): FaultSpec {
  return {
    name: 'UnsupportedTarget',
    status: 500,
    errorcode: 'gatelab.UnsupportedTarget',
    faultstring: `Gatelab cannot run the ${kind} of TargetEndpoint "${endpoint}" on a desktop; route to an HTTP target instead`
  }
}
