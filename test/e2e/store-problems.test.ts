import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

describe('workspace store problems in the shell', () => {
  let running: RunningConsole
  let browser: BrowserSession

  beforeAll(async () => {
    // An unreadable workspace file: the console moves it aside, starts from the sample and reports it.
    running = await startConsole({ prepare: (dir) => writeFileSync(join(dir, 'workspace.json'), '{ not json') })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await running?.stop()
  })

  it('shows the quarantined file and where it was kept, until dismissed', async () => {
    const { page } = browser
    await openConsole(page, running, '/environments')
    const banner = page.getByTestId('store-problems')
    await banner.waitFor()
    const text = await banner.innerText()
    expect(text).toContain('is not valid JSON')
    expect(text).toMatch(/workspace\.json\.corrupt-/)
    await screenshot(page, 'store-problems')

    await banner.locator('.n-base-close').click()
    await banner.waitFor({ state: 'detached' })
    expect(browser.problems).toEqual([])
  })
})
