/**
 * DecodeJWT: reads a JWT's header and claims into `jwt.<policy>.*` without checking its signature or times,
 * so later steps can pick the key or the policy to verify it with.
 */
import type { PolicyHandler } from '../types'
import { compileSource, decodeCompact, jwtFault, setDecodedVariables, tokenFrom } from './common'

export interface DecodeJwtConfig {
  source?: string
}

export const decodeJwtPolicy: PolicyHandler<DecodeJwtConfig> = {
  type: 'DecodeJWT',
  faultVariablePrefix: 'jwt',
  compile(root) {
    const source = compileSource(root)
    return source === undefined ? {} : { source }
  },
  execute(config, ctx) {
    const token = tokenFrom(config.source, ctx)
    const decoded = decodeCompact(token)
    if (!decoded) throw jwtFault('FailedToDecode', `Failed to Decode Token: policy(${ctx.policyName})`)
    setDecodedVariables(ctx.variables, ctx.policyName, decoded, ctx.services.clock.now())
    ctx.note(`decoded (signature not checked): alg ${String(decoded.header.alg)}, claims ${Object.keys(decoded.payload).join(', ') || 'none'}`)
  }
}
