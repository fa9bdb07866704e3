import { describe, expect, it } from 'vitest'
import { describePortRetry, formatLocalTime } from '@renderer/components/common/format'

describe('gateway retry text', () => {
  it('says how many attempts failed and when the next one is, in local wall-clock time', () => {
    const at = new Date(2026, 11, 4, 9, 5, 7).getTime()
    expect(formatLocalTime(at)).toBe('09:05:07')
    expect(describePortRetry({ attempts: 1, nextAttemptAt: at })).toBe('retrying: 1 attempt so far, next at 09:05:07')
    expect(describePortRetry({ attempts: 12, nextAttemptAt: at })).toBe('retrying: 12 attempts so far, next at 09:05:07')
  })
})
