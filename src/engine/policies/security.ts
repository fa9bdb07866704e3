/** Security policies (OAuthV2, VerifyAPIKey, Get/Set/DeleteOAuthV2Info), owned by the OAuth engine. */
import type { PolicyHandler } from './types'
import { verifyApiKeyPolicy } from './verify-api-key'
import { oauthV2Handler } from './oauthv2'
import { deleteOAuthV2InfoPolicy, getOAuthV2InfoPolicy, setOAuthV2InfoPolicy } from './oauthv2-info'

export const securityPolicies: PolicyHandler<any>[] = [oauthV2Handler, verifyApiKeyPolicy, getOAuthV2InfoPolicy, setOAuthV2InfoPolicy, deleteOAuthV2InfoPolicy]
