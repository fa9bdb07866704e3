/** Every policy type the gateway can deploy, by XML root element name. */
import type { PolicyHandler } from './types'
import { standardPolicies } from './standard'
import { securityPolicies } from './security'
import { mediationPolicies } from './mediation'
import { trafficPolicies } from './traffic'
import { protectionPolicies } from './protection'
import { jwtPolicies } from './jwt'
import { extensionPolicies } from './extension'
import { observePolicies } from './observe'

export type { PolicyHandler, PolicyContext, CompileContext, DeploymentError, FlowVariables, MutableMessage, EngineServices } from './types'

export const policyHandlers: ReadonlyMap<string, PolicyHandler> = new Map(
  [...standardPolicies, ...securityPolicies, ...mediationPolicies, ...trafficPolicies, ...protectionPolicies, ...jwtPolicies, ...extensionPolicies, ...observePolicies].map((h) => [h.type, h as PolicyHandler])
)
