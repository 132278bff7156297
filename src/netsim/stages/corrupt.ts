import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import { ratio } from '../units.js';
import { unit } from './setting.js';
import { defineStage, type Stage } from './stage.js';

export interface CorruptSettings {
  corrupt: number;
}

/** Picks one bit of the datagram to flip (the chain flips it). Empty datagrams have nothing to corrupt. */
export const corruptStage = defineStage({
  name: 'corrupt',
  settings: {
    corrupt: { schema: unit(ratio), flag: { name: 'corrupt', value: 'ratio', help: 'flip one random bit in this share of packets' } },
  },
  causes: [],
  resolve: (raw): CorruptSettings => ({ corrupt: raw.corrupt ?? 0 }),
  create: (rng) => new Corrupt(rng),
});

class Corrupt implements Stage<CorruptSettings> {
  private probability = 0;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: CorruptSettings): void {
    this.probability = settings.corrupt;
  }

  apply(fate: FateScratch, datagram: Buffer): void {
    const bytes = datagram.length;
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
