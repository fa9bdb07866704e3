/**
 * BasicAuthentication: Encode builds `Basic base64(user:password)` into a variable (usually the
 * Authorization header); Decode splits such a header into user and password variables.
 */
import { child, childText, xmlBoolean } from '../bundle/xml'
import { PolicyFault, type FaultSpec } from '../faults/fault'
import type { PolicyHandler } from './types'

export interface BasicAuthenticationConfig {
  operation: 'Encode' | 'Decode'
  userRef: string
  passwordRef: string
  assignTo: string
  source: string
  ignoreUnresolvedVariables: boolean
}

/** BasicAuthentication's runtime faults. */
export const basicAuthenticationFaults = {
  unresolvedVariable: (variable: string): FaultSpec => ({
    name: 'UnresolvedVariable',
    status: 500,
    errorcode: 'steps.basicauthentication.UnresolvedVariable',
    faultstring: `Unresolved variable : ${variable}`
  }),
  invalidSource: (variable: string): FaultSpec => ({
    name: 'InvalidBasicAuthenticationSource',
    status: 500,
    errorcode: 'steps.basicauthentication.InvalidBasicAuthenticationSource',
    faultstring: `Source variable : ${variable} for basic authentication decode policy is not valid`
  })
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** The BasicAuthentication policy handler. */
export const basicAuthenticationPolicy: PolicyHandler<BasicAuthenticationConfig> = {
  type: 'BasicAuthentication',
  faultVariablePrefix: 'BasicAuthentication',
  compile(root, ctx) {
    const operationText = childText(root, 'Operation') ?? ''
    const operation = operationText.toLowerCase() === 'encode' ? 'Encode' : operationText.toLowerCase() === 'decode' ? 'Decode' : null
    if (!operation) ctx.error('InvalidOperation', `Operation must be Encode or Decode, got "${operationText}"`, child(root, 'Operation') ?? root)
    const userRef = child(root, 'User')?.attributes['ref'] ?? ''
    const passwordRef = child(root, 'Password')?.attributes['ref'] ?? ''
    if (userRef === '') ctx.error('UserNameRequired', '<User ref="..."/> is required', child(root, 'User') ?? root)
    if (passwordRef === '') ctx.error('PasswordRequired', '<Password ref="..."/> is required', child(root, 'Password') ?? root)
    const assignTo = childText(root, 'AssignTo') ?? ''
    const source = childText(root, 'Source') ?? ''
    if (operation === 'Encode' && assignTo === '') ctx.error('AssignToRequired', 'Encode needs <AssignTo>', child(root, 'AssignTo') ?? root)
    if (operation === 'Decode' && source === '') ctx.error('SourceRequired', 'Decode needs <Source>', child(root, 'Source') ?? root)
    return {
      operation: operation ?? 'Encode',
      userRef,
      passwordRef,
      assignTo,
      source,
      ignoreUnresolvedVariables: xmlBoolean(childText(root, 'IgnoreUnresolvedVariables'), false)
    }
  },
  execute(config, ctx) {
    const vars = ctx.variables
    if (config.operation === 'Encode') {
      const user = vars.getString(config.userRef)
      const password = vars.getString(config.passwordRef)
      if (user === undefined || password === undefined) {
        if (config.ignoreUnresolvedVariables) return
        throw new PolicyFault(basicAuthenticationFaults.unresolvedVariable(user === undefined ? config.userRef : config.passwordRef))
      }
      vars.set(config.assignTo, `Basic ${encodeBase64(`${user}:${password}`)}`)
      return
    }
    const header = vars.getString(config.source)
    if (header === undefined) {
      if (config.ignoreUnresolvedVariables) return
      throw new PolicyFault(basicAuthenticationFaults.unresolvedVariable(config.source))
    }
    const match = /^Basic\s+(\S+)\s*$/i.exec(header)
    const encoded = match?.[1]
    const decoded = encoded && BASE64.test(encoded) ? decodeBase64(encoded) : undefined
    const colon = decoded?.indexOf(':') ?? -1
    if (decoded === undefined || colon < 0) throw new PolicyFault(basicAuthenticationFaults.invalidSource(config.source))
    vars.set(config.userRef, decoded.slice(0, colon))
    vars.set(config.passwordRef, decoded.slice(colon + 1))
  }
}

function encodeBase64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function decodeBase64(encoded: string): string | undefined {
  try {
    const binary = atob(encoded)
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}
