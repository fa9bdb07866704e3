/**
 * Stored OAuth artefacts (owned by the OAuth engine; this is the persisted shape).
 * The clear token or code is never stored: records are keyed by its SHA-256 hash.
 */

/** A custom attribute attached to a token or code (OAuthV2 `<Attributes>`, SetOAuthV2Info). */
export interface TokenAttribute {
  name: string
  value: string
  /** `display="false"` hides it from the token response; it is still stored and readable as a variable. */
  display: boolean
}

/** Why a token was revoked (hybrid's `revoke_reason` values). */
export type RevokeReason = 'REVOKED_BY_APP' | 'REVOKED_BY_ENDUSER' | 'REVOKED_BY_APP_ENDUSER' | 'TOKEN_REVOKED'

export type GrantType = 'client_credentials' | 'password' | 'authorization_code' | 'implicit'

export interface TokenRecord {
  kind: 'access_token' | 'refresh_token' | 'authorization_code'
  /** SHA-256 (hex) of the token or code string. */
  hash: string
  issuedAt: number
  /** Epoch ms; -1 = never. */
  expiresAt: number
  status: 'approved' | 'revoked'
  clientId: string
  /** Developer app id (Apigee's `application_name` carries the app id). */
  appId?: string
  /** Developer app name (`developer.app.name`). */
  appName?: string
  developerId?: string
  developerEmail?: string
  /** Names of the API products on the credential when the token was issued (`api_product_list`). */
  products?: string[]
  /** Space-separated granted scope string ('' when none). */
  scope?: string
  grantType?: GrantType
  /** End-user id (`<AppEndUser>`, `app_enduser`). */
  appEndUser?: string
  attributes?: TokenAttribute[]
  /** When status is `revoked`, why. */
  revokeReason?: RevokeReason
  /** Access token: hash of its refresh token (if any). Refresh token: hash of the access token it goes with. */
  pairedHash?: string
  /** Access token: when its refresh token expires (epoch ms, -1 never, 0 = no refresh token); used by purge. */
  refreshExpiresAt?: number
  /** Access token / refresh token: how many times the grant has been refreshed. */
  refreshCount?: number
  /** Refresh token: when it was issued (epoch ms), which is kept when the refresh token is reused. */
  refreshIssuedAt?: number
  /** Authorization code: the redirect_uri it was issued for (checked on exchange). */
  redirectUri?: string
  /** Authorization code: the `state` sent with it, if any. */
  state?: string
  /** Access token minted as a JWT (GenerateJWTAccessToken); stored by the hash of the JWT, revoked like opaque tokens. */
  jwt?: boolean
  /** Third-party token stored through `<ExternalAccessToken>` + `<StoreToken>`. */
  external?: boolean
  /** Organization the token belongs to (`organization_name`). */
  organization?: string
  /** Environment the token was issued in. */
  environment?: string
}
