/**
 * What GenerateJWT, VerifyJWT and DecodeJWT share: the fault table, the algorithm list, claim and duration
 * parsing at deployment, token lookup and the `jwt.<policy>.*` variables.
 * Reference: Apigee's JWT policies; faultstrings the reference does not spell out are marked [U] in docs/fidelity.md.
 */
import { child, children, xmlBoolean, type XmlElement } from '../../bundle/xml'
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import type { CompileContext, FlowVariables, PolicyContext } from '../types'

/** Runtime fault names; every JWT fault is a 401 with errorcode `steps.jwt.<Name>` (as the reference tables list them). */
export type JwtFaultName =
  | 'TokenExpired'
  | 'InvalidToken'
  | 'AlgorithmMismatch'
  | 'InvalidSignature'
  | 'NoAlgorithmFoundInHeader'
  | 'TokenNotYetValid'
  | 'InvalidClaim'
  | 'KeyParsingFailed'
  | 'FailedToDecode'
  | 'FailedToResolveVariable'
  | 'InvalidIatTimestamp'
  | 'NoMatchingPublicKey'
  | 'UnknownException'
  | 'WrongKeyType'
  | 'JwtAudienceMismatch'
  | 'JwtIssuerMismatch'
  | 'JwtSubjectMismatch'
  | 'InsufficientKeyLength'
  | 'UnhandledCriticalHeader'
  | 'InvalidCurve'

export function jwtFault(name: JwtFaultName, faultstring: string): PolicyFault {
  const spec: FaultSpec = { name, status: 401, errorcode: `steps.jwt.${name}`, faultstring }
  return new PolicyFault(spec)
}

/** Deployment error codes of the JWT policies. */
export const jwtDeploymentErrors = {
  InvalidNameForAdditionalClaim: 'InvalidNameForAdditionalClaim',
  InvalidTypeForAdditionalClaim: 'InvalidTypeForAdditionalClaim',
  MissingNameForAdditionalClaim: 'MissingNameForAdditionalClaim',
  InvalidValueForElement: 'InvalidValueForElement',
  InvalidConfiguration: 'InvalidConfiguration',
  InvalidAlgorithm: 'InvalidAlgorithm'
} as const

export type Family = 'HS' | 'RS' | 'PS' | 'ES'
export const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const
export type Algorithm = (typeof ALGORITHMS)[number]
export const familyOf = (alg: Algorithm): Family => alg.slice(0, 2) as Family
export const isAlgorithm = (s: string): s is Algorithm => (ALGORITHMS as readonly string[]).includes(s)

/** Registered claims the policies set through their own elements; AdditionalClaims may not name them. */
const REGISTERED = new Set(['kid', 'iss', 'sub', 'aud', 'iat', 'exp', 'nbf', 'jti'])
const CLAIM_TYPES = new Set(['string', 'number', 'boolean', 'map'])

/** A value given literally or by `ref` (the ref wins when it resolves, the literal is its fallback). */
export interface ValueSource {
  ref?: string
  literal?: string
}

export interface ClaimSpec {
  name: string
  type: 'string' | 'number' | 'boolean' | 'map'
  array: boolean
  value: ValueSource
}

export function valueSource(el: XmlElement | undefined): ValueSource | undefined {
  if (!el) return undefined
  const ref = el.attributes.ref?.trim()
  const source: ValueSource = {}
  if (ref) source.ref = ref
  if (el.text !== '') source.literal = el.text
  return source
}

/** `<AdditionalClaims>` / `<AdditionalHeaders>`: `<Claim name type array ref>value</Claim>`. */
export function compileClaims(parent: XmlElement | undefined, ctx: CompileContext, headers: boolean): ClaimSpec[] {
  if (!parent) return []
  const out: ClaimSpec[] = []
  for (const el of children(parent, 'Claim')) {
    const name = el.attributes.name?.trim() ?? ''
    if (name === '') {
      ctx.error(jwtDeploymentErrors.MissingNameForAdditionalClaim, `<${parent.name}><Claim> needs a name attribute`, el)
      continue
    }
    if (!headers && REGISTERED.has(name)) {
      ctx.error(
        jwtDeploymentErrors.InvalidNameForAdditionalClaim,
        `<AdditionalClaims> cannot set the registered claim "${name}": use the policy's own element (Issuer, Subject, Audience, ExpiresIn, NotBefore, Id)`,
        el
      )
      continue
    }
    const type = (el.attributes.type ?? 'string').trim()
    if (!CLAIM_TYPES.has(type)) {
      ctx.error(jwtDeploymentErrors.InvalidTypeForAdditionalClaim, `<Claim name="${name}"> has type "${type}"; use string, number, boolean or map`, el)
      continue
    }
    out.push({ name, type: type as ClaimSpec['type'], array: xmlBoolean(el.attributes.array, false), value: valueSource(el) ?? {} })
  }
  return out
}

const DURATION = /^(-?\d+)\s*(ms|s|m|h|d|w)?$/
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** A time span like `30m`, `1h`, `3600` (seconds without a unit), `500ms`, in milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim())
  if (!m) return undefined
  return Number(m[1]) * UNIT_MS[m[2] ?? 's']!
}

/** A duration element, checked at deployment when literal; `ref` resolved per request. */
export interface DurationSpec {
  ref?: string
  ms?: number
}

export function compileDuration(el: XmlElement | undefined, ctx: CompileContext): DurationSpec | undefined {
  if (!el) return undefined
  const ref = el.attributes.ref?.trim()
  const spec: DurationSpec = {}
  if (ref) spec.ref = ref
  if (el.text !== '') {
    const ms = parseDuration(el.text)
    if (ms === undefined) ctx.error(jwtDeploymentErrors.InvalidValueForElement, `<${el.name}> must be a time span such as 30m, 1h or 3600s, got "${el.text}"`, el)
    else spec.ms = ms
  }
  if (spec.ref === undefined && el.text === '') {
    ctx.error(jwtDeploymentErrors.InvalidValueForElement, `<${el.name}> needs a value or a ref`, el)
  }
  return spec
}

/** Algorithms of `<Algorithm>`: one for GenerateJWT, a comma-separated list of one family for VerifyJWT. */
export function compileAlgorithms(root: XmlElement, ctx: CompileContext, allowList: boolean): Algorithm[] {
  const el = child(root, 'Algorithm')
  const names = (el?.text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
  const valid = `valid values are ${ALGORITHMS.join(', ')}`
  if (names.length === 0) {
    ctx.error(jwtDeploymentErrors.InvalidAlgorithm, `<Algorithm> is required; ${valid}`, el ?? root)
    return []
  }
  if (names.length > 1 && !allowList) {
    ctx.error(jwtDeploymentErrors.InvalidAlgorithm, `<Algorithm> takes one algorithm, got "${el!.text}"`, el)
    return []
  }
  const bad = names.find((n) => !isAlgorithm(n))
  if (bad !== undefined) {
    ctx.error(jwtDeploymentErrors.InvalidAlgorithm, `<Algorithm> "${bad}" is not supported; ${valid}`, el)
    return []
  }
  const algs = names as Algorithm[]
  if (new Set(algs.map(familyOf)).size > 1) {
    ctx.error(jwtDeploymentErrors.InvalidAlgorithm, `<Algorithm> lists algorithms of different key types: ${algs.join(', ')}`, el)
    return []
  }
  return algs
}

/**
 * Resolves a value source. `undefined` when there is nothing to use; throws FailedToResolveVariable when a ref
 * does not resolve, there is no literal fallback and unresolved variables are not ignored.
 */
export function resolveValue(source: ValueSource | undefined, ctx: PolicyContext, ignoreUnresolved: boolean): unknown {
  if (!source) return undefined
  if (source.ref !== undefined) {
    const value = ctx.variables.get(source.ref)
    if (value !== undefined && value !== null) return value
    if (source.literal !== undefined) return source.literal
    if (!ignoreUnresolved) throw unresolvedFault(ctx.policyName, source.ref)
    return undefined
  }
  return source.literal
}

export function unresolvedFault(policy: string, variable: string): PolicyFault {
  return jwtFault('FailedToResolveVariable', `Failed to Resolve Variable : policy(${policy}) variable(${variable})`)
}

export function resolveDuration(spec: DurationSpec | undefined, ctx: PolicyContext, ignoreUnresolved: boolean, element: string): number | undefined {
  if (!spec) return undefined
  if (spec.ref !== undefined) {
    const text = ctx.variables.getString(spec.ref)
    if (text !== undefined) {
      const ms = parseDuration(text)
      if (ms === undefined) throw jwtFault('InvalidClaim', `Invalid value for ${element}: policy(${ctx.policyName}) value(${text})`)
      return ms
    }
    if (spec.ms === undefined && !ignoreUnresolved) throw unresolvedFault(ctx.policyName, spec.ref)
  }
  return spec.ms
}

/** A claim's value as its type says; throws InvalidClaim when it cannot be converted. */
export function claimValue(spec: ClaimSpec, raw: unknown, policy: string): unknown {
  const items: unknown[] = spec.array ? (Array.isArray(raw) ? raw : String(raw).split(',').map((s) => s.trim())) : [raw]
  const converted = items.map((item) => convert(spec, item, policy))
  return spec.array ? converted : converted[0]
}

function convert(spec: ClaimSpec, item: unknown, policy: string): unknown {
  const bad = (): PolicyFault => jwtFault('InvalidClaim', `Invalid Claim: policy(${policy}) claim(${spec.name}) type(${spec.type})`)
  switch (spec.type) {
    case 'string':
      return typeof item === 'string' ? item : typeof item === 'object' ? JSON.stringify(item) : String(item)
    case 'number': {
      const n = typeof item === 'number' ? item : Number(String(item).trim())
      if (String(item).trim() === '' || !Number.isFinite(n)) throw bad()
      return n
    }
    case 'boolean': {
      if (typeof item === 'boolean') return item
      const s = String(item).trim().toLowerCase()
      if (s !== 'true' && s !== 'false') throw bad()
      return s === 'true'
    }
    case 'map': {
      if (typeof item === 'object' && item !== null) return item
      try {
        const parsed: unknown = JSON.parse(String(item))
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed
      } catch {
        // falls through to the fault
      }
      throw bad()
    }
  }
}

/** The token to verify or decode: `<Source>` names a variable; by default the Bearer token of Authorization. */
export function tokenFrom(source: string | undefined, ctx: PolicyContext): string {
  if (source !== undefined) {
    const value = ctx.variables.getString(source)
    if (value === undefined) throw unresolvedFault(ctx.policyName, source)
    return value.trim()
  }
  const header = ctx.request.getHeader('authorization')
  if (header === undefined) throw unresolvedFault(ctx.policyName, 'request.header.authorization')
  const m = /^Bearer\s+(.+)$/i.exec(header.trim())
  if (!m) throw jwtFault('InvalidToken', `Invalid token: policy(${ctx.policyName})`)
  return m[1]!.trim()
}

export interface DecodedJwt {
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

function base64UrlJson(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Header and payload of a compact JWS, or undefined when it is not one. */
export function decodeCompact(token: string): DecodedJwt | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const header = base64UrlJson(parts[0]!)
  const payload = base64UrlJson(parts[1]!)
  return header && payload ? { header, payload } : undefined
}

/** Friendly aliases Apigee gives the registered claims under `jwt.<policy>.claim.*`. */
const CLAIM_ALIASES: Record<string, string> = { iss: 'issuer', sub: 'subject', aud: 'audience', exp: 'expiry', iat: 'issuedat', nbf: 'notbefore', jti: 'id' }

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))
const formatted = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Sets the decoded header and claims, the expiry variables, and clears `valid`/`error` (set later by VerifyJWT). */
export function setDecodedVariables(vars: FlowVariables, policy: string, decoded: DecodedJwt, nowMs: number): void {
  const p = `jwt.${policy}`
  for (const [name, value] of Object.entries(decoded.header)) {
    vars.set(`${p}.decoded.header.${name}`, asText(value))
    vars.set(`${p}.header.${name}`, asText(value))
  }
  if (typeof decoded.header.alg === 'string') vars.set(`${p}.header.algorithm`, decoded.header.alg)
  vars.set(`${p}.header-json`, JSON.stringify(decoded.header))
  vars.set(`${p}.header.json`, JSON.stringify(decoded.header))
  for (const [name, value] of Object.entries(decoded.payload)) {
    vars.set(`${p}.decoded.claim.${name}`, asText(value))
    vars.set(`${p}.claim.${name}`, asText(value))
    const alias = CLAIM_ALIASES[name]
    if (alias) vars.set(`${p}.claim.${alias}`, Array.isArray(value) ? value.join(',') : asText(value))
  }
  vars.set(`${p}.claim.names`, Object.keys(decoded.payload).join(','))
  vars.set(`${p}.payload-claim-names`, Object.keys(decoded.payload).join(','))
  vars.set(`${p}.payload-json`, JSON.stringify(decoded.payload))
  const exp = decoded.payload.exp
  if (typeof exp === 'number') {
    const remaining = Math.floor(exp - nowMs / 1000)
    vars.set(`${p}.expiry_formatted`, formatted(exp))
    vars.set(`${p}.seconds_remaining`, String(Math.max(remaining, 0)))
    vars.set(`${p}.is_expired`, String(remaining <= 0))
  } else {
    vars.set(`${p}.is_expired`, 'false')
  }
  const iat = decoded.payload.iat
  if (typeof iat === 'number') vars.set(`${p}.issuedat_formatted`, formatted(iat))
  const nbf = decoded.payload.nbf
  if (typeof nbf === 'number') vars.set(`${p}.notbefore_formatted`, formatted(nbf))
}

export { formatted as formatEpochSeconds }

/** Reads the common `<Source>` element: a variable name, braces tolerated. */
export function compileSource(root: XmlElement): string | undefined {
  const text = child(root, 'Source')?.text.trim()
  if (!text) return undefined
  return text.replace(/^\{(.*)\}$/, '$1')
}
