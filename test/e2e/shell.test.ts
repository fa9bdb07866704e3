import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callConsole, fill, launchBrowser, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

describe('app shell (headless console, chromium)', () => {
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

  it('shows the navigation of the finished views only, the organization, the listeners and the clock', async () => {
    const { page } = browser
    await openConsole(page, running)
    expect(page.url()).not.toContain('secret=')
    expect(page.url()).toMatch(/#\/environments$/)

    const nav = page.getByRole('navigation', { name: 'Main' })
    for (const title of ['Environments', 'API Proxies', 'API Products', 'Developers', 'Apps']) await expect(nav.getByRole('link', { name: title }).isVisible()).resolves.toBe(true)

    await expect(page.getByTestId('org-name').innerText()).resolves.toContain('Sample organization')

    const listeners = page.getByTestId('gateway-status')
    for (const env of ['test', 'prod']) {
      const port = new URL(running.gateways[env]!).port
      const tag = listeners.locator('[data-state="started"]', { hasText: `${env} :${port}` })
      await tag.waitFor()
    }

    const clock = await callConsole<{ iso: string }>(running, 'clock.get')
    await expect(page.getByTestId('clock').innerText()).resolves.toContain(clock.iso.slice(0, 10))

    await page.getByRole('option', { name: /test/ }).click()
    await page.getByTestId('detail-title').getByText('test').waitFor()
    await screenshot(page, 'shell')
    expect(browser.problems).toEqual([])
  })

  it('every navigation entry opens a finished view, never a placeholder', async () => {
    const { page } = browser
    const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link')
    const count = await links.count()
    expect(count).toBeGreaterThanOrEqual(5)
    for (let i = 0; i < count; i++) {
      const link = links.nth(i)
      const href = (await link.getAttribute('href'))!
      await link.click()
      await page.waitForURL((u) => u.hash.startsWith(href.replace(/^.*#/, '#')))
      await page.locator('.content-inner > *:not(.n-alert)').first().waitFor()
      const text = await page.locator('.content-inner').innerText()
      expect(text, href).not.toMatch(/coming soon|not implemented|placeholder|TODO|lorem ipsum/i)
    }
    await page.getByRole('link', { name: 'Environments' }).click()
    expect(browser.problems).toEqual([])
  })

  it('switches to the dark theme and keeps it after a reload', async () => {
    const { page } = browser
    await page.getByTestId('theme-toggle').click()
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await page.reload()
    await page.getByTestId('org-name').getByText(/\S/).first().waitFor()
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await screenshot(page, 'shell-dark')
    await page.goto(`${running.origin}/#/apps/App_One`)
    await page.getByTestId('credential').first().waitFor()
    await screenshot(page, 'apps-dark')
    await page.getByTestId('theme-toggle').click()
    expect(await page.evaluate(() => localStorage.getItem('gatelab.theme'))).toBe('light')
  })

  it('navigates with the keyboard: Alt+digit between views, arrows in a list, / to search', async () => {
    const { page } = browser
    await page.keyboard.press('Alt+5')
    await page.waitForURL(/#\/apps$/)
    await page.getByRole('listbox', { name: 'Apps' }).waitFor()

    await page.keyboard.press('/')
    await page.keyboard.type('App_T')
    await page.keyboard.press('ArrowDown')
    await page.waitForURL(/#\/apps\/App_T(wo|hree)$/)
    const first = decodeURIComponent(page.url().split('/').pop()!)
    await page.keyboard.press('ArrowDown')
    await page.waitForURL((u) => !u.toString().endsWith(first))
    expect(page.url()).toMatch(/#\/apps\/App_T(wo|hree)$/)
    await page.getByTestId('detail-title').getByText(/App_T(wo|hree)/).waitFor()

    await page.keyboard.press('Alt+1')
    await page.waitForURL(/#\/environments/)
    expect(browser.problems).toEqual([])
  })

  it('edits the organization: display name and the Apigee key/token cache window', async () => {
    const { page } = browser
    await page.getByTestId('org-name').click()
    await fill(page, 'displayName', 'Training org')
    await page.locator('.n-modal [data-field="tokenCacheSeconds"]').getByText('180 s (as Apigee)').click()
    await screenshot(page, 'organization')
    await page.getByTestId('submit').click()
    await page.getByTestId('org-name').getByText('Training org').waitFor()
    await page.getByTestId('org-cache').getByText('cache 180s').waitFor()
    const info = await callConsole<{ organization: { displayName: string; tokenCacheSeconds: number } }>(running, 'workspace.info')
    expect(info.organization).toMatchObject({ displayName: 'Training org', tokenCacheSeconds: 180 })
  })

  it('stays live: a change made through the API shows up without a reload', async () => {
    const { page } = browser
    await page.goto(`${running.origin}/#/developers`)
    await page.getByRole('listbox', { name: 'Developers' }).waitFor()
    await callConsole(running, 'developers.create', { developer: { email: 'live.dev@sample.example', firstName: 'Live', lastName: 'Update' } })
    await page.getByRole('option', { name: /Live Update/ }).waitFor()
  })
})
