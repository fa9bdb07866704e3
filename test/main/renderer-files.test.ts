import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { rendererFile } from '../../src/main/window/renderer-files'

const dir = join('/opt', 'gatelab', 'out', 'renderer')

describe('files served on app://console', () => {
  it('serves index.html at the root and files of the renderer folder', () => {
    expect(rendererFile(dir, 'app://console/')).toEqual({ file: join(dir, 'index.html') })
    expect(rendererFile(dir, 'app://console/assets/index-abc.js')).toEqual({ file: join(dir, 'assets', 'index-abc.js') })
    expect(rendererFile(dir, 'app://console/assets/a%20b.css')).toEqual({ file: join(dir, 'assets', 'a b.css') })
  })

  it('refuses other hosts, paths out of the folder and malformed escapes without throwing', () => {
    expect(rendererFile(dir, 'app://other/index.html')).toEqual({ status: 404, message: 'Not found' })
    expect(rendererFile(dir, 'app://console/..%2f..%2f..%2fetc%2fpasswd')).toEqual({ status: 403, message: 'Forbidden' })
    expect(rendererFile(dir, 'app://console/..%2frenderer-evil/x.js')).toEqual({ status: 403, message: 'Forbidden' })
    expect(rendererFile(dir, 'app://console/a%00.js')).toEqual({ status: 403, message: 'Forbidden' })
    expect(rendererFile(dir, 'app://console/%ZZ')).toEqual({ status: 400, message: 'Malformed percent-encoding in the path' })
  })
})
