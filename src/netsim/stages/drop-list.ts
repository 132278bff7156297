import { z } from 'zod';
import type { FateScratch } from '../fate.js';
import { numberListText } from './setting.js';
import { defineStage, type Stage } from './stage.js';

export interface DropListSettings {
  /** Packet ordinals (0-based, per direction) that are always dropped. */
  dropList: ReadonlySet<number>;
}

const ORDINAL = 'must be a list of packet ordinals (0, 1, ...)';

/** Drops the packets whose ordinals are listed, whatever else is configured. */
export const dropListStage = defineStage({
  name: 'drop-list',
  settings: {
    dropList: {
      schema: z.array(z.number({ error: ORDINAL }).int({ error: ORDINAL }).min(0, { error: ORDINAL }), { error: ORDINAL }),
      flag: { name: 'drop', value: 'ordinals', help: 'always drop these packet ordinals, e.g. 0,17,40', fromText: numberListText },
      perDirection: true,
    },
  },
  causes: ['drop-list'],
  resolve: (raw): DropListSettings => ({ dropList: new Set(raw.dropList) }),
  create: () => new DropList(),
});

class DropList implements Stage<DropListSettings> {
  private ordinals: ReadonlySet<number> = new Set();

  configure(settings: DropListSettings): void {
    this.ordinals = settings.dropList;
  }

  apply(fate: FateScratch): void {
    if (this.ordinals.has(fate.ordinal)) fate.drop('drop-list');
  }
}
