/**
 * Electron fuses of the packaged app, flipped by electron-builder's afterPack hook (before signing, so
 * the signature covers the flipped binary). Fuses are bits compiled into the Electron binary that no
 * command-line flag or environment variable can turn back. Every fuse @electron/fuses knows is set
 * explicitly (a unit test asserts the exact set), so a new one forces a decision here. Reasons:
 * docs/security.md, "Electron fuses".
 */
import { join } from 'node:path'
import { FuseState } from '@electron/fuses/dist/constants.js'
import { flipFuses, FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses'
import { Arch } from 'electron-builder'

/** The fuse set: the value each fuse gets in the packaged binary. */
export const GATELAB_FUSES = Object.freeze({
  // ELECTRON_RUN_AS_NODE=1 would turn the signed app binary into a plain Node.js for anyone who can
  // start it. Gatelab starts no child with process.execPath (worker threads are unaffected).
  [FuseV1Options.RunAsNode]: false,
  // Chromium's cookie store on disk is encrypted with the OS keychain key.
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS (--require, --inspect, ...) would inject code into the main process.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // --inspect / --inspect-brk would let a local process attach a debugger to the main process.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // app.asar is checked against the hash electron-builder embeds (macOS Info.plist, Windows resource).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // The app loads only from app.asar, never from an `app` folder dropped beside it.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // Gatelab ships no browser-process V8 snapshot of its own.
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The renderer is served from app://console, never file://: file pages need no extra privileges.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false
})

/**
 * The file whose fuse wire is flipped, from electron-builder's afterPack context: the executable on
 * Linux and Windows, the .app bundle on macOS (@electron/fuses finds the Electron Framework in it).
 */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${packager.appInfo.productFilename}.app`)
    case 'win32':
      return join(appOutDir, `${packager.appInfo.productFilename}.exe`)
    case 'linux':
      return join(appOutDir, packager.executableName)
    default:
      throw new Error(`No Electron binary layout known for platform "${electronPlatformName}"`)
  }
}

/** The fuse config for one packaged build. */
export function fuseConfig(context) {
  return {
    version: FuseVersion.V1,
    // Flipping fuses breaks the ad-hoc signature of an arm64 macOS binary: sign it again (ad hoc) so it
    // runs; the real signature electron-builder applies afterwards replaces it.
    resetAdHocDarwinSignature: (context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas') && context.arch === Arch.arm64,
    ...GATELAB_FUSES
  }
}

/** electron-builder's afterPack hook: flips the fuses, then reads them back and fails the build on a mismatch. */
export async function afterPack(context) {
  const binary = electronBinaryPath(context)
  await flipFuses(binary, fuseConfig(context))
  const wire = await getCurrentFuseWire(binary)
  const wrong = Object.entries(GATELAB_FUSES).filter(([index, enabled]) => {
    const state = wire[index]
    // A fuse the binary marks removed has no feature behind it any more.
    return state !== FuseState.REMOVED && state !== (enabled ? FuseState.ENABLE : FuseState.DISABLE)
  })
  if (wrong.length > 0) {
    throw new Error(`Fuses not set in ${binary}: ${wrong.map(([index]) => FuseV1Options[index]).join(', ')}`)
  }
}
