/** Saves text as a file through a temporary Blob link (works in Electron and in a browser). */
export function downloadJson(json: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  // Revoke after the click has been handled, or some browsers cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** `traces-2026-11-24T07-05-00Z.json`, named by the engine clock so files sort by capture time. */
export function exportFileName(now: number): string {
  return `traces-${new Date(now).toISOString().slice(0, 19).replace(/:/g, '-')}Z.json`
}
