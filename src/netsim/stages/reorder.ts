import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import { ratio } from '../units.js';
import { unit } from './setting.js';
import { defineStage, type Stage } from './stage.js';

export interface ReorderSettings {
  /** Probability that a packet skips the delay and goes out ahead of the packets waiting. */
  reorder: number;
}

/**
 * Marks a packet to skip the delay, so it leaves ahead of the packets still waiting (netem's reorder). With no
 * delay configured there is nothing to overtake.
 */
export const reorderStage = defineStage({
  name: 'reorder',
  settings: {
    reorder: { schema: unit(ratio), flag: { name: 'reorder', value: 'ratio', help: 'send this share of packets ahead of the delay queue' } },
  },
  causes: [],
  resolve: (raw): ReorderSettings => ({ reorder: raw.reorder ?? 0 }),
  create: (rng) => new Reorder(rng),
});

class Reorder implements Stage<ReorderSettings> {
  private probability = 0;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: ReorderSettings): void {
    this.probability = settings.reorder;
  }

  apply(fate: FateScratch): void {
    if (this.probability > 0 && fate.fate === 'forwarded' && this.rng.uniform(fate.ordinal, Purpose.reorder) < this.probability) {
      fate.reordered = true;
    }
  }
}
