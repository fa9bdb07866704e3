/** Epoch ms as the clock's set field shows it: `2026-11-24 09:00:00` (UTC). */
export function formatUtcInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

/**
 * What the user typed in the set field, as an ISO string for `clock.set`, or null when it is not
 * a UTC date-time (`YYYY-MM-DD HH:MM[:SS]`, a `T` separator and a trailing `Z` are accepted).
 */
export function parseUtcInput(text: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?Z?$/.exec(text.trim())
  if (!match) return null
  const [, y, mo, d, h, mi, s = '00'] = match
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.000Z`
  const parsed = new Date(iso)
  // Date rolls 2026-02-31 over to March; a real date formats back to itself.
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString() !== iso) return null
  return iso
}
