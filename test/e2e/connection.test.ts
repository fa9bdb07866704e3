import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

describe('when the console goes away', () => {
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

  it('says live updates are paused, and a failed action says why instead of failing silently', async () => {
    const { page } = browser
    await openConsole(page, running, '/developers/dev.one@sample.example')
    await page.getByTestId('deactivate').waitFor()
    expect(await page.getByTestId('connection-lost').count()).toBe(0)

    await running.stop()
    await page.getByTestId('connection-lost').waitFor()
    // Listener states are unknown while disconnected, not shown as still listening.
    expect(await page.getByTestId('gateway-status').locator('[data-state="started"]').count()).toBe(0)
    expect(await page.getByTestId('gateway-status').locator('[data-state="unknown"]').count()).toBe(2)

    await page.getByTestId('deactivate').click()
    await page.locator('.n-message', { hasText: 'not reachable' }).waitFor()
    await screenshot(page, 'connection-lost')
    // The page keeps what it showed; nothing was changed.
    await page.getByTestId('deactivate').waitFor()
  })
})
