/** Message ids (`messageid`): 16 random bytes shown in hex. */
import type { RandomSource } from '../ports'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The hex text of the 16-byte message id at `offset` in `pool`. */
export function messageIdText(pool: Uint8Array, offset: number): string {
  const parts = new Array<string>(16)
  for (let i = 0; i < 16; i++) parts[i] = HEX[pool[offset + i]!]!
  return parts.join('')
}

/**
 * Message ids: 16 random bytes each, fetched in batches (one call per 256 ids). An exchange keeps
 * the batch and its offset; the hex text is made when someone reads it (most ids never are).
 */
export class MessageIds {
  pool: Uint8Array = new Uint8Array(0)
  private offset = 0

  constructor(private readonly random: RandomSource) {}

  /** Reserves the next id: its offset in `this.pool`, read after this call. */
  reserve(): number {
    if (this.offset + 16 > this.pool.length) {
      this.pool = this.random.bytes(16 * 256)
      this.offset = 0
    }
    const offset = this.offset
    this.offset += 16
    return offset
  }
}
