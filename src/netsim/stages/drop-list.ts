import type { FateScratch } from '../fate.js';
import type { Stage } from './stage.js';

/** Drops the packets whose ordinals are listed, whatever else is configured. */
export class DropListStage implements Stage {
  private ordinals: ReadonlySet<number> = new Set();

  /** The list is part of a direction's config, not of its settings, so timeline steps leave it alone. */
  setOrdinals(ordinals: readonly number[]): void {
    this.ordinals = new Set(ordinals);
  }

  configure(): void {}

  apply(fate: FateScratch): void {
    if (this.ordinals.has(fate.ordinal)) fate.drop('drop-list');
  }
}
