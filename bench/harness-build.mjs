// The bench runs the engine and listener as the app ships them: bench/harness.ts bundled by Vite (the
// bundler electron-vite uses for the main process), not through a development module runner.
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const outDir = fileURLToPath(new URL('./.build/', import.meta.url))

/** Bundles bench/harness.ts into bench/.build/ (inside the project, so its packages resolve) and returns the file. */
export async function buildHarness() {
  const { build } = await import('vite')
  await build({
    root,
    configFile: false,
    logLevel: 'error',
    build: { ssr: 'bench/harness.ts', outDir, emptyOutDir: true, minify: false, target: 'node20', reportCompressedSize: false }
  })
  return `${outDir}harness.js`
}

/** The bundled harness: the one the parent built (BENCH_HARNESS), else built now. */
export async function loadHarness() {
  return import(process.env.BENCH_HARNESS ?? (await buildHarness()))
}
