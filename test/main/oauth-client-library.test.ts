/**
 * A standard OAuth client library (openid-client, the certified RFC 6749 client) against Gatelab's RFC
 * token endpoint (`POST /oauth/rfc/token`, RFCCompliantRequestResponse on): it must obtain and refresh
 * tokens with no Apigee-specific handling, over a real listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as client from 'openid-client'
import { createConsole, type GatelabConsole } from '../../src/main/console'

let gatelab: GatelabConsole
let config: client.Configuration
let gatewayUrl: string

beforeAll(async () => {
  gatelab = await createConsole({
    dataDir: await mkdtemp(join(tmpdir(), 'gatelab-oidc-')),
    sampleFile: resolve(__dirname, '../../resources/samples/sample-org.json'),
    envPorts: { test: 0, prod: 0 }
  })
  gatewayUrl = gatelab.gateway.status().find((l) => l.environment === 'test')!.url
  config = new client.Configuration({ issuer: gatewayUrl, token_endpoint: `${gatewayUrl}/oauth/rfc/token` }, 'app-one-key', undefined, client.ClientSecretBasic('app-one-secret'))
  client.allowInsecureRequests(config)
})
afterAll(() => gatelab.close())

describe('openid-client against the RFC token endpoint', () => {
  it('obtains a client_credentials token usable on API_One', async () => {
    const tokens = await client.clientCredentialsGrant(config)
    expect(tokens.token_type).toBe('bearer')
    expect(typeof tokens.expires_in).toBe('number')
    expect(tokens.expiresIn()).toBeGreaterThan(3500)
    const res = await fetch(`${gatewayUrl}/api-one/items`, { headers: { Authorization: `Bearer ${tokens.access_token}` } })
    expect(res.status).toBe(200)
  })

  it('obtains a password-grant token with a refresh token, then refreshes it', async () => {
    const first = await client.genericGrantRequest(config, 'password', { username: 'alice', password: 'wonderland' })
    expect(first.refresh_token).toBeTruthy()
    const refreshed = await client.refreshTokenGrant(config, first.refresh_token!)
    expect(refreshed.access_token).not.toBe(first.access_token)
    const res = await fetch(`${gatewayUrl}/api-one/items`, { headers: { Authorization: `Bearer ${refreshed.access_token}` } })
    expect(res.status).toBe(200)
  })

  it('surfaces an RFC error the library understands for a wrong secret', async () => {
    const wrong = new client.Configuration({ issuer: gatewayUrl, token_endpoint: `${gatewayUrl}/oauth/rfc/token` }, 'app-one-key', undefined, client.ClientSecretBasic('nope'))
    client.allowInsecureRequests(wrong)
    const error = await client.clientCredentialsGrant(wrong).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(client.ResponseBodyError)
    expect((error as client.ResponseBodyError).error).toBe('invalid_client')
    expect((error as client.ResponseBodyError).status).toBe(401)
  })
})
