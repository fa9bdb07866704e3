/**
 * Keys of the JWT policies: `<SecretKey>` (HS), `<PrivateKey>` (GenerateJWT RS/PS/ES), `<PublicKey>` with `<Value>`,
 * `<Certificate>` or `<JWKS>` (VerifyJWT). Keys are resolved per request from flow variables, as on Apigee, and
 * checked against the algorithm (key type, RSA modulus, EC curve, HMAC key size).
 */
import { X509Certificate, createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import { child, type XmlElement } from '../../bundle/xml'
import { compileTemplate, renderTemplate, type MessageTemplate } from '../../runtime/template'
import type { CompileContext, PolicyContext } from '../types'
import { familyOf, jwtDeploymentErrors, jwtFault, resolveValue, unresolvedFault, valueSource, type Algorithm, type ValueSource } from './common'

type SecretEncoding = 'utf8' | 'hex' | 'base64' | 'base64url'

export type KeyConfig =
  | { kind: 'secret'; value: ValueSource; encoding: SecretEncoding; id?: ValueSource }
  | { kind: 'private'; value: ValueSource; password?: ValueSource; id?: ValueSource }
  | { kind: 'public'; value: ValueSource }
  | { kind: 'certificate'; value: ValueSource }
  | { kind: 'jwks'; value?: ValueSource; uri?: MessageTemplate }

const ENCODINGS = new Set(['utf8', 'utf-8', 'hex', 'base16', 'base64', 'base64url'])

/** Which key element the policy has, checked against the algorithm family. */
export function compileKey(root: XmlElement, ctx: CompileContext, family: 'HS' | 'RS' | 'PS' | 'ES' | undefined, generate: boolean): KeyConfig | undefined {
  const secret = child(root, 'SecretKey')
  const asym = child(root, generate ? 'PrivateKey' : 'PublicKey')
  const asymName = generate ? 'PrivateKey' : 'PublicKey'
  if (secret && asym) {
    ctx.error(jwtDeploymentErrors.InvalidConfiguration, `use either <SecretKey> or <${asymName}>, not both`, asym)
    return undefined
  }
  if (family === undefined) return undefined
  if (family === 'HS') {
    if (!secret) {
      ctx.error(jwtDeploymentErrors.InvalidConfiguration, `an HS algorithm needs <SecretKey><Value ref="private.secret"/></SecretKey>`, asym ?? root)
      return undefined
    }
    const value = valueSource(child(secret, 'Value'))
    const enc = (secret.attributes.encoding ?? 'utf8').trim().toLowerCase()
    if (!ENCODINGS.has(enc)) {
      ctx.error(jwtDeploymentErrors.InvalidValueForElement, `<SecretKey encoding="${enc}"> must be utf8, hex, base64 or base64url`, secret)
    }
    if (!value || (value.ref === undefined && value.literal === undefined)) {
      ctx.error(jwtDeploymentErrors.InvalidConfiguration, '<SecretKey> needs <Value ref="..."/>', secret)
      return undefined
    }
    const encoding: SecretEncoding = enc === 'hex' || enc === 'base16' ? 'hex' : enc === 'base64' ? 'base64' : enc === 'base64url' ? 'base64url' : 'utf8'
    const id = valueSource(child(secret, 'Id'))
    return { kind: 'secret', value, encoding, ...(id ? { id } : {}) }
  }
  if (!asym) {
    ctx.error(jwtDeploymentErrors.InvalidConfiguration, `a ${family} algorithm needs <${asymName}>`, secret ?? root)
    return undefined
  }
  if (generate) {
    const value = valueSource(child(asym, 'Value'))
    if (!value) {
      ctx.error(jwtDeploymentErrors.InvalidConfiguration, '<PrivateKey> needs <Value ref="private.key"/>', asym)
      return undefined
    }
    const password = valueSource(child(asym, 'Password'))
    const id = valueSource(child(asym, 'Id'))
    return { kind: 'private', value, ...(password ? { password } : {}), ...(id ? { id } : {}) }
  }
  const jwks = child(asym, 'JWKS')
  if (jwks) {
    const uri = jwks.attributes.uri?.trim()
    const value = valueSource(jwks)
    if (uri) return { kind: 'jwks', uri: compileTemplate(uri) }
    if (value) return { kind: 'jwks', value }
  }
  const cert = valueSource(child(asym, 'Certificate'))
  if (cert) return { kind: 'certificate', value: cert }
  const value = valueSource(child(asym, 'Value'))
  if (value) return { kind: 'public', value }
  ctx.error(jwtDeploymentErrors.InvalidConfiguration, '<PublicKey> needs <Value ref>, <Certificate ref>, <JWKS ref> or <JWKS uri>', asym)
  return undefined
}

/** HMAC keys must be at least as long as the hash (Apigee's minimum key size). */
const HS_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 }
const EC_CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }

/** Checks that `key` may be used with `alg`, with the fault Apigee raises otherwise. */
export function checkKey(key: KeyObject, alg: Algorithm, policy: string): void {
  const family = familyOf(alg)
  if (family === 'HS') {
    if (key.type !== 'secret') throw jwtFault('WrongKeyType', `Wrong key type: policy(${policy}) algorithm(${alg})`)
    if (key.symmetricKeySize! < HS_MIN_BYTES[alg]!) {
      throw jwtFault('InsufficientKeyLength', `Key is too short for ${alg}: policy(${policy}) need(${HS_MIN_BYTES[alg]! * 8} bits) have(${key.symmetricKeySize! * 8} bits)`)
    }
    return
  }
  const type = key.asymmetricKeyType
  if (family === 'ES') {
    if (type !== 'ec') throw jwtFault('WrongKeyType', `Wrong key type: policy(${policy}) algorithm(${alg}) key(${type ?? key.type})`)
    if (key.asymmetricKeyDetails?.namedCurve !== EC_CURVES[alg]) {
      throw jwtFault('InvalidCurve', `Invalid curve for ${alg}: policy(${policy}) curve(${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'})`)
    }
    return
  }
  if (type !== 'rsa' && !(family === 'PS' && type === 'rsa-pss')) {
    throw jwtFault('WrongKeyType', `Wrong key type: policy(${policy}) algorithm(${alg}) key(${type ?? key.type})`)
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < 2048) throw jwtFault('InsufficientKeyLength', `Key is too short for ${alg}: policy(${policy}) need(2048 bits) have(${bits} bits)`)
}

function requiredText(source: ValueSource, ctx: PolicyContext): string {
  const value = resolveValue(source, ctx, false)
  if (value === undefined || String(value).trim() === '') throw unresolvedFault(ctx.policyName, source.ref ?? '(empty value)')
  return String(value)
}

function parsingFailed(policy: string, what: string): never {
  throw jwtFault('KeyParsingFailed', `Failed to parse key: policy(${policy}) ${what}`)
}

export function secretKey(config: Extract<KeyConfig, { kind: 'secret' }>, ctx: PolicyContext): KeyObject {
  const text = requiredText(config.value, ctx)
  const bytes = config.encoding === 'utf8' ? Buffer.from(text, 'utf8') : Buffer.from(text.trim(), config.encoding)
  if (bytes.length === 0) parsingFailed(ctx.policyName, `SecretKey is not valid ${config.encoding}`)
  return createSecretKey(bytes)
}

export function privateKey(config: Extract<KeyConfig, { kind: 'private' }>, ctx: PolicyContext): KeyObject {
  const pem = requiredText(config.value, ctx)
  const password = config.password ? resolveValue(config.password, ctx, false) : undefined
  try {
    return createPrivateKey(password === undefined ? pem : { key: pem, passphrase: String(password) })
  } catch {
    return parsingFailed(ctx.policyName, 'PrivateKey is not a PEM private key (or the password is wrong)')
  }
}

/** Public key from `<Value>` (PEM) or `<Certificate>` (PEM X.509). */
export function publicKey(config: Extract<KeyConfig, { kind: 'public' | 'certificate' }>, ctx: PolicyContext): KeyObject {
  const pem = requiredText(config.value, ctx)
  try {
    if (config.kind === 'certificate') return new X509Certificate(pem).publicKey
    return createPublicKey(pem)
  } catch {
    return parsingFailed(ctx.policyName, config.kind === 'certificate' ? 'Certificate is not a PEM X.509 certificate' : 'PublicKey is not a PEM public key')
  }
}

interface Jwk {
  kid?: unknown
  kty?: unknown
  alg?: unknown
  use?: unknown
}

/** How long a JWKS fetched from a URL is reused, on the engine clock ([U] Apigee caches for five minutes). */
export const JWKS_CACHE_MS = 300_000

async function jwksText(config: Extract<KeyConfig, { kind: 'jwks' }>, ctx: PolicyContext): Promise<string> {
  if (config.value) return requiredText(config.value, ctx)
  const unresolved: string[] = []
  const url = renderTemplate(config.uri!, ctx.variables, unresolved)
  if (unresolved.length > 0) throw unresolvedFault(ctx.policyName, unresolved[0]!)
  const cacheKey = `jwt.jwks:${url}`
  const cached = ctx.services.counters.get<string>(cacheKey)
  if (cached !== undefined) {
    ctx.note(`JWKS from ${url} reused from the cache`)
    return cached
  }
  let text: string
  try {
    const res = await ctx.services.http.send({ method: 'GET', url, headers: [['Accept', 'application/json']], body: new Uint8Array(), timeoutMs: 10_000 })
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
    text = new TextDecoder().decode(res.body)
  } catch (e) {
    throw jwtFault('UnknownException', `Failed to fetch the JWKS: policy(${ctx.policyName}) uri(${url}) reason(${e instanceof Error ? e.message : String(e)})`)
  }
  ctx.services.counters.set(cacheKey, text, ctx.services.clock.now() + JWKS_CACHE_MS)
  ctx.note(`JWKS fetched from ${url}`)
  return text
}

/** The JWKS key for the token: the one whose `kid` matches, or the only candidate when the token has no kid. */
export async function jwksKey(config: Extract<KeyConfig, { kind: 'jwks' }>, header: Record<string, unknown>, ctx: PolicyContext): Promise<KeyObject> {
  const text = await jwksText(config, ctx)
  let keys: Jwk[]
  try {
    const parsed = JSON.parse(text) as { keys?: unknown }
    if (!Array.isArray(parsed.keys)) throw new Error('no keys array')
    keys = parsed.keys as Jwk[]
  } catch {
    return parsingFailed(ctx.policyName, 'JWKS is not a JSON Web Key Set')
  }
  const alg = String(header.alg)
  const kty = alg.startsWith('ES') ? 'EC' : 'RSA'
  const usable = keys.filter((k) => k.kty === kty && (k.use === undefined || k.use === 'sig') && (k.alg === undefined || k.alg === alg))
  const kid = header.kid
  const candidates = kid === undefined ? usable : usable.filter((k) => k.kid === kid)
  if (candidates.length !== 1) {
    throw jwtFault('NoMatchingPublicKey', `No matching public key: policy(${ctx.policyName})${kid === undefined ? '' : ` kid(${String(kid)})`}`)
  }
  try {
    return createPublicKey({ key: candidates[0] as import('node:crypto').JsonWebKey, format: 'jwk' })
  } catch {
    return parsingFailed(ctx.policyName, `JWKS key ${kid === undefined ? '' : String(kid)} is not a valid public key`)
  }
}

export function keyId(config: KeyConfig, ctx: PolicyContext, ignoreUnresolved: boolean): string | undefined {
  if (config.kind !== 'secret' && config.kind !== 'private') return undefined
  const v = config.id ? resolveValue(config.id, ctx, ignoreUnresolved) : undefined
  return v === undefined ? undefined : String(v)
}
