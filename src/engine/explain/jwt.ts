/**
 * Takes a JWT access token apart for the console and checks its signature against the keys of the
 * workspace's JWT policies (GenerateJWTAccessToken, RefreshJWTAccessToken, VerifyJWTAccessToken),
 * resolving `ref` keys from each environment's variables, as those policies would at runtime.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import type { JwtInspection } from '../../shared/jwt'
import type { Workspace } from '../../shared/model'
import { parseXml } from '../bundle/xml'
import { compileOAuthV2 } from '../policies/oauthv2/config'
import { verificationKey, type JwtAlgorithm } from '../tokens/jwt'

const JWT_OPERATIONS = new Set(['GenerateJWTAccessToken', 'RefreshJWTAccessToken', 'VerifyJWTAccessToken'])

interface CandidateKey {
  policy: string
  operation: string
  proxy: string
  environment: string
  algorithm: JwtAlgorithm
  material: string
}

function candidateKeys(ws: Workspace): CandidateKey[] {
  const keys: CandidateKey[] = []
  for (const proxy of ws.proxies) {
    for (const [name, xml] of Object.entries(proxy.policies)) {
      const parsed = parseXml(xml)
      if (!parsed.ok || parsed.root.name !== 'OAuthV2') continue
      const config = compileOAuthV2(parsed.root, { proxy, policyName: name, file: `policies/${name}.xml`, error: () => undefined })
      if (!JWT_OPERATIONS.has(config.operation) || !config.algorithm) continue
      for (const key of [config.secretKey, config.publicKey, config.privateKey]) {
        if (!key) continue
        for (const environment of ws.environments.filter((e) => proxy.environments.includes(e.name))) {
          const material = key.ref ? environment.variables.find((v) => v.name === key.ref)?.value : key.value
          if (material) keys.push({ policy: name, operation: config.operation, proxy: proxy.name, environment: environment.name, algorithm: config.algorithm, material })
        }
      }
    }
  }
  return keys
}

/** Decodes `token` and reports which JWT policy's key, if any, verifies its signature. Never throws. */
export async function inspectJwt(ws: Workspace, token: string): Promise<JwtInspection | null> {
  let header: Record<string, unknown>
  let claims: Record<string, unknown>
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>
    claims = decodeJwt(token) as Record<string, unknown>
  } catch {
    return null
  }
  // A signing policy is the better answer to "whose key is this": try those before the verifying ones.
  const keys = candidateKeys(ws)
    .filter((k) => k.algorithm === header.alg)
    .sort((a, b) => Number(a.operation === 'VerifyJWTAccessToken') - Number(b.operation === 'VerifyJWTAccessToken'))
  if (keys.length === 0) {
    return { header, claims, signature: { verified: null, detail: `No JWT policy of the workspace uses ${String(header.alg)}; the signature cannot be checked here` } }
  }
  for (const candidate of keys) {
    const key = verificationKey(candidate.algorithm, candidate.material)
    if (!key.ok) continue
    try {
      // Only the signature is judged here; expiry and claims are the verify policy's business.
      await jwtVerify(token, key.key, { algorithms: [candidate.algorithm], clockTolerance: Number.MAX_SAFE_INTEGER })
      const { policy, proxy, environment } = candidate
      return { header, claims, signature: { verified: true, detail: `Signed with the ${candidate.algorithm} key of ${policy} (${proxy}, ${environment})`, policy, proxy, environment } }
    } catch {
      continue
    }
  }
  return { header, claims, signature: { verified: false, detail: `None of the ${keys.length} ${String(header.alg)} key(s) of the workspace's JWT policies verifies this signature` } }
}
