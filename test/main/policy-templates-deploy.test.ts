/**
 * The proxy editor's policy templates (renderer) must deploy on the gateway (engine) as they are:
 * a new policy that fails deployment would teach the wrong XML.
 */
import { describe, expect, it } from 'vitest'
import { compileProxy } from '../../src/engine/bundle'
import { policyHandlers } from '../../src/engine/policies'
import type { ApiProxy } from '../../src/shared/model'
import { policyTemplates } from '../../src/shared/policy-templates'

const endpoint = (policy: string) => `<ProxyEndpoint name="default">
  <PreFlow name="PreFlow">
    <Request>
      <Step>
        <Name>${policy}</Name>
      </Step>
    </Request>
    <Response/>
  </PreFlow>
  <HTTPProxyConnection>
    <BasePath>/t</BasePath>
  </HTTPProxyConnection>
  <RouteRule name="default">
    <TargetEndpoint>default</TargetEndpoint>
  </RouteRule>
</ProxyEndpoint>`
const target = `<TargetEndpoint name="default">\n  <HTTPTargetConnection>\n    <URL>echo://</URL>\n  </HTTPTargetConnection>\n</TargetEndpoint>`

describe('proxy editor policy templates on the gateway', () => {
  it.each(policyTemplates.map((t) => [t.label, t] as const))('%s deploys without errors', (_label, template) => {
    const name = template.defaultName
    const resource = template.resource?.(name)
    const proxy: ApiProxy = {
      name: 'T',
      description: '',
      basePath: '/t',
      environments: ['test'],
      proxyEndpoints: { default: endpoint(name) },
      targetEndpoints: { default: target },
      policies: { [name]: template.xml(name) },
      resources: resource ? { [resource.path]: resource.content } : {}
    }
    expect(compileProxy(proxy, policyHandlers).errors).toEqual([])
  })

  it('a template with a wrong operation does not deploy (the check above can fail)', () => {
    const template = policyTemplates[0]!
    const proxy: ApiProxy = {
      name: 'T',
      description: '',
      basePath: '/t',
      environments: ['test'],
      proxyEndpoints: { default: endpoint('V') },
      targetEndpoints: { default: target },
      policies: { V: template.xml('V').replace('VerifyAccessToken', 'Nope') },
      resources: {}
    }
    expect(compileProxy(proxy, policyHandlers).errors.map((e) => e.code)).toEqual(['InvalidOperation'])
  })
})
