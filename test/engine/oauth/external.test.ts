import { describe, expect, it } from 'vitest'
import { ALL_GRANTS, compile, env, policy, run } from './harness'

const external = (store: boolean) =>
  compile(
    policy(
      'GenerateAccessToken',
      `${ALL_GRANTS}<GenerateResponse/><ExternalAuthorization>true</ExternalAuthorization><ExternalAccessToken>request.header.ext</ExternalAccessToken><StoreToken>${store}</StoreToken>`
    )
  ).config
const verify = compile(policy('VerifyAccessToken')).config

describe('third-party tokens (External*)', () => {
  it('ExternalAuthorization skips the secret check but still needs a known client_id; StoreToken keeps the external token', async () => {
    const e = env()
    const out = await run(e, external(true), { form: { grant_type: 'client_credentials', client_id: 'key-1' }, headers: { ext: 'third-party-123' } })
    expect(out.status).toBe(200)
    expect(JSON.parse(out.body).access_token).toBe('third-party-123')
    expect(e.store.records()[0]).toMatchObject({ external: true, clientId: 'key-1' })
    expect((await run(e, verify, { headers: { Authorization: 'Bearer third-party-123' } })).fault).toBeUndefined()
    const unknown = await run(e, external(true), { form: { grant_type: 'client_credentials', client_id: 'ghost' }, headers: { ext: 'x' } })
    expect(unknown.status).toBe(401)
  })

  it('without StoreToken the external token is answered but not persisted', async () => {
    const e = env()
    const out = await run(e, external(false), { form: { grant_type: 'client_credentials', client_id: 'key-1' }, headers: { ext: 'third-party-456' } })
    expect(JSON.parse(out.body).access_token).toBe('third-party-456')
    expect(e.store.records()).toEqual([])
    expect((await run(e, verify, { headers: { Authorization: 'Bearer third-party-456' } })).fault?.spec.name).toBe('invalid_access_token')
  })
})
