import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiProxy } from '../../src/shared/model'
import type { ProxyDeployment } from '../../src/shared/deployment'
import type { TraceRecord, TraceSummary } from '../../src/shared/trace'
import { callConsole, launchBrowser, openConsole, screenshot, startConsole, toast, type BrowserSession, type RunningConsole } from './harness'

describe('A bundle with a policy Gatelab cannot run', () => {
  let running: RunningConsole
  let browser: BrowserSession

  beforeAll(async () => {
    running = await startConsole()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await running?.stop()
  })

  it('deploys with a warning in the editor; "Skip this step" lets requests pass and the trace says skipped', async () => {
    const endpoint = [
      '<ProxyEndpoint name="default">',
      '  <PreFlow><Request><Step><Name>JC-Sign</Name></Step></Request></PreFlow>',
      '  <HTTPProxyConnection><BasePath>/signer</BasePath></HTTPProxyConnection>',
      '  <RouteRule name="default"><URL>echo://</URL></RouteRule>',
      '</ProxyEndpoint>'
    ].join('\n')
    await callConsole(running, 'proxies.create', {
      proxy: {
        name: 'Signer',
        basePath: '/signer',
        environments: ['test'],
        proxyEndpoints: { default: endpoint },
        policies: { 'JC-Sign': '<JavaCallout name="JC-Sign">\n  <ClassName>com.acme.Sign</ClassName>\n  <ResourceURL>java://sign.jar</ResourceURL>\n</JavaCallout>\n' }
      }
    })
    const [deployment] = await callConsole<ProxyDeployment[]>(running, 'proxies.deployments', { name: 'Signer' })
    expect(deployment).toMatchObject({ state: 'deployed', errors: [], warnings: [{ code: 'UnsupportedPolicy', policy: 'JC-Sign', policyType: 'JavaCallout' }] })

    const before = await fetch(`${running.gateways['test']}/signer`)
    expect(before.status).toBe(500)
    expect(((await before.json()) as { fault: { detail: { errorcode: string } } }).fault.detail.errorcode).toBe('gatelab.UnsupportedPolicy')

    // The proxy detail lists it too, apart from deployment errors.
    const { page } = browser
    await openConsole(page, running, '/proxies/Signer')
    await page.getByTestId('deployment-warnings').locator('[data-policy="JC-Sign"]').waitFor()
    expect(await page.getByTestId('deployment-errors').count()).toBe(0)
    await screenshot(page, 'unsupported-policy-detail')

    await page.goto(`${running.origin}/#/proxies/Signer/edit`)
    const warnings = page.getByTestId('deployment-warnings')
    await warnings.waitFor()
    const warning = warnings.locator('[data-testid="deployment-warning"][data-policy="JC-Sign"]')
    expect(await warning.innerText()).toContain('Policy JC-Sign is a JavaCallout policy, which cannot run on a desktop')
    expect(await page.getByTestId('deployment-errors').count()).toBe(0)
    await screenshot(page, 'unsupported-policy-warning')

    await warning.getByTestId('skip-policy').click()
    await toast(page, 'JC-Sign is skipped')
    await warning.locator('[data-testid="skip-policy"].n-switch--active').waitFor()
    expect((await callConsole<ApiProxy>(running, 'proxies.get', { name: 'Signer' })).skipPolicies).toEqual(['JC-Sign'])
    await screenshot(page, 'unsupported-policy-skipped')

    const after = await fetch(`${running.gateways['test']}/signer`)
    expect(after.status).toBe(200)
    const [latest] = await callConsole<TraceSummary[]>(running, 'traces.list', { limit: 1 })
    const trace = await callConsole<TraceRecord>(running, 'traces.get', { id: latest!.id })
    expect(trace.steps.find((s) => s.policy === 'JC-Sign')).toMatchObject({ executed: false, skippedReason: 'marked-skip', description: 'marked skip in Gatelab' })

    // Turning it off again brings the fault back.
    await warning.getByTestId('skip-policy').click()
    await toast(page, 'JC-Sign runs again')
    expect((await fetch(`${running.gateways['test']}/signer`)).status).toBe(500)
  })
})
