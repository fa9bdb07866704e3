/** Security policies (OAuthV2, VerifyAPIKey, Get/Set/DeleteOAuthV2Info), owned by the OAuth engine. */
import type { PolicyHandler } from './types'

export const securityPolicies: PolicyHandler<any>[] = []
