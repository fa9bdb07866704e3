/**
 * HMAC: computes an HMAC over a message template with a secret from a `private.` variable, stores it in
 * `hmac.<policy>.output` (or the `<Output>` variable), and optionally verifies it against `<VerificationValue>`
 * in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { child, childText, xmlBoolean } from '../../bundle/xml'
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import { compileTemplate, renderTemplate, type MessageTemplate } from '../../runtime/template'
import type { PolicyHandler } from '../types'

/** Apigee's algorithm names and node:crypto's. */
const ALGORITHMS: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', MD5: 'md5' }
const ENCODINGS = ['base16', 'base64', 'base64url'] as const
type Encoding = (typeof ENCODINGS)[number]

export interface HmacConfig {
  algorithm: string
  secretRef: string
  message: MessageTemplate
  output: { variable: string | null; encoding: Encoding }
  verification: { ref: string | null; value: MessageTemplate | null; encoding: Encoding } | null
  ignoreUnresolvedVariables: boolean
}

const spec = (name: string, faultstring: string): FaultSpec => ({ name, status: 401, errorcode: `steps.hmac.${name}`, faultstring })

/** HMAC runtime faults (all 401 as Apigee's error reference lists them; [U] faultstring wording). */
export const hmacFaults = {
  unresolvedVariable: (policy: string, variable: string) => spec('UnresolvedVariable', `HMAC[${policy}]: unable to resolve variable ${variable}`),
  emptySecretKey: (policy: string) => spec('EmptySecretKey', `HMAC[${policy}]: the secret key is empty`),
  emptyVerificationValue: (policy: string) => spec('EmptyVerificationValue', `HMAC[${policy}]: the verification value is empty`),
  verificationFailed: (policy: string) => spec('HmacVerificationFailed', `HMAC[${policy}]: HMAC verification failed`)
}

function encoding(value: string | undefined, fallback: Encoding): Encoding | null {
  if (value === undefined || value.trim() === '') return fallback
  const v = value.trim().toLowerCase()
  return (ENCODINGS as readonly string[]).includes(v) ? (v as Encoding) : null
}

function encode(bytes: Buffer, enc: Encoding): string {
  return enc === 'base16' ? bytes.toString('hex') : bytes.toString(enc)
}

/** Strict decoding: anything that is not exactly the encoding is null (never a partial decode that might match). */
function decode(text: string, enc: Encoding): Buffer | null {
  const t = text.trim()
  if (enc === 'base16') return /^(?:[0-9a-fA-F]{2})*$/.test(t) ? Buffer.from(t, 'hex') : null
  if (enc === 'base64') return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t) ? Buffer.from(t, 'base64') : null
  return /^[A-Za-z0-9_-]*$/.test(t) && t.length % 4 !== 1 ? Buffer.from(t, 'base64url') : null
}

/** The HMAC policy handler. */
export const hmacPolicy: PolicyHandler<HmacConfig> = {
  type: 'HMAC',
  faultVariablePrefix: 'hmac',
  compile(root, ctx) {
    const algorithmText = (childText(root, 'Algorithm') ?? '').trim()
    const algorithm = ALGORITHMS[algorithmText.toUpperCase()]
    if (algorithmText === '') ctx.error('MissingConfigurationElement', 'HMAC needs an <Algorithm> (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512 or MD5)', root)
    else if (!algorithm) ctx.error('InvalidValueForElement', `<Algorithm> must be one of ${Object.keys(ALGORITHMS).join(', ')}, got "${algorithmText}"`, child(root, 'Algorithm'))
    const secretEl = child(root, 'SecretKey')
    const secretRef = (secretEl?.attributes.ref ?? '').trim()
    if (!secretEl) ctx.error('MissingConfigurationElement', 'HMAC needs a <SecretKey ref="private.…"/>', root)
    else if (secretEl.text !== '') ctx.error('InvalidSecretInConfig', '<SecretKey> must not hold the secret itself: use ref="private.…"', secretEl)
    else if (secretRef === '') ctx.error('MissingConfigurationElement', '<SecretKey> needs a ref attribute', secretEl)
    else if (!secretRef.startsWith('private.')) ctx.error('InvalidVariableName', `<SecretKey ref="${secretRef}">: the secret must come from a private. variable`, secretEl)
    const messageEl = child(root, 'Message')
    if (!messageEl) ctx.error('MissingConfigurationElement', 'HMAC needs a <Message>', root)
    const outputEl = child(root, 'Output')
    const outputEncoding = encoding(outputEl?.attributes.encoding, 'base64')
    if (!outputEncoding) ctx.error('InvalidValueForElement', `<Output encoding="${outputEl?.attributes.encoding}"> must be base16, base64 or base64url`, outputEl)
    const verificationEl = child(root, 'VerificationValue')
    let verification: HmacConfig['verification'] = null
    if (verificationEl) {
      const verificationEncoding = encoding(verificationEl.attributes.encoding, 'base64')
      if (!verificationEncoding) ctx.error('InvalidValueForElement', `<VerificationValue encoding="${verificationEl.attributes.encoding}"> must be base16, base64 or base64url`, verificationEl)
      const ref = verificationEl.attributes.ref?.trim() || null
      if (!ref && verificationEl.text === '') ctx.error('MissingConfigurationElement', '<VerificationValue> needs a ref attribute or a value', verificationEl)
      verification = { ref, value: verificationEl.text === '' ? null : compileTemplate(verificationEl.text), encoding: verificationEncoding ?? 'base64' }
    }
    return {
      algorithm: algorithm ?? 'sha256',
      secretRef,
      message: compileTemplate(messageEl?.text ?? ''),
      output: { variable: outputEl?.text || null, encoding: outputEncoding ?? 'base64' },
      verification,
      ignoreUnresolvedVariables: xmlBoolean(childText(root, 'IgnoreUnresolvedVariables'), false)
    }
  },
  execute(config, ctx) {
    const policy = ctx.policyName
    const secret = ctx.variables.getString(config.secretRef)
    if (secret === undefined) throw new PolicyFault(hmacFaults.unresolvedVariable(policy, config.secretRef))
    if (secret === '') throw new PolicyFault(hmacFaults.emptySecretKey(policy))
    const unresolved: string[] = []
    const message = renderTemplate(config.message, ctx.variables, unresolved)
    if (unresolved.length > 0 && !config.ignoreUnresolvedVariables) throw new PolicyFault(hmacFaults.unresolvedVariable(policy, unresolved[0]!))
    const mac = createHmac(config.algorithm, Buffer.from(secret, 'utf8')).update(message, 'utf8').digest()
    const output = encode(mac, config.output.encoding)
    ctx.variables.set(`hmac.${policy}.output`, output)
    if (config.output.variable) ctx.variables.set(config.output.variable, output)
    ctx.note(`HMAC ${config.algorithm} over ${message.length} characters, ${config.output.encoding} output`)
    const v = config.verification
    if (!v) return
    let expected: string | undefined
    if (v.ref) {
      expected = ctx.variables.getString(v.ref)
      if (expected === undefined) throw new PolicyFault(hmacFaults.unresolvedVariable(policy, v.ref))
    } else expected = renderTemplate(v.value!, ctx.variables)
    if (expected.trim() === '') throw new PolicyFault(hmacFaults.emptyVerificationValue(policy))
    const given = decode(expected, v.encoding)
    if (given === null || given.length !== mac.length || !timingSafeEqual(given, mac)) {
      ctx.note('verification value does not match')
      throw new PolicyFault(hmacFaults.verificationFailed(policy))
    }
    ctx.note('verification value matches')
  }
}
