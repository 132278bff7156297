import type { FateScratch } from '../fate.js';
import type { Stage } from './stage.js';

/** Drops the packets whose ordinals are listed, whatever else is configured. */
export class DropListStage implements Stage {
  private readonly ordinals: ReadonlySet<number>;

  constructor(ordinals: readonly number[]) {
    this.ordinals = new Set(ordinals);
  }

  configure(): void {}

  apply(fate: FateScratch): void {
    if (this.ordinals.has(fate.ordinal)) fate.drop('drop-list');
  }
}
