/** Quota time units on the engine clock, in UTC. */

export const timeUnits = ['second', 'minute', 'hour', 'day', 'week', 'month'] as const
export type TimeUnit = (typeof timeUnits)[number]

const FIXED_MS: Record<Exclude<TimeUnit, 'month'>, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000
}

/** `text` as a time unit (case-insensitive), or undefined. */
export function parseTimeUnit(text: string): TimeUnit | undefined {
  const unit = text.trim().toLowerCase()
  return (timeUnits as readonly string[]).includes(unit) ? (unit as TimeUnit) : undefined
}

/** `t` moved by `n` units (n may be negative); months are calendar months. */
export function addUnits(t: number, unit: TimeUnit, n: number): number {
  if (unit !== 'month') return t + n * FIXED_MS[unit]
  const d = new Date(t)
  d.setUTCMonth(d.getUTCMonth() + n)
  return d.getTime()
}

/** The start of the unit `t` falls in: the top of the second/minute/hour, midnight, Monday midnight, the 1st. */
export function startOfUnit(t: number, unit: TimeUnit): number {
  if (unit === 'month') {
    const d = new Date(t)
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  }
  if (unit === 'week') {
    const midnight = startOfUnit(t, 'day')
    const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7
    return midnight - sinceMonday * FIXED_MS.day
  }
  return t - (((t % FIXED_MS[unit]) + FIXED_MS[unit]) % FIXED_MS[unit])
}

/** The window of `n` units, tiled from `anchor`, that contains `t`. */
export function windowFrom(anchor: number, unit: TimeUnit, n: number, t: number): { start: number; end: number } {
  let k: number
  if (unit === 'month') {
    const a = new Date(anchor)
    const b = new Date(t)
    k = Math.floor(((b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth()) / n)
    // The month difference can overshoot by one when t is earlier in its month than the anchor.
    while (addUnits(anchor, unit, k * n) > t) k--
  } else {
    k = Math.floor((t - anchor) / (n * FIXED_MS[unit]))
  }
  const start = addUnits(anchor, unit, k * n)
  return { start, end: addUnits(start, unit, n) }
}

/** `yyyy-MM-dd HH:mm:ss` (month, day and hour may have one digit) in UTC, or undefined. */
export function parseStartTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})$/.exec(text.trim())
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const t = Date.UTC(y, mo - 1, d, h, mi, s)
  const back = new Date(t)
  // Rejects 2026-02-30 and 25:00:00, which Date would roll over.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || mi > 59 || s > 59) return undefined
  return t
}
