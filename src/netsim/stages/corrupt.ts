import type { ImpairmentSettings } from '../config.js';
import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import type { Stage } from './stage.js';

/** Picks one bit of the datagram to flip (the chain flips it). Empty datagrams have nothing to corrupt. */
export class CorruptStage implements Stage {
  private probability = 0;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: ImpairmentSettings): void {
    this.probability = settings.corrupt;
  }

  apply(fate: FateScratch, bytes: number): void {
    if (this.probability === 0 || fate.fate !== 'forwarded' || bytes === 0) return;
    if (this.rng.uniform(fate.ordinal, Purpose.corrupt) < this.probability) {
      fate.corrupted = Math.floor(this.rng.uniform(fate.ordinal, Purpose.corruptBit) * bytes * 8);
    }
  }
}

/** Flips bit `bit` (0 = most significant bit of byte 0). */
export function flipBit(data: Buffer, bit: number): void {
  data[bit >>> 3] = data[bit >>> 3]! ^ (0x80 >>> (bit & 7));
}
