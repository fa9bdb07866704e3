import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiProxy } from '../../src/shared/model'
import type { ProxyDeployment } from '../../src/shared/deployment'
import { callConsole, choose, confirmDialog, feedback, fill, launchBrowser, listItem, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

describe('API Proxies view', () => {
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

  const row = (env: string) => browser.page.locator(`[data-testid="deployments"] tr[data-env="${env}"]`)

  it('undeploys API_One from prod and deploys it again', async () => {
    const { page } = browser
    await openConsole(page, running, '/proxies')
    for (const name of ['API_One', 'API_Two', 'oauth']) await listItem(page, name).waitFor()
    await listItem(page, 'API_One').click()
    await page.getByTestId('detail-title').getByText('API_One').waitFor()
    await expect(row('test').getByTestId('deployment-state').innerText()).resolves.toMatch(/^deployed · rev \d+$/)
    await expect(row('prod').getByTestId('deployment-state').innerText()).resolves.toMatch(/^deployed · rev \d+$/)
    await expect(row('test').innerText()).resolves.toContain(`${running.gateways.test}/api-one`)

    await row('prod').locator('[data-action="undeploy"]').click()
    await row('prod').getByText('not deployed').waitFor()
    expect((await callConsole<ProxyDeployment[]>(running, 'proxies.deployments', { name: 'API_One' })).map((d) => d.environment)).toEqual(['test'])

    await row('prod').locator('[data-action="deploy"]').click()
    await row('prod').getByText(/^deployed · rev \d+$/).waitFor()
    const deployments = await callConsole<ProxyDeployment[]>(running, 'proxies.deployments', { name: 'API_One' })
    expect(deployments.map((d) => [d.environment, d.state]).sort()).toEqual([['prod', 'deployed'], ['test', 'deployed']])

    // The bundle lists the policy with its type.
    await page.getByTestId('bundle').getByText('policies/OAuthV2-Verify-Access-Token.xml').waitFor()
    await screenshot(page, 'proxies')
    expect(browser.problems).toEqual([])
  })

  it('creates a proxy deployed to test (bad base path shown at its field), then deletes it', async () => {
    const { page } = browser
    await page.getByTestId('create').click()
    await fill(page, 'name', 'Orders_API')
    await fill(page, 'basePath', 'orders')
    await page.getByTestId('submit').click()
    await feedback(page, 'basePath').getByText('must start with "/"').waitFor()
    await screenshot(page, 'proxies-validation')

    await fill(page, 'basePath', '/orders')
    await choose(page, 'environments', ['test'])
    await page.getByTestId('submit').click()
    await page.waitForURL(/#\/proxies\/Orders_API$/)
    await row('test').getByText(/^deployed · rev \d+$/).waitFor()
    await row('prod').getByText('not deployed').waitFor()
    const created = await callConsole<ApiProxy>(running, 'proxies.get', { name: 'Orders_API' })
    expect(created).toMatchObject({ basePath: '/orders', environments: ['test'] })
    expect(Object.keys(created.proxyEndpoints)).toEqual(['default'])

    // The gateway serves it at once.
    const response = await fetch(`${running.gateways.test}/orders/ping`)
    expect(response.status).toBe(200)

    await page.getByTestId('delete').click()
    await confirmDialog(page, 'Delete')
    await listItem(page, 'Orders_API').waitFor({ state: 'detached' })
    expect(browser.problems).toEqual([])
  })

  it('shows why a deployment failed: Apigee error name, file, line and element', async () => {
    const { page } = browser
    const endpoint = [
      '<ProxyEndpoint name="default">',
      '  <PreFlow name="PreFlow"><Request><Step><Name>Verify</Name></Step></Request></PreFlow>',
      '  <HTTPProxyConnection><BasePath>/broken</BasePath></HTTPProxyConnection>',
      '  <RouteRule name="default"/>',
      '</ProxyEndpoint>'
    ].join('\n')
    await callConsole(running, 'proxies.create', {
      proxy: { name: 'Broken', basePath: '/broken', environments: ['test'], proxyEndpoints: { default: endpoint }, policies: { Verify: '<OAuthV2 name="Verify">\n  <Operation>Nope</Operation>\n</OAuthV2>\n' } }
    })
    await page.goto(`${running.origin}/#/proxies/Broken`)
    await expect(listItem(page, 'Broken').innerText()).resolves.toContain('failed')
    await row('test').getByTestId('deployment-state').getByText('failed').waitFor()
    const errors = page.getByTestId('deployment-errors')
    await errors.waitFor()
    const text = await errors.innerText()
    expect(text).toContain('InvalidOperation')
    expect(text).toContain('policies/Verify.xml:2 /OAuthV2/Operation')
    expect(text).toContain('Invalid operation "Nope"')
    await screenshot(page, 'proxies-deployment-failed')
  })
})
