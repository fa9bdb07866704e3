/**
 * What the console API shows in place of a stored secret (a consumer secret, a `private.*` value).
 * Sent back unchanged in an update or an import, it means "keep the secret that is stored".
 */
export const MASKED_SECRET = '********'

/** True for the placeholder the console API shows instead of a secret. */
export function isMaskedSecret(value: string): boolean {
  return value === MASKED_SECRET
}

/**
 * Environment variables whose values are secrets: `private.*` ones (as on Apigee, where a `private.`
 * KVM entry is never shown), and any whose name says it is a secret, password or signing key.
 */
export function isSecretVariable(name: string): boolean {
  const lower = name.toLowerCase()
  return lower.startsWith('private.') || /(secret|password|passwd)/.test(lower)
}
