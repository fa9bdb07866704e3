import { describe, expect, it } from 'vitest'
import { VirtualClock } from '../../src/main/services/clock'

describe('the virtual clock', () => {
  let wall = 1_000_000
  const clock = (): VirtualClock => new VirtualClock(() => wall)

  it('follows wall time in real mode', () => {
    const c = clock()
    wall += 500
    expect(c.now()).toBe(wall)
    expect(c.state().mode).toBe('real')
  })

  it('advances by an offset that keeps running', () => {
    const c = clock()
    c.advance(3_600_000)
    expect(c.now()).toBe(wall + 3_600_000)
    wall += 10
    expect(c.now()).toBe(wall + 3_600_000)
    expect(c.state()).toMatchObject({ mode: 'offset', offsetMs: 3_600_000 })
  })

  it('freezes, advances while frozen, and unfreezes where it stood', () => {
    const c = clock()
    c.freeze(true)
    const at = c.now()
    wall += 5_000
    expect(c.now()).toBe(at)
    c.advance(60_000)
    expect(c.now()).toBe(at + 60_000)
    expect(c.state().mode).toBe('frozen')
    c.freeze(false)
    expect(c.now()).toBe(at + 60_000)
    wall += 1
    expect(c.now()).toBe(at + 60_001)
  })

  it('sets an absolute time and resets to wall time', () => {
    const c = clock()
    const target = Date.parse('2030-01-01T00:00:00Z')
    expect(c.set(target).iso).toBe('2030-01-01T00:00:00.000Z')
    c.reset()
    expect(c.now()).toBe(wall)
    expect(c.state().mode).toBe('real')
  })
})
