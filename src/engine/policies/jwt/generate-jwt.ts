/**
 * GenerateJWT: signs a JWT (JWS compact form) with the configured claims and puts it into `<OutputVariable>`
 * (default `jwt.<policy>.generated_jwt`). Times come from the engine clock.
 */
import { CompactSign } from 'jose'
import { child, childText, xmlBoolean } from '../../bundle/xml'
import type { PolicyContext, PolicyHandler } from '../types'
import {
  claimValue,
  compileAlgorithms,
  compileClaims,
  compileDuration,
  familyOf,
  jwtDeploymentErrors,
  jwtFault,
  resolveDuration,
  resolveValue,
  valueSource,
  type Algorithm,
  type ClaimSpec,
  type DurationSpec,
  type ValueSource
} from './common'
import { checkKey, compileKey, keyId, privateKey, secretKey, type KeyConfig } from './keys'

export interface GenerateJwtConfig {
  algorithm?: Algorithm
  key?: KeyConfig
  subject?: ValueSource
  issuer?: ValueSource
  audience?: ValueSource
  id?: ValueSource & { generate: boolean }
  expiresIn?: DurationSpec
  notBefore?: ValueSource
  claims: ClaimSpec[]
  headers: ClaimSpec[]
  outputVariable?: string
  ignoreUnresolved: boolean
}

/** NotBefore as epoch seconds: an ISO 8601 / RFC 1123 date or epoch seconds. */
function absoluteSeconds(text: string): number | undefined {
  const t = text.trim()
  if (/^\d+$/.test(t)) return Number(t)
  const ms = Date.parse(t)
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000)
}

function addClaims(target: Record<string, unknown>, specs: ClaimSpec[], ctx: PolicyContext, ignore: boolean): void {
  for (const spec of specs) {
    const raw = resolveValue(spec.value, ctx, ignore)
    if (raw === undefined) continue
    target[spec.name] = claimValue(spec, raw, ctx.policyName)
  }
}

export const generateJwtPolicy: PolicyHandler<GenerateJwtConfig> = {
  type: 'GenerateJWT',
  faultVariablePrefix: 'jwt',
  compile(root, ctx) {
    const algorithm = compileAlgorithms(root, ctx, false)[0]
    const key = compileKey(root, ctx, algorithm === undefined ? undefined : familyOf(algorithm), true)
    const idEl = child(root, 'Id')
    const idSource = valueSource(idEl)
    const notBeforeEl = child(root, 'NotBefore')
    if (notBeforeEl && notBeforeEl.text !== '' && absoluteSeconds(notBeforeEl.text) === undefined) {
      ctx.error(jwtDeploymentErrors.InvalidValueForElement, `<NotBefore> must be a date such as 2026-01-01T00:00:00Z or epoch seconds, got "${notBeforeEl.text}"`, notBeforeEl)
    }
    const output = childText(root, 'OutputVariable')?.trim()
    const config: GenerateJwtConfig = {
      claims: compileClaims(child(root, 'AdditionalClaims'), ctx, false),
      headers: compileClaims(child(root, 'AdditionalHeaders'), ctx, true),
      ignoreUnresolved: xmlBoolean(childText(root, 'IgnoreUnresolvedVariables'), false)
    }
    if (algorithm) config.algorithm = algorithm
    if (key) config.key = key
    for (const [field, name] of [['subject', 'Subject'], ['issuer', 'Issuer'], ['audience', 'Audience']] as const) {
      const source = valueSource(child(root, name))
      if (source) config[field] = source
    }
    if (idSource) config.id = { ...idSource, generate: idSource.ref === undefined && idSource.literal === undefined }
    const expiresIn = compileDuration(child(root, 'ExpiresIn'), ctx)
    if (expiresIn) config.expiresIn = expiresIn
    if (notBeforeEl) config.notBefore = valueSource(notBeforeEl)!
    if (output) config.outputVariable = output
    return config
  },
  async execute(config, ctx) {
    const alg = config.algorithm!
    const keyConfig = config.key!
    const ignore = config.ignoreUnresolved
    const key = keyConfig.kind === 'secret' ? secretKey(keyConfig, ctx) : privateKey(keyConfig as Extract<KeyConfig, { kind: 'private' }>, ctx)
    checkKey(key, alg, ctx.policyName)

    const now = Math.floor(ctx.services.clock.now() / 1000)
    const payload: Record<string, unknown> = {}
    const text = (source: ValueSource | undefined): string | undefined => {
      const v = resolveValue(source, ctx, ignore)
      return v === undefined ? undefined : String(v)
    }
    const sub = text(config.subject)
    if (sub !== undefined) payload.sub = sub
    const iss = text(config.issuer)
    if (iss !== undefined) payload.iss = iss
    const audRaw = resolveValue(config.audience, ctx, ignore)
    if (audRaw !== undefined) {
      const list = Array.isArray(audRaw) ? audRaw.map(String) : String(audRaw).split(',').map((s) => s.trim()).filter((s) => s !== '')
      payload.aud = list.length === 1 ? list[0] : list
    }
    payload.iat = now
    const expiresMs = resolveDuration(config.expiresIn, ctx, ignore, 'ExpiresIn')
    if (expiresMs !== undefined) payload.exp = now + Math.floor(expiresMs / 1000)
    if (config.notBefore) {
      const nbfText = text(config.notBefore)
      if (nbfText === undefined || nbfText.trim() === '') payload.nbf = now
      else {
        const nbf = absoluteSeconds(nbfText)
        if (nbf === undefined) throw jwtFault('InvalidClaim', `Invalid value for NotBefore: policy(${ctx.policyName}) value(${nbfText})`)
        payload.nbf = nbf
      }
    }
    if (config.id) {
      const jti = config.id.generate ? uuid(ctx) : text(config.id)
      if (jti !== undefined) payload.jti = jti
    }
    addClaims(payload, config.claims, ctx, ignore)

    const header: Record<string, unknown> = {}
    addClaims(header, config.headers, ctx, ignore)
    const kid = keyId(keyConfig, ctx, ignore)
    if (kid !== undefined) header.kid = kid
    header.typ ??= 'JWT'
    header.alg = alg

    let jwt: string
    try {
      jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key)
    } catch (e) {
      throw jwtFault('UnknownException', `Failed to sign the token: policy(${ctx.policyName}) reason(${e instanceof Error ? e.message : String(e)})`)
    }
    ctx.variables.set(config.outputVariable ?? `jwt.${ctx.policyName}.generated_jwt`, jwt)
    ctx.note(`signed a ${alg} JWT${payload.exp === undefined ? ' without expiry' : ` expiring in ${Number(payload.exp) - now} s`} into ${config.outputVariable ?? `jwt.${ctx.policyName}.generated_jwt`}`)
  }
}

/** A version 4 UUID from the engine's random source (tests get a deterministic one). */
function uuid(ctx: PolicyContext): string {
  const b = ctx.services.random.bytes(16)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const hex = Buffer.from(b).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
