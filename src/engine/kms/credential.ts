/** Credential checks in Apigee's order (reference section 3): key -> key status/expiry -> app -> developer. */
import type { Credential, Developer, DeveloperApp, Workspace } from '../../shared/model'

export type CredentialFailure = 'unknown-key' | 'credential-revoked' | 'credential-expired' | 'app-revoked' | 'developer-inactive'

export interface ResolvedCredential {
  app: DeveloperApp
  developer: Developer
  credential: Credential
}

export type CredentialDecision =
  | ({ ok: true } & ResolvedCredential)
  | { ok: false; failure: CredentialFailure; reason: string; resolved: Partial<ResolvedCredential> }

/** Finds the app and credential that own a consumer key (exact, case-sensitive, as on Apigee). */
export function findCredential(ws: Workspace, consumerKey: string): { app: DeveloperApp; credential: Credential } | undefined {
  for (const app of ws.apps) {
    for (const credential of app.credentials) {
      if (credential.consumerKey === consumerKey) return { app, credential }
    }
  }
  return undefined
}

/** Whether a credential's expiry has passed; `expiresAt` -1 (or any negative value) means never. */
export function isCredentialExpired(credential: Credential, now: number): boolean {
  return credential.expiresAt >= 0 && now >= credential.expiresAt
}

/** Credential lookup -> credential status and expiry -> app status -> developer status (reference section 3 check order). */
export function checkCredential(ws: Workspace, consumerKey: string, now: number): CredentialDecision {
  const found = findCredential(ws, consumerKey)
  if (!found) {
    return { ok: false, failure: 'unknown-key', reason: 'No app in the organization has this consumer key', resolved: {} }
  }
  const { app, credential } = found
  const developer = ws.developers.find((d) => d.developerId === app.developerId)
  const resolved: Partial<ResolvedCredential> = developer ? { app, credential, developer } : { app, credential }
  if (credential.status !== 'approved') {
    return { ok: false, failure: 'credential-revoked', reason: `${app.name}'s key is revoked`, resolved }
  }
  if (isCredentialExpired(credential, now)) {
    return {
      ok: false,
      failure: 'credential-expired',
      reason: `${app.name}'s key expired at ${new Date(credential.expiresAt).toISOString()}`,
      resolved
    }
  }
  if (app.status !== 'approved') {
    return { ok: false, failure: 'app-revoked', reason: `The app ${app.name} is revoked`, resolved }
  }
  if (!developer) {
    // A dangling developerId cannot come from Apigee; treat it like an owner that cannot use keys.
    return { ok: false, failure: 'developer-inactive', reason: `The developer of ${app.name} (${app.developerId}) does not exist`, resolved }
  }
  if (developer.status !== 'active') {
    return { ok: false, failure: 'developer-inactive', reason: `The developer ${developer.email}, owner of ${app.name}, is inactive`, resolved }
  }
  return { ok: true, app, developer, credential }
}
