/**
 * The virtual clock: the one time source of the engine. The console can freeze it, set it and
 * move it forward, so token, code and key expiry can be tested at once instead of by waiting.
 */
import type { Clock } from '../../engine/ports'
import type { ClockState } from '../../shared/contract'

export class VirtualClock implements Clock {
  private offsetMs = 0
  private frozenAt: number | null = null

  constructor(private readonly wall: () => number = Date.now) {}

  now(): number {
    return this.frozenAt ?? this.wall() + this.offsetMs
  }

  state(): ClockState {
    const now = this.now()
    const mode = this.frozenAt !== null ? 'frozen' : this.offsetMs !== 0 ? 'offset' : 'real'
    return { now, iso: new Date(now).toISOString(), mode, offsetMs: now - this.wall() }
  }

  /** Jumps to `time` (epoch ms); a frozen clock stays frozen there. */
  set(time: number): ClockState {
    if (this.frozenAt !== null) this.frozenAt = time
    else this.offsetMs = time - this.wall()
    return this.state()
  }

  advance(ms: number): ClockState {
    if (this.frozenAt !== null) this.frozenAt += ms
    else this.offsetMs += ms
    return this.state()
  }

  freeze(frozen: boolean): ClockState {
    if (frozen && this.frozenAt === null) this.frozenAt = this.now()
    if (!frozen && this.frozenAt !== null) {
      this.offsetMs = this.frozenAt - this.wall()
      this.frozenAt = null
    }
    return this.state()
  }

  reset(): ClockState {
    this.offsetMs = 0
    this.frozenAt = null
    return this.state()
  }
}
