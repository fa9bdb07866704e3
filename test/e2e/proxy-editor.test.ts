import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { ApiProxy } from '../../src/shared/model'
import type { ProxyDeployment } from '../../src/shared/deployment'
import { callConsole, launchBrowser, openConsole, screenshot, startConsole, toast, type BrowserSession, type RunningConsole } from './harness'

/** Replaces the whole document of the open CodeMirror editor, as a user would: select all, paste (typing would auto-close tags). */
async function replaceEditorText(page: Page, text: string): Promise<void> {
  const content = page.locator('[data-testid="xml-editor"] .cm-content')
  await content.click()
  await page.keyboard.press('Control+A')
  await content.evaluate((el, pasted) => {
    const data = new DataTransfer()
    data.setData('text/plain', pasted)
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, text)
  expect(await editorText(page)).toBe(text)
}

async function editorText(page: Page): Promise<string> {
  return page.locator('[data-testid="xml-editor"] .cm-line').evaluateAll((lines) => lines.map((l) => l.textContent).join('\n'))
}

describe('Proxy editor', () => {
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

  it('opens from the proxy detail, outlines the flows, adds a policy from a template with a PreFlow step, saves and deploys', async () => {
    const { page } = browser
    await openConsole(page, running, '/proxies/API_One')
    await page.getByTestId('open-editor').click()
    await page.waitForURL(/#\/proxies\/API_One\/edit$/)
    await page.getByTestId('proxy-editor').waitFor()
    expect(await page.title()).toBe('Proxy editor · Gatelab')
    expect(await page.getByTestId('base-path').locator('input').inputValue()).toBe('/api-one')

    const before = await callConsole<ProxyDeployment[]>(running, 'proxies.deployments', { name: 'API_One' })
    const revision = before.find((d) => d.environment === 'test')!.revision!
    const strip = page.getByTestId('editor-deployments')
    await strip.locator('[data-env="test"][data-state="deployed"]').getByText(`revision ${revision}`).waitFor()
    await strip.locator('[data-env="prod"][data-state="deployed"]').waitFor()

    // The outline: PreFlow with the verify step, PostFlow, the route rule, and the target endpoint.
    const outline = page.getByTestId('flow-outline')
    expect(await outline.locator('[data-testid="outline-flow"]').evaluateAll((items) => items.map((i) => i.getAttribute('data-kind')))).toEqual(['PreFlow', 'PostFlow'])
    await outline.locator('[data-testid="outline-flow"][data-kind="PreFlow"] [data-policy="OAuthV2-Verify-Access-Token"]').getByText('OAuthV2', { exact: true }).waitFor()
    await outline.getByTestId('outline-route').getByText('default').first().waitFor()
    await outline.getByText('echo://').waitFor()

    // Clicking the step opens the policy with XML highlighting.
    await outline.locator('[data-policy="OAuthV2-Verify-Access-Token"] button').first().click()
    await page.getByTestId('active-file').getByText('policies/OAuthV2-Verify-Access-Token.xml').waitFor()
    expect(await editorText(page)).toContain('<Operation>VerifyAccessToken</Operation>')
    expect(await page.locator('[data-testid="xml-editor"] .cm-content span[class]').count()).toBeGreaterThan(3)

    // New policy from the AssignMessage template, attached to the PreFlow.
    await page.getByTestId('new-policy').click()
    await page.getByTestId('policy-template').click()
    await page.keyboard.type('AssignMessage')
    await page.locator('.n-base-select-option', { hasText: 'AssignMessage' }).click()
    await page.locator('.n-modal [data-field="name"] input').fill('AM-Tag-Request')
    const addStep = page.getByTestId('add-step')
    if ((await addStep.getAttribute('aria-checked')) !== 'true') await addStep.click()
    await page.getByTestId('template-preview').getByText('<AssignMessage name="AM-Tag-Request">').waitFor()
    await screenshot(page, 'proxy-editor-new-policy')
    await page.getByTestId('submit').click()
    await page.locator('.n-modal').waitFor({ state: 'detached' })
    await page.getByTestId('active-file').getByText('policies/AM-Tag-Request.xml').waitFor()
    // After the sample's two verify steps (JWT under /jwt/, opaque elsewhere).
    await outline.locator('[data-kind="PreFlow"] [data-testid="outline-step"]').nth(2).and(page.locator('[data-policy="AM-Tag-Request"]')).waitFor()
    await page.getByTestId('unsaved').getByText('2 unsaved').waitFor()
    // Leaving with unsaved changes asks first; staying keeps them.
    await page.getByTestId('back-to-proxy').click()
    await page.locator('.n-dialog').getByText('Leave without saving?').waitFor()
    await page.locator('.n-dialog').getByRole('button', { name: 'Stay' }).click()
    await page.locator('.n-dialog').waitFor({ state: 'detached' })
    expect(page.url()).toMatch(/#\/proxies\/API_One\/edit$/)
    await page.getByTestId('unsaved').getByText('2 unsaved').waitFor()

    await page.getByTestId('save').click()
    await toast(page, `API_One saved and deployed: revision ${revision + 1} serves test, revision ${revision + 1} serves prod`)
    await page.getByTestId('unsaved').waitFor({ state: 'detached' })
    const saved = await callConsole<ApiProxy>(running, 'proxies.get', { name: 'API_One' })
    expect(saved.policies['AM-Tag-Request']).toContain('<AssignMessage name="AM-Tag-Request">')
    expect(saved.proxyEndpoints['default']).toMatch(/<Name>OAuthV2-Verify-Access-Token<\/Name>\s*<Condition>[^<]*<\/Condition>\s*<\/Step>\s*<Step>\s*<Name>AM-Tag-Request<\/Name>/)
    await strip.locator('[data-env="test"][data-state="deployed"]').getByText(`revision ${revision + 1}`).waitFor()
    expect(browser.problems).toEqual([])
  })

  it('outlines the conditional flows of the oauth proxy, and a flow click reveals its element', async () => {
    const { page } = browser
    await page.goto(`${running.origin}/#/proxies/oauth/edit`)
    const outline = page.getByTestId('flow-outline')
    const flows = outline.locator('[data-testid="outline-flow"][data-kind="Flow"]')
    await flows.first().waitFor()
    expect(await flows.evaluateAll((items) => items.map((i) => i.getAttribute('data-name')))).toEqual([
      'RefreshToken',
      'AccessToken',
      'Authorize',
      'Revoke',
      'ClientCredentialAccessToken',
      'RfcRefreshToken',
      'RfcAccessToken',
      'JwtAccessToken',
      'UnknownResource'
    ])
    const authorize = outline.locator('[data-testid="outline-flow"][data-name="Authorize"]')
    await authorize.getByText('(proxy.pathsuffix MatchesPath "/authorize") and (request.verb = "GET")').waitFor()
    await authorize.locator('[data-policy="OAuthV2-Implicit-Grant"]').getByText('request.queryparam.response_type = "token"').waitFor()
    await outline.getByTestId('outline-route').getByText('no route (the proxy answers itself)').waitFor()

    await authorize.locator('.flow-head').click()
    await page.getByTestId('active-file').getByText('proxies/default.xml').waitFor()
    const revealed = await page.locator('.cm-gl-reveal').evaluateAll((lines) => lines.map((l) => l.textContent!.trim()))
    expect(revealed[0]).toBe('<Flow name="Authorize">')
    expect(revealed.at(-1)).toBe('</Flow>')
    expect(revealed).toContain('<Name>OAuthV2-Implicit-Grant</Name>')
    await page.locator('.n-message').first().waitFor({ state: 'detached', timeout: 15_000 })
    await screenshot(page, 'proxy-editor')
    expect(browser.problems).toEqual([])

    // The editor follows the dark theme (CodeMirror's One Dark) and back.
    await page.getByTestId('theme-toggle').click()
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.cm-editor')!).backgroundColor === 'rgb(40, 44, 52)')
    await screenshot(page, 'proxy-editor-dark')
    await page.getByTestId('theme-toggle').click()
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.cm-editor')!).backgroundColor === 'rgb(255, 255, 255)')
  })

  it('lists a deployment error by its Apigee name, keeps the previous revision serving, and jumps to the element at fault', async () => {
    const { page } = browser
    const before = await callConsole<ProxyDeployment[]>(running, 'proxies.deployments', { name: 'API_One' })
    const revision = before.find((d) => d.environment === 'test')!.revision!
    await page.goto(`${running.origin}/#/proxies/API_One/edit`)
    await page.getByTestId('detail-title').getByText('API_One').waitFor()

    await page.getByTestId('bundle-files').locator('[data-file="policies/OAuthV2-Verify-Access-Token.xml"]').click()
    await replaceEditorText(page, '<OAuthV2 name="OAuthV2-Verify-Access-Token">\n  <Operation>Nope</Operation>\n</OAuthV2>\n')
    // Move away, so that the jump below must open the file again.
    await page.getByTestId('bundle-files').locator('[data-file="proxies/default.xml"]').click()
    await page.getByTestId('save').click()
    await toast(page, `API_One saved, but the deployment failed in test, prod: revision ${revision} still serves test, revision ${revision} still serves prod`)

    const error = page.getByTestId('deployment-errors').locator('[data-testid="deployment-error"][data-code="InvalidOperation"]')
    await error.waitFor()
    expect(await error.locator('.error-where').textContent()).toBe('policies/OAuthV2-Verify-Access-Token.xml:2:3 /OAuthV2/Operation')
    await page.getByTestId('editor-deployments').locator('[data-env="test"][data-state="failed"]').getByText(`revision ${revision} still serves test`).waitFor()
    const after = await callConsole<ProxyDeployment[]>(running, 'proxies.deployments', { name: 'API_One' })
    expect(after.map((d) => [d.environment, d.state, d.revision, d.errors.map((e) => e.code)])).toEqual([
      ['test', 'failed', revision, ['InvalidOperation']],
      ['prod', 'failed', revision, ['InvalidOperation']]
    ])

    await error.click()
    await page.getByTestId('active-file').getByText('policies/OAuthV2-Verify-Access-Token.xml').waitFor()
    const highlighted = await page.locator('.cm-gl-fault').evaluateAll((parts) => parts.map((p) => p.textContent).join(''))
    expect(highlighted).toBe('<Operation>Nope</Operation>')
    const cursorLine = await page.locator('.cm-activeLine').textContent()
    expect(cursorLine?.trim()).toBe('<Operation>Nope</Operation>')
    // Let the save toasts go, so the picture shows the editor and the error list.
    await page.locator('.n-message').first().waitFor({ state: 'detached', timeout: 15_000 })
    await screenshot(page, 'proxy-editor-errors')

    // The proxy detail lists the same error; its link opens the editor at the element.
    await page.getByTestId('back-to-proxy').click()
    await page.getByTestId('open-error').getByText('InvalidOperation').first().click()
    await page.waitForURL(/#\/proxies\/API_One\/edit\?file=/)
    await page.getByTestId('active-file').getByText('policies/OAuthV2-Verify-Access-Token.xml').waitFor()
    await page.locator('.cm-gl-fault').getByText('Nope').waitFor()

    // Fixing the element and saving deploys again.
    await replaceEditorText(page, '<OAuthV2 name="OAuthV2-Verify-Access-Token">\n  <Operation>VerifyAccessToken</Operation>\n</OAuthV2>\n')
    await page.getByTestId('save').click()
    await toast(page, 'API_One saved and deployed')
    await page.getByTestId('deployment-errors').waitFor({ state: 'detached' })
    const fixed = await callConsole<ProxyDeployment[]>(running, 'proxies.deployments', { name: 'API_One' })
    expect(fixed.map((d) => [d.environment, d.state])).toEqual([['test', 'deployed'], ['prod', 'deployed']])

    // A new base path reaches the endpoint's <BasePath>, which is what deploys.
    await page.locator('.n-message').first().waitFor({ state: 'detached', timeout: 15_000 })
    await page.getByTestId('base-path').locator('input').fill('/api-one-v2')
    await page.getByTestId('unsaved').getByText('1 unsaved').waitFor()
    await page.getByTestId('save').click()
    await toast(page, 'API_One saved and deployed')
    const moved = await callConsole<ApiProxy>(running, 'proxies.get', { name: 'API_One' })
    expect(moved.basePath).toBe('/api-one-v2')
    expect(moved.proxyEndpoints['default']).toContain('<BasePath>/api-one-v2</BasePath>')
    const movedDeployments = await callConsole<ProxyDeployment[]>(running, 'proxies.deployments', { name: 'API_One' })
    expect(movedDeployments.map((d) => [d.environment, d.state, d.basePath])).toEqual([['test', 'deployed', '/api-one-v2'], ['prod', 'deployed', '/api-one-v2']])
    await page.getByTestId('flow-outline').getByText('/api-one-v2').waitFor()
    expect(browser.problems).toEqual([])
  })
})
