/** Saves text as a file through a temporary Blob link (works in Electron and in a browser). */
export function saveTextFile(text: string, fileName: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  // Revoke after the click has been handled, or the download is cancelled.
  window.setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** Saves a value as pretty-printed JSON. */
export function saveJsonFile(value: unknown, fileName: string): void {
  saveTextFile(`${JSON.stringify(value, null, 2)}\n`, fileName)
}

/** A JSON file the user picked, parsed; the error names the file when it is not JSON. */
export async function readJsonFile(file: File): Promise<unknown> {
  const text = await file.text()
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new Error(`${file.name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** Opens the file picker for one JSON file; resolves null when the user cancels. */
export function pickJsonFile(): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input')
    input.type = 'file'
    input.accept = '.json,application/json'
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null))
    input.addEventListener('cancel', () => resolve(null))
    input.click()
  })
}
