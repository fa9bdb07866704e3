/** `5400000` -> `1h 30m`; seconds only when under a minute. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean).join(' ') || '0m'
}

/** Epoch ms as `2026-11-24 06:00:00 UTC`; -1 and 0 read as "never" / "unknown". */
export function formatTimestamp(ms: number, never = 'never'): string {
  if (ms === -1) return never
  if (!ms) return '—'
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** Epoch ms as local wall-clock `HH:MM:SS` (for real-time events, not the engine's virtual clock). */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms)
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')
}

/** A busy gateway port's retries: `retrying: 3 attempts so far, next at 16:20:05`. */
export function describePortRetry(retry: { attempts: number; nextAttemptAt: number }): string {
  return `retrying: ${retry.attempts} ${retry.attempts === 1 ? 'attempt' : 'attempts'} so far, next at ${formatLocalTime(retry.nextAttemptAt)}`
}
