import type { ImpairmentSettings } from '../config.js';
import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import type { Stage } from './stage.js';

/**
 * Marks a packet to skip the delay, so it leaves ahead of the packets still waiting (netem's reorder). With no
 * delay configured there is nothing to overtake.
 */
export class ReorderStage implements Stage {
  private probability = 0;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: ImpairmentSettings): void {
    this.probability = settings.reorder;
  }

  apply(fate: FateScratch): void {
    if (this.probability > 0 && fate.fate === 'forwarded' && this.rng.uniform(fate.ordinal, Purpose.reorder) < this.probability) {
      fate.reordered = true;
    }
  }
}
