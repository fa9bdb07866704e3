/**
 * Secrets in console answers: consumer secrets and secret environment variables are shown as
 * MASKED_SECRET unless one is revealed on purpose (apps.revealSecret, environments.revealVariable)
 * or an export asks for them. A placeholder that comes back (an edited environment, an imported
 * masked export) keeps the stored secret; one with no stored secret behind it is refused.
 */
import { MASKED_SECRET, isMaskedSecret, isSecretVariable } from '../../shared/secrets'
import type { FieldIssue } from '../../shared/contract'
import type { DeveloperApp, Environment, Workspace } from '../../shared/model'
import { invalid } from './entities'

/** An environment as the console shows it. */
export function maskEnvironment(environment: Environment): Environment {
  return { ...environment, variables: environment.variables.map((v) => (isSecretVariable(v.name) ? { ...v, value: MASKED_SECRET } : v)) }
}

/** An app as the console shows it. */
export function maskApp(app: DeveloperApp): DeveloperApp {
  return { ...app, credentials: app.credentials.map((c) => ({ ...c, consumerSecret: MASKED_SECRET })) }
}

/** A workspace as an export without secrets holds it. */
export function maskWorkspace(workspace: Workspace): Workspace {
  return { ...workspace, environments: workspace.environments.map(maskEnvironment), apps: workspace.apps.map(maskApp) }
}

/**
 * Puts the stored values back where `variables` hold the placeholder (by variable name, from
 * `stored`); the issues name each placeholder with nothing stored behind it.
 */
export function restoreVariables(variables: Environment['variables'], stored: Environment['variables'] | undefined, field: string): { variables: Environment['variables']; issues: FieldIssue[] } {
  const issues: FieldIssue[] = []
  const out = variables.map((v, i) => {
    if (!isMaskedSecret(v.value)) return v
    const kept = stored?.find((s) => s.name === v.name)
    if (kept) return { ...v, value: kept.value }
    issues.push({ field: `${field}.${i}.value`, message: placeholderMessage(`variable ${v.name}`) })
    return v
  })
  return { variables: out, issues }
}

/**
 * A workspace to import with its placeholders replaced by the secrets `current` stores: variables
 * by environment and variable name, consumer secrets by consumer key. Refused, naming every field,
 * when a placeholder has no stored secret behind it.
 */
export function restoreWorkspaceSecrets(next: Workspace, current: Workspace): Workspace {
  const issues: FieldIssue[] = []
  const environments = next.environments.map((environment, i) => {
    const stored = current.environments.find((e) => e.name === environment.name)?.variables
    const restored = restoreVariables(environment.variables, stored, `workspace.environments.${i}.variables`)
    issues.push(...restored.issues)
    return { ...environment, variables: restored.variables }
  })
  const secrets = new Map(current.apps.flatMap((a) => a.credentials.map((c) => [c.consumerKey, c.consumerSecret] as const)))
  const apps = next.apps.map((app, i) => ({
    ...app,
    credentials: app.credentials.map((credential, j) => {
      if (!isMaskedSecret(credential.consumerSecret)) return credential
      const kept = secrets.get(credential.consumerKey)
      if (kept !== undefined) return { ...credential, consumerSecret: kept }
      issues.push({ field: `workspace.apps.${i}.credentials.${j}.consumerSecret`, message: placeholderMessage(`consumer key ${credential.consumerKey}`) })
      return credential
    })
  }))
  if (issues.length > 0) throw invalid('workspace', issues)
  return { ...next, environments, apps }
}

/** Why a placeholder cannot be taken: no secret is stored to keep. */
export function placeholderMessage(what: string): string {
  return `is the masked placeholder ${MASKED_SECRET}, and no stored secret of ${what} can be kept in its place: export with secrets included, or enter the secret`
}
