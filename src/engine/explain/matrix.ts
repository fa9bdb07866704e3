/**
 * The access matrix: every app credential against every deployed proxy x environment that checks a
 * key or token, decided by kms.decideAccess, the function the gateway's policies use. No second
 * implementation: a cell says exactly what the gateway would answer for its representative call.
 */
import type { AccessCell, AccessColumn, AccessMatrix, KeyCheck } from '../../shared/access'
import type { ApiProxy, Workspace } from '../../shared/model'
import { child, parseXml } from '../bundle/xml'
import { verifyApiKeyCredentialFault, verifyApiKeyFaults } from '../faults/keys'
import { verifyFaults, verifyTokenCredentialFault } from '../faults/oauth'
import type { FaultSpec } from '../faults/fault'
import { decideAccess } from '../kms'

const TOKEN_OPERATIONS = new Set(['VerifyAccessToken', 'VerifyJWTAccessToken'])

/** How a proxy checks callers, read from its policies (a token check wins over a key check). */
export function keyCheckOf(proxy: ApiProxy): KeyCheck {
  let check: KeyCheck = 'none'
  for (const xml of Object.values(proxy.policies)) {
    const parsed = parseXml(xml)
    if (!parsed.ok || parsed.root.attributes.enabled === 'false') continue
    const { root } = parsed
    if (root.name === 'OAuthV2' && TOKEN_OPERATIONS.has(child(root, 'Operation')?.text ?? '')) return 'access-token'
    if (root.name === 'VerifyAPIKey') check = 'api-key'
  }
  return check
}

const asFault = (spec: FaultSpec): AccessCell['fault'] => ({ name: spec.name, status: spec.status, errorcode: spec.errorcode, faultstring: spec.faultstring })

/** Decides every credential x (proxy, environment) cell for the call `GET <basePath>/`. */
export function accessMatrix(ws: Workspace, now: number): AccessMatrix {
  const columns: AccessColumn[] = []
  for (const proxy of ws.proxies) {
    const keyCheck = keyCheckOf(proxy)
    if (keyCheck === 'none') continue
    for (const environment of ws.environments) {
      if (!proxy.environments.includes(environment.name)) continue
      columns.push({
        proxy: proxy.name,
        environment: environment.name,
        basePath: proxy.basePath,
        keyCheck,
        call: { proxy: proxy.name, environment: environment.name, pathsuffix: '/', verb: 'GET' }
      })
    }
  }
  const rows = ws.apps.flatMap((app) =>
    app.credentials.map((credential) => ({
      app: app.name,
      developer: ws.developers.find((d) => d.developerId === app.developerId)?.email ?? app.developerId,
      consumerKey: credential.consumerKey,
      credentialStatus: credential.status,
      cells: columns.map((column): AccessCell => {
        const decision = decideAccess(ws, credential.consumerKey, column.call, now)
        const base = { proxy: column.proxy, environment: column.environment }
        if (decision.allowed) {
          const product = decision.match.product?.name ?? null
          return { ...base, allowed: true, fault: null, reason: `${product} allows ${column.proxy} in ${column.environment}`, product, evaluations: decision.match.evaluations }
        }
        const token = column.keyCheck === 'access-token'
        if (decision.stage === 'credential') {
          const spec = token ? verifyTokenCredentialFault(decision.failure) : verifyApiKeyCredentialFault(decision.failure)
          return { ...base, allowed: false, fault: asFault(spec), reason: decision.reason, product: null, evaluations: [] }
        }
        const spec = token ? verifyFaults.InvalidAPICallAsNoApiProductMatchFound : verifyApiKeyFaults.InvalidApiKeyForGivenResource
        return { ...base, allowed: false, fault: asFault(spec), reason: decision.reason, product: null, evaluations: decision.match.evaluations }
      })
    }))
  )
  return { columns, rows, computedAt: now }
}
