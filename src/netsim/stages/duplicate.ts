import type { ImpairmentSettings } from '../config.js';
import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import type { Stage } from './stage.js';

/** Sends a packet twice, the copy right behind the original. */
export class DuplicateStage implements Stage {
  private probability = 0;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: ImpairmentSettings): void {
    this.probability = settings.duplicate;
  }

  apply(fate: FateScratch): void {
    // Draws are keyed by ordinal, so skipping them at probability 0 changes no other packet's fate.
    if (this.probability > 0 && fate.fate === 'forwarded' && this.rng.uniform(fate.ordinal, Purpose.duplicate) < this.probability) {
      fate.duplicated = true;
    }
  }
}
