/** Security policies (OAuthV2, VerifyAPIKey, Get/Set/DeleteOAuthV2Info), owned by the OAuth engine. */
import type { PolicyHandler } from './types'
import { verifyApiKeyPolicy } from './verify-api-key'
import { deleteOAuthV2InfoPolicy, getOAuthV2InfoPolicy, setOAuthV2InfoPolicy } from './oauthv2-info'

export const securityPolicies: PolicyHandler<any>[] = [verifyApiKeyPolicy, getOAuthV2InfoPolicy, setOAuthV2InfoPolicy, deleteOAuthV2InfoPolicy]
