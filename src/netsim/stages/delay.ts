import type { DelayDistribution, ImpairmentSettings } from '../config.js';
import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import type { Stage } from './stage.js';

/**
 * Delay plus jitter, drawn per ordinal. Reordered packets skip it. Without reorder-on-jitter a packet is held
 * until the one before it has left (FIFO), which, like the rate limit, depends on arrival times.
 */
export class DelayStage implements Stage {
  private delayUs = 0;
  private jitterUs = 0;
  private distribution: DelayDistribution = 'uniform';
  private fifo = false;
  private lastDueUs = 0;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: ImpairmentSettings): void {
    this.delayUs = settings.delayUs;
    this.jitterUs = settings.jitterUs;
    this.distribution = settings.distribution;
    this.fifo = !settings.reorderOnJitter;
  }

  apply(fate: FateScratch, _bytes: number, nowUs: number): void {
    if (fate.fate !== 'forwarded' || fate.reordered) return;
    fate.delayUs += this.draw(fate.ordinal);
    if (this.fifo) {
      const due = Math.max(nowUs + fate.delayUs, this.lastDueUs);
      this.lastDueUs = due;
      fate.delayUs = due - nowUs;
    }
  }

  private draw(ordinal: number): number {
    if (this.jitterUs === 0) return this.delayUs;
    const spread =
      this.distribution === 'normal'
        ? this.rng.normal(ordinal, Purpose.jitter, Purpose.jitterPair)
        : 2 * this.rng.uniform(ordinal, Purpose.jitter) - 1;
    return Math.max(0, Math.round(this.delayUs + spread * this.jitterUs));
  }
}
