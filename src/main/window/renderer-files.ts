/**
 * Maps an `app://console/...` request to a file of the built renderer. Pure (no Electron), so the
 * path rules are unit-tested: only the console host, no way out of the renderer folder, and a
 * malformed escape is a 400, not an exception inside the protocol handler.
 */
import { join, normalize, sep } from 'node:path'

export type RendererFile = { file: string } | { status: 400 | 403 | 404; message: string }

export function rendererFile(rendererDir: string, requestUrl: string): RendererFile {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return { status: 400, message: 'Bad request URL' }
  }
  if (url.host !== 'console') return { status: 404, message: 'Not found' }
  let relative: string
  try {
    relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1))
  } catch {
    return { status: 400, message: 'Malformed percent-encoding in the path' }
  }
  const root = normalize(rendererDir)
  const file = normalize(join(root, relative))
  if (relative.includes('\0') || !file.startsWith(root.endsWith(sep) ? root : root + sep)) return { status: 403, message: 'Forbidden' }
  return { file }
}
