import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import { ratio } from '../units.js';
import { unit } from './setting.js';
import { defineStage, type Stage } from './stage.js';

export interface DuplicateSettings {
  duplicate: number;
}

/** Sends a packet twice, the copy right behind the original. */
export const duplicateStage = defineStage({
  name: 'duplicate',
  settings: {
    duplicate: { schema: unit(ratio), flag: { name: 'duplicate', value: 'ratio', help: 'packet duplication' } },
  },
  causes: [],
  resolve: (raw): DuplicateSettings => ({ duplicate: raw.duplicate ?? 0 }),
  create: (rng) => new Duplicate(rng),
});

class Duplicate implements Stage<DuplicateSettings> {
  private probability = 0;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: DuplicateSettings): void {
    this.probability = settings.duplicate;
  }

  apply(fate: FateScratch): void {
    // Draws are keyed by ordinal, so skipping them at probability 0 changes no other packet's fate.
    if (this.probability > 0 && fate.fate === 'forwarded' && this.rng.uniform(fate.ordinal, Purpose.duplicate) < this.probability) {
      fate.duplicated = true;
    }
  }
}
