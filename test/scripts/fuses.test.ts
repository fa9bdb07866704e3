import { describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FuseV1Options } from '@electron/fuses'
import { Arch } from 'electron-builder'
import { afterPack, electronBinaryPath, fuseConfig, GATELAB_FUSES } from '../../scripts/fuses.mjs'

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'

/** A stand-in Electron binary: bytes, the fuse sentinel, wire version 1, then one byte per fuse ('0'/'1'). */
function fakeBinary(file: string, wire = '101100011'): void {
  writeFileSync(file, Buffer.concat([Buffer.from('ELF...'), Buffer.from(SENTINEL), Buffer.from([1, wire.length]), Buffer.from(wire, 'latin1'), Buffer.from('...')]))
}

/** The wire as '0'/'1' characters, read back from the file. */
function wireOf(file: string): string {
  const bytes = readFileSync(file)
  const at = bytes.indexOf(SENTINEL) + SENTINEL.length
  return bytes.subarray(at + 2, at + 2 + bytes[at + 1]!).toString('latin1')
}

function context(platform: string, appOutDir: string, arch = Arch.x64) {
  return { appOutDir, electronPlatformName: platform, arch, packager: { executableName: 'gatelab', appInfo: { productFilename: 'Gatelab' } } }
}

describe('the fuses of the packaged app', () => {
  it('sets exactly this fuse set, with every fuse @electron/fuses knows decided', () => {
    expect(GATELAB_FUSES).toEqual({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false
    })
    const known = Object.values(FuseV1Options).filter((v) => typeof v === 'number')
    expect(Object.keys(GATELAB_FUSES).map(Number).sort()).toEqual(known.sort())
  })

  it('flips the wire of a Linux build and leaves fuses it does not know at their default', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gatelab-pack-'))
    fakeBinary(join(out, 'gatelab'))
    await afterPack(context('linux', out))
    // RunAsNode, cookie encryption, NODE_OPTIONS, inspect, ASAR integrity, ASAR only, V8 snapshot, file privileges; 9th untouched
    expect(wireOf(join(out, 'gatelab'))).toBe('010011001')
  })

  it('finds the binary of each platform', async () => {
    expect(electronBinaryPath(context('win32', '/o'))).toBe(join('/o', 'Gatelab.exe'))
    expect(electronBinaryPath(context('darwin', '/o'))).toBe(join('/o', 'Gatelab.app'))
    expect(() => electronBinaryPath(context('aix', '/o'))).toThrow('No Electron binary layout known for platform "aix"')
    const out = mkdtempSync(join(tmpdir(), 'gatelab-pack-'))
    const framework = join(out, 'Gatelab.app', 'Contents', 'Frameworks', 'Electron Framework.framework')
    mkdirSync(framework, { recursive: true })
    fakeBinary(join(framework, 'Electron Framework'))
    await afterPack(context('darwin', out))
    expect(wireOf(join(framework, 'Electron Framework'))).toBe('010011001')
  })

  it('re-signs ad hoc only on arm64 macOS builds', () => {
    expect(fuseConfig(context('darwin', '/o', Arch.arm64)).resetAdHocDarwinSignature).toBe(true)
    expect(fuseConfig(context('darwin', '/o', Arch.x64)).resetAdHocDarwinSignature).toBe(false)
    expect(fuseConfig(context('linux', '/o', Arch.arm64)).resetAdHocDarwinSignature).toBe(false)
  })

  it('fails the build on a binary without fuses, or with a wire too short for the set', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gatelab-pack-'))
    writeFileSync(join(out, 'gatelab'), 'not electron')
    await expect(afterPack(context('linux', out))).rejects.toThrow('Could not find sentinel')
    fakeBinary(join(out, 'gatelab'), '1011')
    await expect(afterPack(context('linux', out))).rejects.toThrow('not long enough')
  })
})
