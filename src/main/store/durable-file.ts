/**
 * Durable file primitives. A write is acknowledged only once it would survive a power cut: the data is
 * written to a temp file, fsync'd, renamed over the target, and the folder is fsync'd so the rename
 * itself is on disk. Everything Gatelab keeps in its data folder is private to the user (0600 files,
 * 0700 folder): token hashes and workspace secrets are nobody else's business.
 */
import { chmod, mkdir, open, rename, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Mode of every file Gatelab writes in its data folder. */
export const FILE_MODE = 0o600
/** Mode of the data folder. */
export const DIR_MODE = 0o700

/** Makes a directory's entries (a rename, a new file) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (error) {
    // Windows cannot open or fsync a directory; NTFS journals renames itself.
    if (process.platform !== 'win32') throw error
  } finally {
    await handle?.close()
  }
}

/** The temp file a durable write of `file` goes through. */
export function tempPathOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp`)
}

/** Writes `data` to `file` atomically and durably (temp file, fsync, rename, folder fsync), mode 0600. */
export async function writeFileDurable(file: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathOf(file)
  const handle = await open(temp, 'w', FILE_MODE)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, file)
  await fsyncDir(dirname(file))
}

/**
 * Creates the data folder 0700 (parents as needed). An existing folder keeps its mode: it may be a
 * project folder the user shares on purpose; the files Gatelab keeps in it are tightened instead.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE })
}

/** Tightens an existing file of ours to 0600 (files written by earlier versions were 0644); a missing file is fine. */
export async function tightenFile(file: string): Promise<void> {
  if (process.platform === 'win32') return
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw error
  })
  if (info?.isFile() && (info.mode & 0o077) !== 0) await chmod(file, FILE_MODE)
}
