/** Product-side fixes are built per failing check and verified on a copy of the workspace. */
import { describe, expect, it } from 'vitest'
import { explainTrace } from '../../../src/engine/explain'
import type { Workspace } from '../../../src/shared/model'
import { sampleOrg } from '../kms/sample-org'
import { failedTrace } from './trace-fixture'

const keyMiss = { name: 'InvalidApiKeyForGivenResource', errorcode: 'oauth.v2.InvalidApiKeyForGivenResource', faultstring: 'Invalid ApiKey for given resource', policy: 'VK' }
const keyCall = (pathsuffix: string, verb: string) =>
  failedTrace({ proxy: 'API_One', environment: 'test', pathsuffix, verb, status: 401, fault: keyMiss, policyType: 'VerifyAPIKey', variables: { client_id: 'app-one-key' } })

describe('product fixes', () => {
  it('legacy resources: adds the path as a resource', () => {
    const ws: Workspace = sampleOrg()
    ws.apiProducts[0]!.apiResources = ['/forecast']
    const d = explainTrace(ws, keyCall('/reports', 'GET'))!
    expect(d.cause).toBe("App_One's key has only Product_One, and Product_One does not allow path /reports of API_One")
    expect(d.fixes.find((f) => f.id === 'update-product:Product_One')).toEqual({
      id: 'update-product:Product_One',
      label: 'Add resource /reports to Product_One',
      method: 'products.update',
      input: { name: 'Product_One', patch: { apiResources: ['/forecast', '/reports'] } },
      resend: true
    })
  })

  it('operation group, verb not allowed: adds the verb to the operation that matches the path', () => {
    const ws: Workspace = sampleOrg()
    ws.apiProducts[0]!.operationGroup = {
      operationConfigType: 'proxy',
      operationConfigs: [{ apiSource: 'API_One', operations: [{ resource: '/*/users', methods: ['GET'] }], attributes: [] }]
    }
    const d = explainTrace(ws, keyCall('/token/users', 'POST'))!
    expect(d.evidence.find((e) => e.label === 'Product_One')).toEqual({
      label: 'Product_One',
      ok: false,
      detail: 'Product_One allows only GET on /token/users, not POST'
    })
    const fix = d.fixes.find((f) => f.id === 'update-product:Product_One')!
    expect(fix.label).toBe('Add operation POST /token/users on API_One to Product_One')
    expect(fix.input).toEqual({
      name: 'Product_One',
      patch: {
        operationGroup: {
          operationConfigType: 'proxy',
          operationConfigs: [{ apiSource: 'API_One', operations: [{ resource: '/*/users', methods: ['GET', 'POST'] }], attributes: [] }]
        }
      }
    })
    expect(fix.resend).toBe(true)
    // the workspace itself is untouched by the simulation
    expect(ws.apiProducts[0]!.operationGroup!.operationConfigs[0]!.operations[0]!.methods).toEqual(['GET'])
  })

  it('a fix that is not enough on its own is offered with resend false, after the ones that are', () => {
    const ws: Workspace = sampleOrg()
    // Product_Manual pending AND not enabled for prod: approving alone does not help in prod
    ws.apiProducts[2]!.environments = ['test']
    const trace = failedTrace({
      proxy: 'API_One',
      environment: 'prod',
      status: 401,
      fault: keyMiss,
      policyType: 'VerifyAPIKey',
      variables: { client_id: 'app-three-key' }
    })
    const d = explainTrace(ws, trace)!
    expect(d.fixes.find((f) => f.id === 'approve-product:Product_Manual')?.resend).toBe(false)
    expect(d.fixes.find((f) => f.id === 'update-product:Product_Manual')?.resend).toBe(false)
    expect(d.fixes.every((f, i, all) => f.resend || all.slice(i).every((g) => !g.resend))).toBe(true)
  })
})
