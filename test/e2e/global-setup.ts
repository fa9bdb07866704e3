import { existsSync } from 'node:fs'
import { CHROMIUM_PATH, SERVE_SCRIPT } from './harness'

/** Fails early, with the fix, when the build or the browser is missing. */
export default function setup(): void {
  if (!existsSync(SERVE_SCRIPT)) throw new Error(`${SERVE_SCRIPT} is missing: run \`npm run build\` first (npm run test:e2e does).`)
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install chromium).`)
}
