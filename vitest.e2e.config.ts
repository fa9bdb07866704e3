import { defineConfig } from 'vitest/config'

// Browser tests: each file starts the headless console (out/main/serve.js, so `npm run build` first)
// and Debian's chromium. One file at a time: the machine is small and each file owns a browser.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/e2e/global-setup.ts']
  }
})
