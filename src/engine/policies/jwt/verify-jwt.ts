/**
 * VerifyJWT: checks a JWT's algorithm, signature, times (with `<TimeAllowance>`) and expected claims, and
 * publishes its header and claims as `jwt.<policy>.*`. `jwt.<policy>.valid` and `.error` say how it went.
 */
import { compactVerify, errors as joseErrors } from 'jose'
import type { KeyObject } from 'node:crypto'
import { child, childText, xmlBoolean } from '../../bundle/xml'
import { PolicyFault } from '../../faults/fault'
import type { PolicyContext, PolicyHandler } from '../types'
import {
  claimValue,
  compileAlgorithms,
  compileClaims,
  compileDuration,
  compileSource,
  decodeCompact,
  familyOf,
  formatEpochSeconds,
  isAlgorithm,
  jwtFault,
  resolveDuration,
  resolveValue,
  setDecodedVariables,
  tokenFrom,
  valueSource,
  type Algorithm,
  type ClaimSpec,
  type DecodedJwt,
  type DurationSpec,
  type ValueSource
} from './common'
import { checkKey, compileKey, jwksKey, publicKey, secretKey, type KeyConfig } from './keys'

export interface VerifyJwtConfig {
  algorithms: Algorithm[]
  key?: KeyConfig
  source?: string
  subject?: ValueSource
  issuer?: ValueSource
  audience?: ValueSource
  claims: ClaimSpec[]
  timeAllowance?: DurationSpec
  ignoreUnresolved: boolean
  ignoreCriticalHeaders: boolean
  knownHeaders: string[]
}

export const verifyJwtPolicy: PolicyHandler<VerifyJwtConfig> = {
  type: 'VerifyJWT',
  faultVariablePrefix: 'jwt',
  compile(root, ctx) {
    const algorithms = compileAlgorithms(root, ctx, true)
    const key = compileKey(root, ctx, algorithms[0] === undefined ? undefined : familyOf(algorithms[0]), false)
    const config: VerifyJwtConfig = {
      algorithms,
      claims: compileClaims(child(root, 'AdditionalClaims'), ctx, false),
      ignoreUnresolved: xmlBoolean(childText(root, 'IgnoreUnresolvedVariables'), false),
      ignoreCriticalHeaders: xmlBoolean(childText(root, 'IgnoreCriticalHeaders'), false),
      knownHeaders: (childText(root, 'KnownHeaders') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
    }
    if (key) config.key = key
    const source = compileSource(root)
    if (source !== undefined) config.source = source
    for (const [field, name] of [['subject', 'Subject'], ['issuer', 'Issuer'], ['audience', 'Audience']] as const) {
      const s = valueSource(child(root, name))
      if (s) config[field] = s
    }
    const allowance = compileDuration(child(root, 'TimeAllowance'), ctx)
    if (allowance) config.timeAllowance = allowance
    return config
  },
  async execute(config, ctx) {
    const p = `jwt.${ctx.policyName}`
    ctx.variables.set(`${p}.valid`, 'false')
    try {
      await verify(config, ctx)
      ctx.variables.set(`${p}.valid`, 'true')
    } catch (e) {
      if (e instanceof PolicyFault) ctx.variables.set(`${p}.error`, e.spec.faultstring)
      throw e
    }
  }
}

async function verify(config: VerifyJwtConfig, ctx: PolicyContext): Promise<void> {
  const policy = ctx.policyName
  const token = tokenFrom(config.source, ctx)
  const decoded = decodeCompact(token)
  if (!decoded) throw jwtFault('InvalidToken', `Invalid token: policy(${policy})`)
  const nowMs = ctx.services.clock.now()
  setDecodedVariables(ctx.variables, policy, decoded, nowMs)

  const alg = decoded.header.alg
  if (typeof alg !== 'string' || alg === '') throw jwtFault('NoAlgorithmFoundInHeader', `No algorithm found in header: policy(${policy})`)
  if (!isAlgorithm(alg) || !config.algorithms.includes(alg)) {
    throw jwtFault('AlgorithmMismatch', `Algorithm mismatch: policy(${policy}) expected(${config.algorithms.join(',')}) actual(${alg})`)
  }
  const crit = criticalHeaders(decoded, config, policy)

  const key = await verificationKey(config.key!, decoded, ctx)
  checkKey(key, alg, policy)
  try {
    await compactVerify(token, key, { algorithms: [alg], crit })
  } catch (e) {
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw jwtFault('InvalidSignature', `Signature could not be verified: policy(${policy})`)
    throw jwtFault('InvalidToken', `Invalid token: policy(${policy})`)
  }

  checkTimes(decoded.payload, config, ctx, nowMs)
  await checkClaims(decoded.payload, config, ctx)
  ctx.note(`valid ${alg} JWT${typeof decoded.payload.sub === 'string' ? ` for ${decoded.payload.sub}` : ''}`)
}

/** `crit` names the verifier must understand: the KnownHeaders, or all of them with IgnoreCriticalHeaders. */
function criticalHeaders(decoded: DecodedJwt, config: VerifyJwtConfig, policy: string): Record<string, boolean> {
  const crit = decoded.header.crit
  if (crit === undefined) return {}
  if (!Array.isArray(crit) || crit.some((c) => typeof c !== 'string')) throw jwtFault('InvalidToken', `Invalid token: policy(${policy})`)
  const names = crit as string[]
  const unknown = names.filter((n) => !config.knownHeaders.includes(n))
  if (unknown.length > 0 && !config.ignoreCriticalHeaders) {
    throw jwtFault('UnhandledCriticalHeader', `Unhandled critical header: policy(${policy}) header(${unknown.join(',')})`)
  }
  return Object.fromEntries(names.map((n) => [n, true]))
}

async function verificationKey(config: KeyConfig, decoded: DecodedJwt, ctx: PolicyContext): Promise<KeyObject> {
  switch (config.kind) {
    case 'secret':
      return secretKey(config, ctx)
    case 'jwks':
      return jwksKey(config, decoded.header, ctx)
    case 'public':
    case 'certificate':
      return publicKey(config, ctx)
    case 'private':
      throw new Error('VerifyJWT never compiles a PrivateKey')
  }
}

function numericClaim(payload: Record<string, unknown>, name: string, policy: string): number | undefined {
  const v = payload[name]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    if (name === 'iat') throw jwtFault('InvalidIatTimestamp', `Invalid iat timestamp: policy(${policy})`)
    throw jwtFault('InvalidToken', `Invalid token: policy(${policy}) claim(${name})`)
  }
  return v
}

function checkTimes(payload: Record<string, unknown>, config: VerifyJwtConfig, ctx: PolicyContext, nowMs: number): void {
  const policy = ctx.policyName
  const allowance = Math.floor((resolveDuration(config.timeAllowance, ctx, config.ignoreUnresolved, 'TimeAllowance') ?? 0) / 1000)
  const now = Math.floor(nowMs / 1000)
  const exp = numericClaim(payload, 'exp', policy)
  const nbf = numericClaim(payload, 'nbf', policy)
  const iat = numericClaim(payload, 'iat', policy)
  if (exp !== undefined && now >= exp + allowance) {
    throw jwtFault('TokenExpired', `The Token has expired: policy(${policy}) jwtExpiry(${formatEpochSeconds(exp)}) currentTime(${formatEpochSeconds(now)})`)
  }
  if (nbf !== undefined && now + allowance < nbf) {
    throw jwtFault('TokenNotYetValid', `The Token is not yet valid: policy(${policy}) jwtNotBefore(${formatEpochSeconds(nbf)}) currentTime(${formatEpochSeconds(now)})`)
  }
  if (iat !== undefined && iat > now + allowance) throw jwtFault('InvalidIatTimestamp', `Invalid iat timestamp: policy(${policy}) iat(${formatEpochSeconds(iat)})`)
}

async function checkClaims(payload: Record<string, unknown>, config: VerifyJwtConfig, ctx: PolicyContext): Promise<void> {
  const policy = ctx.policyName
  const expected = (source: ValueSource | undefined): string | undefined => {
    const v = resolveValue(source, ctx, config.ignoreUnresolved)
    return v === undefined ? undefined : String(v)
  }
  const iss = expected(config.issuer)
  if (iss !== undefined && payload.iss !== iss) throw jwtFault('JwtIssuerMismatch', `Issuer mismatch: policy(${policy})`)
  const sub = expected(config.subject)
  if (sub !== undefined && payload.sub !== sub) throw jwtFault('JwtSubjectMismatch', `Subject mismatch: policy(${policy})`)
  const aud = expected(config.audience)
  if (aud !== undefined) {
    const tokenAud = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud]
    const wanted = aud.split(',').map((s) => s.trim()).filter((s) => s !== '')
    if (!wanted.some((a) => tokenAud.includes(a))) throw jwtFault('JwtAudienceMismatch', `Audience mismatch: policy(${policy})`)
  }
  for (const spec of config.claims) {
    const raw = resolveValue(spec.value, ctx, config.ignoreUnresolved)
    if (raw === undefined) continue
    const want = claimValue(spec, raw, policy)
    if (JSON.stringify(payload[spec.name]) !== JSON.stringify(want)) {
      throw jwtFault('InvalidClaim', `Invalid Claim: policy(${policy}) claim(${spec.name})`)
    }
  }
}
