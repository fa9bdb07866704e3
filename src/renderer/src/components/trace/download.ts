/** `traces-2026-11-24T07-05-00Z.json`, named by the engine clock so files sort by capture time. */
export function exportFileName(now: number): string {
  return `traces-${new Date(now).toISOString().slice(0, 19).replace(/:/g, '-')}Z.json`
}
