/**
 * Where the built app finds its bundled files. Resolved from the entry module's URL (out/main/*.js),
 * because shared code may be bundled into a chunk in another folder.
 */
import { fileURLToPath } from 'node:url'

export interface AppPaths {
  sampleWorkspace: string
  rendererDir: string
  preload: string
}

export function appPaths(entryUrl: string): AppPaths {
  const from = (relative: string): string => fileURLToPath(new URL(relative, entryUrl))
  return {
    sampleWorkspace: from('../../resources/samples/sample-org.json'),
    rendererDir: from('../renderer'),
    preload: from('../preload/index.cjs')
  }
}
