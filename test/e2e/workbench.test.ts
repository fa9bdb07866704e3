import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { DeveloperApp } from '../../src/shared/model'
import { callConsole, launchBrowser, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

/** Opens a Naive select inside `scope` and picks the option whose label starts with `label`. */
async function pick(page: Page, scope: string, label: string): Promise<void> {
  await page.locator(`${scope} .n-base-selection`).first().click()
  await page.locator('.n-base-select-option', { hasText: label }).first().click()
  await expect.poll(() => page.locator('.n-base-select-menu:visible').count()).toBe(0)
}

const responseStatus = (page: Page) => page.getByTestId('response-status')
const responseBody = (page: Page) => page.getByTestId('response-body')
const walletTokens = (page: Page, app: string) => page.locator(`[data-testid="wallet-token"][data-token-app="${app}"]`)

/** The response body as the page shows it, parsed (token values are masked in the view). */
async function shownJson(page: Page): Promise<Record<string, unknown>> {
  return JSON.parse(await responseBody(page).innerText()) as Record<string, unknown>
}

/** Runs `action` (a click or key press that sends) and waits for a new response with `status`. */
async function sendAndExpect(page: Page, action: () => Promise<void>, status: string): Promise<void> {
  const panel = page.getByTestId('response')
  const before = await panel.getAttribute('data-sent-id')
  await action()
  await expect.poll(() => panel.getAttribute('data-sent-id')).not.toBe(before)
  expect(await responseStatus(page).innerText()).toBe(status)
}

describe('Token workbench', () => {
  let running: RunningConsole
  let browser: BrowserSession

  beforeAll(async () => {
    running = await startConsole()
    browser = await launchBrowser()
    // A frozen engine clock makes "time left" exact: tokens are issued and shown at the same instant.
    await callConsole(running, 'clock.freeze', { frozen: true })
  })
  afterAll(async () => {
    await browser?.close()
    await running?.stop()
  })

  it('gets a client_credentials token for App_One: pre-filled form, curl preview, 200 BearerToken, token in the wallet', async () => {
    const { page } = browser
    await openConsole(page, running, '/workbench')
    const form = page.getByTestId('token-form')
    await form.locator('[data-field="app"]').getByText('App_One').waitFor()

    // Pre-filled from the model: the oauth proxy's token endpoint, App_One's key, Basic client auth.
    const preview = page.getByTestId('preview-text').first()
    await preview.getByText(`curl -X POST '${running.gateways['test']}/oauth/token'`).waitFor()
    const masked = await preview.innerText()
    expect(masked).toContain("-H 'Authorization: Basic ••••••••'")
    expect(masked).toContain("--data-urlencode 'grant_type=client_credentials'")
    // The console holds App_One's secret masked: the form carries the placeholder, main fills it in when sending.
    await page.getByTestId('reveal-secrets').first().click()
    expect(await preview.innerText()).toContain(`Authorization: Basic ${Buffer.from('app-one-key:********').toString('base64')}`)
    expect(await page.content()).not.toContain('app-one-secret')
    await page.getByTestId('reveal-secrets').first().click()

    // Form fields instead of Basic: the secret is in the body, masked in the preview.
    await page.getByTestId('auth-body').click()
    expect(await preview.innerText()).toContain("--data-urlencode 'client_secret=••••••••'")
    await page.getByTestId('auth-basic').click()

    await sendAndExpect(page, () => page.getByTestId('send-token').click(), '200 OK')
    const body = await shownJson(page)
    // Apigee's application_name is the app's id, not its display name.
    const appOne = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })
    expect(body).toMatchObject({ token_type: 'BearerToken', application_name: appOne.appId, client_id: 'app-one-key', api_product_list: '[Product_One]', expires_in: '3599' })
    expect(String(body['access_token'])).toContain('••••••••')

    const token = walletTokens(page, 'App_One').first()
    await token.waitFor()
    expect(await token.getAttribute('data-status')).toBe('active')
    expect(await token.getByTestId('wallet-left').innerText()).toBe('59m left')
    await expect.poll(() => page.getByTestId('open-trace').getAttribute('href')).toMatch(/#\/traces\/.+/)
    await screenshot(page, 'workbench-token')
  })

  it('calls GET /api-one/items with the wallet token (200, echo body) using Ctrl+Enter', async () => {
    const { page } = browser
    await walletTokens(page, 'App_One').first().locator('[data-action="use"]').click()
    await page.getByTestId('call-form').waitFor()
    await page.getByTestId('current-token').getByText('Bearer: App_One (client_credentials)').waitFor()
    const path = page.getByTestId('call-path')
    await path.fill('/api-one/items')
    await page.locator('[data-testid="call-form"] [data-testid="preview-text"]').getByText(/Authorization: Bearer \S+••••••••/).waitFor()
    await sendAndExpect(page, () => path.press('Control+Enter'), '200 OK')
    const echo = await shownJson(page)
    // The echo target answers with the request it received: the path and the bearer header went through.
    expect(JSON.stringify(echo)).toContain('/items')
    await screenshot(page, 'workbench-call')
  })

  it("App_Two's token on /api-one: 401 InvalidAPICallAsNoApiProductMatchFound, shown readably", async () => {
    const { page } = browser
    await page.locator('.n-tabs-tab', { hasText: 'Get a token' }).click()
    await pick(page, '[data-testid="token-form"] [data-field="app"]', 'App_Two')
    await sendAndExpect(page, () => page.getByTestId('send-token').click(), '200 OK')
    const appTwo = walletTokens(page, 'App_Two').first()
    await appTwo.waitFor()

    await appTwo.locator('[data-action="use"]').click()
    await page.getByTestId('current-token').getByText('Bearer: App_Two (client_credentials)').waitFor()
    await sendAndExpect(page, () => page.getByTestId('send-call').click(), '401 Unauthorized')
    await page.getByTestId('response-fault').getByText('keymanagement.service.InvalidAPICallAsNoApiProductMatchFound').waitFor()
    expect(await shownJson(page)).toEqual({
      fault: { faultstring: 'Invalid API call as no apiproduct match found', detail: { errorcode: 'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound' } }
    })
  })

  it('runs the authorization_code grant: authorize (302 with code and state), then exchange the code', async () => {
    const { page } = browser
    await page.locator('.n-tabs-tab', { hasText: 'Get a token' }).click()
    await pick(page, '[data-testid="token-form"] [data-field="app"]', 'App_One')
    await page.locator('[data-grant="authorization_code"]').click()
    const preview = page.locator('[data-testid="token-form"] [data-testid="preview-text"]')
    await preview.getByText(/^curl '.*\/oauth\/authorize\?response_type=code&client_id=app-one-key&redirect_uri=https%3A%2F%2Fapp_one\.sample\.example%2Fcallback&state=/).waitFor()

    await sendAndExpect(page, () => page.getByTestId('send-token').click(), '302 Found')
    const redirect = page.getByTestId('response-redirect')
    await redirect.getByText('https://app_one.sample.example/callback').waitFor()
    await redirect.getByText('matches the state sent').waitFor()
    const code = await page.getByTestId('redirect-code').innerText()
    expect(code.length).toBeGreaterThan(4)

    // Step 2 is selected with the code filled in.
    await page.getByTestId('step-exchange').getByText('code ready').waitFor()
    expect(await preview.innerText()).toContain(`--data-urlencode 'code=${code}'`)
    expect(await preview.innerText()).toContain("--data-urlencode 'redirect_uri=https://app_one.sample.example/callback'")
    await sendAndExpect(page, () => page.getByTestId('send-token').click(), '200 OK')
    expect(await shownJson(page)).toMatchObject({ token_type: 'BearerToken', client_id: 'app-one-key' })
    await walletTokens(page, 'App_One').filter({ hasText: 'authorization_code' }).first().waitFor()
  })

  it('refreshes the authorization_code token, revokes the new one, and the next call with it fails', async () => {
    const { page } = browser
    const codeToken = walletTokens(page, 'App_One').filter({ hasText: 'authorization_code' }).first()
    await sendAndExpect(page, () => codeToken.locator('[data-action="refresh"]').click(), '200 OK')
    const refreshed = walletTokens(page, 'App_One').filter({ hasText: 'refresh_token' }).first()
    await refreshed.waitFor()
    expect(await refreshed.getAttribute('data-status')).toBe('active')

    await sendAndExpect(page, () => refreshed.locator('[data-action="revoke"]').click(), '200 OK')
    await expect.poll(() => refreshed.getAttribute('data-status')).toBe('revoked')

    await refreshed.locator('[data-action="use"]').click()
    await page.getByTestId('call-path').fill('/api-one/items')
    await sendAndExpect(page, () => page.getByTestId('send-call').click(), '401 Unauthorized')
    expect(await shownJson(page)).toEqual({
      fault: { faultstring: 'Access Token not approved', detail: { errorcode: 'keymanagement.service.access_token_not_approved' } }
    })

    // The sample revokes with <Token type="refreshtoken" cascade="true">; given an access token, the gateway
    // revokes that access token and its refresh token, so refreshing the revoked token fails too.
    await sendAndExpect(page, () => refreshed.locator('[data-action="refresh"]').click(), '400 Bad Request')
    expect(await shownJson(page)).toEqual({ ErrorCode: 'invalid_request', Error: 'Invalid Refresh Token' })
    await page.getByTestId('response-fault').getByText('Invalid Refresh Token').waitFor()
  })

  it('marks wallet tokens expired when the engine clock moves past their expiry', async () => {
    const { page } = browser
    const first = walletTokens(page, 'App_One').filter({ hasText: 'client_credentials' }).first()
    expect(await first.getAttribute('data-status')).toBe('active')
    await callConsole(running, 'clock.advance', { ms: 2 * 3_600_000 })
    await expect.poll(() => first.getAttribute('data-status')).toBe('expired')
    expect(await first.getByTestId('wallet-left').innerText()).toBe('expired 1h ago')
    // The revoked token stays revoked whatever the clock says.
    expect(await walletTokens(page, 'App_One').filter({ hasText: 'refresh_token' }).first().getAttribute('data-status')).toBe('revoked')

    await sendAndExpect(page, () => page.getByTestId('send-call').click(), '401 Unauthorized')
    await page.locator('.n-tabs-tab', { hasText: 'History' }).click()
    expect(await page.getByTestId('history-item').count()).toBeGreaterThanOrEqual(8)
    await page.locator('.n-tabs-tab', { hasText: 'Wallet' }).click()
    await page.locator('.n-message').first().waitFor({ state: 'detached' })
    await screenshot(page, 'workbench-wallet')
    expect(browser.problems).toEqual([])
  })

  it('gets a JWT access token from the JWT endpoint: decoded in the response and the wallet, signature checked by the console', async () => {
    const { page } = browser
    await page.locator('.n-tabs-tab', { hasText: 'Get a token' }).click()
    await page.locator('[data-grant="client_credentials"]').click()
    const endpoint = page.getByRole('textbox', { name: 'Token endpoint' })
    await endpoint.fill('/oauth/jwt/token')
    await page.locator('[data-testid="token-form"] [data-testid="preview-text"]').getByText(/\/oauth\/jwt\/token'/).waitFor()
    await sendAndExpect(page, () => page.getByTestId('send-token').click(), '200 OK')
    await page.locator('.n-tabs-tab', { hasText: 'JWT' }).click()
    const jwt = page.getByTestId('response').getByTestId('jwt')
    await jwt.getByText('at+JWT', { exact: true }).waitFor()
    await jwt.getByTestId('jwt-signature').getByText('signature verified').waitFor()

    const token = walletTokens(page, 'App_One').filter({ hasText: 'JWT' }).first()
    await token.locator('[data-action="details"]').click()
    await token.getByTestId('jwt-signature').getByText('signature verified').waitFor()
    expect(await token.getAttribute('data-status')).toBe('active')
    await screenshot(page, 'workbench-jwt')
    expect(browser.problems).toEqual([])
  })

  it('implicit grant: the token comes back in the redirect fragment and goes to the wallet', async () => {
    const { page } = browser
    await page.locator('[data-grant="implicit"]').click()
    const preview = page.locator('[data-testid="token-form"] [data-testid="preview-text"]')
    await preview.getByText(/^curl '.*\/oauth\/authorize\?response_type=token&client_id=app-one-key&redirect_uri=/).waitFor()
    await sendAndExpect(page, () => page.getByTestId('send-token').click(), '302 Found')
    const redirect = page.getByTestId('response-redirect')
    await redirect.getByText('matches the state sent').waitFor()
    await redirect.getByText('expires_in').waitFor()
    const token = walletTokens(page, 'App_One').filter({ hasText: 'implicit' }).first()
    await token.waitFor()
    expect(await token.getAttribute('data-status')).toBe('active')
    expect(await token.getByTestId('wallet-left').innerText()).toBe('59m left')
  })

  it('password grant: username and password in the form body (password masked in the preview), token with a refresh token', async () => {
    const { page } = browser
    await page.locator('[data-grant="password"]').click()
    const form = page.getByTestId('token-form')
    await form.locator('[data-field="username"] input').fill('alice')
    await form.locator('[data-field="password"] input').fill("s3cret 'quoted'")
    const preview = form.getByTestId('preview-text')
    expect(await preview.innerText()).toContain("--data-urlencode 'username=alice'")
    expect(await preview.innerText()).toContain("--data-urlencode 'password=••••••••'")
    await form.getByTestId('reveal-secrets').click()
    expect(await preview.innerText()).toContain(`--data-urlencode 'password=s3cret '\\''quoted'\\'''`)
    await form.getByTestId('reveal-secrets').click()
    await sendAndExpect(page, () => page.getByTestId('send-token').click(), '200 OK')
    const token = walletTokens(page, 'App_One').filter({ hasText: 'password' }).first()
    await token.waitFor()
    expect(await token.locator('[data-action="refresh"]').isEnabled()).toBe(true)

    // The trace link goes to the trace viewer's route for this request; the workbench keeps its state on return.
    const href = await page.getByTestId('open-trace').getAttribute('href')
    await page.getByTestId('open-trace').click()
    await expect.poll(() => new URL(page.url()).hash).toBe(href)
    await page.goto(`${running.origin}/#/workbench`)
    await page.locator('[data-grant="password"].n-radio-button--checked').waitFor()
    await walletTokens(page, 'App_One').filter({ hasText: 'password' }).first().waitFor()

    // Wallet and history live in sessionStorage: a reload keeps them (a new window would not).
    const walletSize = await page.getByTestId('wallet-token').count()
    await page.reload()
    await page.getByTestId('wallet-token').nth(walletSize - 1).waitFor()
    expect(await page.getByTestId('wallet-token').count()).toBe(walletSize)

    // A history entry loads back into the composer.
    await page.locator('.n-tabs-tab', { hasText: 'History' }).click()
    await page.getByTestId('history-item').filter({ hasText: '/api-one/items' }).first().locator('button.load').click()
    await page.getByTestId('call-form').waitFor()
    expect(await page.getByTestId('call-path').inputValue()).toBe('/api-one/items')
    await page.getByTestId('current-token').getByText('Bearer: App_One').waitFor()
    expect(browser.problems).toEqual([])
  })

  it("a trace's client fix runs through the workbench store: App_Two's 401 resent with App_One's credentials", async () => {
    const { page } = browser
    await page.locator('.n-tabs-tab', { hasText: 'Get a token' }).click()
    await page.locator('[data-grant="client_credentials"]').click()
    await page.getByRole('textbox', { name: 'Token endpoint' }).fill('/oauth/token')
    await pick(page, '[data-testid="token-form"] [data-field="app"]', 'App_Two')
    await sendAndExpect(page, () => page.getByTestId('send-token').click(), '200 OK')
    await page.locator('.n-tabs-tab', { hasText: 'Wallet' }).click()
    await walletTokens(page, 'App_Two').first().locator('[data-action="use"]').click()
    await page.getByTestId('call-path').fill('/api-one/items')
    await sendAndExpect(page, () => page.getByTestId('send-call').click(), '401 Unauthorized')

    await page.getByTestId('open-trace').click()
    const fix = page.locator('[data-testid="fix"][data-fix="use-credential:app-one-key"]')
    await fix.getByRole('button').click()
    // A client fix resends at once and opens the trace of the resent request.
    await page.getByTestId('detail-status').getByText('200').waitFor()

    await page.goto(`${running.origin}/#/workbench`)
    await page.getByTestId('response').getByTestId('response-status').getByText('200 OK').waitFor()
    await page.locator('.n-tabs-tab', { hasText: 'History' }).click()
    const newest = page.getByTestId('history-item').first()
    expect(await newest.innerText()).toMatch(/^200\s+GET\s+\/api-one\/items\s+GET \/api-one\/items with App_One's token/)
    expect(browser.problems).toEqual([])
  })
})
