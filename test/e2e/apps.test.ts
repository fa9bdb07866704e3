import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeveloperApp } from '../../src/shared/model'
import { callConsole, choose, confirmDialog, feedback, fill, launchBrowser, listItem, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

describe('Apps view', () => {
  let running: RunningConsole
  let browser: BrowserSession
  let appOne: DeveloperApp
  let appOneSecret: string

  beforeAll(async () => {
    running = await startConsole()
    browser = await launchBrowser()
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: running.origin })
    appOne = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })
    appOneSecret = (await callConsole<{ consumerSecret: string }>(running, 'apps.revealSecret', { app: 'App_One', consumerKey: appOne.credentials[0]!.consumerKey })).consumerSecret
  })
  afterAll(async () => {
    await browser?.close()
    await running?.stop()
  })

  const card = (consumerKey: string) => browser.page.locator(`[data-testid="credential"][data-key="${consumerKey}"]`)
  const productRow = (consumerKey: string, product: string) => card(consumerKey).locator(`tr[data-product="${product}"]`)

  it('shows App_One with its key, the secret masked until revealed, and copies the key', async () => {
    const { page } = browser
    await openConsole(page, running, '/apps')
    for (const name of ['App_One', 'App_Two', 'App_Three']) await listItem(page, name).waitFor()
    await listItem(page, 'App_One').click()
    await page.getByTestId('detail-title').getByText('App_One').waitFor()

    const credential = appOne.credentials[0]!
    // The console API lists the secret masked: the page never has it until it is revealed.
    expect(credential.consumerSecret).toBe('********')
    expect(appOneSecret).toBe('app-one-secret')
    const c = card(credential.consumerKey)
    await expect(c.getByTestId('consumer-key').innerText()).resolves.toBe(credential.consumerKey)
    const field = c.getByTestId('consumer-secret')
    const secret = field.locator('code')
    await expect(secret.innerText()).resolves.toBe('••••••••••••••••')
    expect(await page.content()).not.toContain(appOneSecret)
    // No copy button while masked: there is nothing to copy yet.
    expect(await field.locator('[data-action="copy"]').count()).toBe(0)
    await screenshot(page, 'apps-secret-masked')
    await field.locator('[data-action="reveal"]').click()
    await field.getByText(appOneSecret).waitFor()
    await screenshot(page, 'apps-secret-revealed')
    await field.locator('[data-action="copy"]').click()
    await page.locator('.n-message', { hasText: 'Copied consumer secret' }).waitFor()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(appOneSecret)
    await field.locator('[data-action="reveal"]').click()
    await expect(secret.innerText()).resolves.toBe('••••••••••••••••')
    expect(await field.locator('[data-action="copy"]').count()).toBe(0)

    await c.locator('dd').first().locator('[data-action="copy"]').click()
    await page.locator('.n-message', { hasText: 'Copied consumer key' }).waitFor()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(credential.consumerKey)
    await screenshot(page, 'apps')
  })

  it('revokes and approves the app, the credential and a product on the credential', async () => {
    const { page } = browser
    const key = appOne.credentials[0]!.consumerKey
    const product = appOne.credentials[0]!.apiProducts[0]!.apiproduct

    await page.getByTestId('revoke-app').click()
    await page.getByTestId('approve-app').waitFor()
    expect((await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })).status).toBe('revoked')
    await page.getByTestId('approve-app').click()
    await page.getByTestId('revoke-app').waitFor()
    expect((await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })).status).toBe('approved')

    await card(key).getByTestId('revoke-credential').click()
    await card(key).getByTestId('approve-credential').waitFor()
    expect((await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })).credentials[0]!.status).toBe('revoked')
    await card(key).getByTestId('approve-credential').click()
    await card(key).getByTestId('revoke-credential').waitFor()

    await productRow(key, product).locator('[data-action="revoke-product"]').click()
    await productRow(key, product).getByTestId('product-status').getByText('revoked').waitFor()
    let saved = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })
    expect(saved.credentials[0]!.apiProducts.find((p) => p.apiproduct === product)?.status).toBe('revoked')
    await screenshot(page, 'apps-revoked-product')
    await productRow(key, product).locator('[data-action="approve-product"]').click()
    await productRow(key, product).getByTestId('product-status').getByText('approved').waitFor()

    // Add a product, then remove it again (with confirmation).
    await card(key).getByTestId('add-products-select').click()
    await page.locator('.n-base-select-option', { hasText: 'Product_Two' }).click()
    await page.getByTestId('detail-title').click()
    await page.locator('.n-base-select-menu').first().waitFor({ state: 'hidden' })
    await card(key).getByTestId('add-products').click()
    await productRow(key, 'Product_Two').waitFor()
    saved = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })
    expect(saved.credentials[0]!.apiProducts.map((p) => p.apiproduct)).toContain('Product_Two')
    await productRow(key, 'Product_Two').locator('[data-action="remove-product"]').click()
    await confirmDialog(page, 'Remove')
    await productRow(key, 'Product_Two').waitFor({ state: 'detached' })
    expect(browser.problems).toEqual([])
  })

  it('generates a second credential with an expiry, then deletes it', async () => {
    const { page } = browser
    // A frozen engine clock makes issue and expiry times exact (the header clock shows "frozen").
    await callConsole(running, 'clock.freeze', { frozen: true })
    await page.getByTestId('clock').getByText('frozen').waitFor()
    await page.getByTestId('generate-credential').click()
    await page.locator('.n-modal').getByText('After').click()
    await fill(page, 'expiresInSeconds', '3600')
    await page.getByTestId('submit').click()
    await page.getByTestId('credential').nth(1).waitFor()
    const saved = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })
    expect(saved.credentials).toHaveLength(2)
    const second = saved.credentials[1]!
    expect(second.expiresAt - second.issuedAt).toBe(3_600_000)
    expect(second.apiProducts.map((p) => p.apiproduct)).toEqual(appOne.credentials[0]!.apiProducts.map((p) => p.apiproduct))
    await screenshot(page, 'apps-two-credentials')

    await card(second.consumerKey).getByTestId('delete-credential').click()
    await confirmDialog(page, 'Delete')
    await card(second.consumerKey).waitFor({ state: 'detached' })
    expect((await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })).credentials).toHaveLength(1)
    await callConsole(running, 'clock.freeze', { frozen: false })
  })

  it('creates an app for Dev_Two with a product (name error at the name field), then deletes it', async () => {
    const { page } = browser
    await openConsole(page, running, '/apps')
    await page.getByTestId('create').click()
    await fill(page, 'name', 'Mobile App')
    await choose(page, 'developerId', ['dev.two@sample.example'])
    await choose(page, 'apiProducts', ['Product_Two'])
    await page.getByTestId('submit').click()
    await feedback(page, 'name').getByText('may contain only letters').waitFor()
    await screenshot(page, 'apps-validation')

    await fill(page, 'name', 'Mobile_App')
    await page.getByTestId('submit').click()
    await page.waitForURL(/#\/apps\/Mobile_App$/)
    await page.getByTestId('credential').first().waitFor()
    const created = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'Mobile_App' })
    expect(created.credentials).toHaveLength(1)
    expect(created.credentials[0]!.apiProducts).toEqual([{ apiproduct: 'Product_Two', status: 'approved' }])

    await page.getByTestId('delete').click()
    await confirmDialog(page, 'Delete')
    await listItem(page, 'Mobile_App').waitFor({ state: 'detached' })
    expect(browser.problems).toEqual([])
  })
})
