import { createServer } from 'node:net'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Environment } from '../../src/shared/model'
import type { ListenerStatus } from '../../src/shared/deployment'
import { callConsole, confirmDialog, feedback, fill, launchBrowser, listItem, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

/** A port nothing listens on right now (the new environment's listener binds it). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

/** The body of `GET /nothing` on a gateway port with the given Host header (no proxy: the fault names who answered). */
function answerWithHost(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/nothing', headers: { Host: host }, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(chunks).toString()}`))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('Environments view', () => {
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

  it('creates an environment (port error shown at the port field first), edits it and deletes it', async () => {
    const { page } = browser
    await openConsole(page, running, '/environments')
    await listItem(page, 'test').waitFor()
    await listItem(page, 'prod').waitFor()

    await page.getByTestId('create').click()
    await fill(page, 'name', 'staging')
    await fill(page, 'port', '70000')
    await page.getByTestId('submit').click()
    await feedback(page, 'port').getByText('must be between 1 and 65535').waitFor()
    await screenshot(page, 'environments-validation')

    const port = await freePort()
    await fill(page, 'port', String(port))
    await fill(page, 'description', 'Staging for the mobile team')
    await page.getByTestId('submit').click()
    await page.waitForURL(/#\/environments\/staging$/)
    await page.getByTestId('detail-title').getByText('staging').waitFor()

    const saved = await callConsole<Environment>(running, 'environments.get', { name: 'staging' })
    expect(saved).toMatchObject({ name: 'staging', port, description: 'Staging for the mobile team' })
    // The gateway opens a listener for it and the header shows it.
    await page.getByTestId('gateway-status').locator('[data-state="started"]', { hasText: `staging :${port}` }).waitFor()
    const listeners = await callConsole<ListenerStatus[]>(running, 'gateway.status')
    expect(listeners.find((l) => l.environment === 'staging')?.state).toBe('started')
    await screenshot(page, 'environments')

    await page.getByTestId('edit').click()
    await fill(page, 'description', 'Staging, shared')
    // Two variables: a plain one and a private one, whose value stays masked until revealed.
    const variables = page.locator('.n-modal [data-field="variables"]')
    await variables.getByRole('button', { name: 'Create' }).click()
    await variables.locator('.n-input__input-el').nth(0).fill('region')
    await variables.locator('.n-input__input-el').nth(1).fill('eu-west')
    await variables.locator('.n-dynamic-input-item').first().locator('.n-dynamic-input-item__action button').last().click()
    await variables.locator('.n-input__input-el').nth(2).fill('private.apikey')
    await variables.locator('.n-input__input-el').nth(3).fill('s3cr3t-value')
    await page.getByTestId('submit').click()
    await page.getByText('Staging, shared').waitFor()
    const stored = await callConsole<Environment>(running, 'environments.get', { name: 'staging' })
    // The console API masks the private value; revealing it on purpose gives the stored one.
    expect(stored.variables).toEqual([
      { name: 'region', value: 'eu-west' },
      { name: 'private.apikey', value: '********' }
    ])
    expect(await callConsole(running, 'environments.revealVariable', { name: 'staging', variable: 'private.apikey' })).toEqual({ value: 's3cr3t-value' })
    const table = page.getByTestId('variables')
    await table.getByText('eu-west').waitFor()
    expect(await table.innerText()).not.toContain('s3cr3t-value')
    await screenshot(page, 'environments-variables')
    await table.locator('[data-action="reveal"]').click()
    await table.getByText('s3cr3t-value').waitFor()

    // Editing again sends the masked placeholder back: the stored secret is kept.
    await page.getByTestId('edit').click()
    await fill(page, 'description', 'Staging, edited')
    await page.getByTestId('submit').click()
    await page.getByText('Staging, edited').waitFor()
    expect(await callConsole(running, 'environments.revealVariable', { name: 'staging', variable: 'private.apikey' })).toEqual({ value: 's3cr3t-value' })

    await page.getByTestId('delete').click()
    await confirmDialog(page, 'Delete')
    await listItem(page, 'staging').waitFor({ state: 'detached' })
    const names = (await callConsole<Environment[]>(running, 'environments.list')).map((e) => e.name)
    expect(names).toEqual(['test', 'prod'])
    expect(browser.problems).toEqual([])
  })

  it('switches the Host check of an environment: the sample answers only known hosts until it is turned off', async () => {
    const { page } = browser
    await openConsole(page, running, '/environments/test')
    const toggle = page.getByTestId('restrict-hosts')
    await toggle.waitFor()
    expect(await toggle.getAttribute('class')).toContain('n-switch--active')
    expect(await page.getByTestId('restrict-hosts-help').innerText()).toContain('any other name gets 404 ApplicationNotFound')
    const listeners = await callConsole<ListenerStatus[]>(running, 'gateway.status')
    const port = listeners.find((l) => l.environment === 'test')!.port
    const refused = '404 {"fault":{"faultstring":"Unable to identify proxy for host: rebound.example and url: /nothing"'
    expect(await answerWithHost(port, 'rebound.example')).toContain(refused)
    expect(await answerWithHost(port, 'test.gatelab.localhost')).toContain('Unable to identify proxy for host: test and url: /nothing')

    await toggle.click()
    await page.getByTestId('restrict-hosts-help').getByText('Any Host name reaches test').waitFor()
    expect((await callConsole<Environment>(running, 'environments.get', { name: 'test' })).restrictHosts).toBe(false)
    // The listener picks the change up when the workspace change reaches it.
    while ((await answerWithHost(port, 'rebound.example')).includes(refused)) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await answerWithHost(port, 'rebound.example')).toContain('Unable to identify proxy for host: test and url: /nothing')
    await screenshot(page, 'environments-host-check')

    await toggle.click()
    await page.getByTestId('restrict-hosts-help').getByText('any other name gets 404').waitFor()
    expect((await callConsole<Environment>(running, 'environments.get', { name: 'test' })).restrictHosts).toBe(true)
    expect(browser.problems).toEqual([])
  })

  it('shows a duplicate name at the name field', async () => {
    const { page } = browser
    await page.getByTestId('create').click()
    await fill(page, 'name', 'test')
    await fill(page, 'port', String(await freePort()))
    await page.getByTestId('submit').click()
    await feedback(page, 'name').getByText('already exists').waitFor()
    await page.keyboard.press('Escape')
  })
})
