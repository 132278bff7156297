import { z } from 'zod';
import type { FateScratch } from '../fate.js';
import { MAX_WAIT_TEXT, MAX_WAIT_US } from '../limits.js';
import { NORMAL_MAX, Purpose, type KeyedRng } from '../rng.js';
import { atMost, durationUs } from '../units.js';
import { booleanText, choice, unit } from './setting.js';
import { defineStage, type Stage } from './stage.js';

export type DelayDistribution = 'uniform' | 'normal';

export interface DelaySettings {
  delayUs: number;
  /** Uniform: delay +/- jitter. Normal: jitter is the standard deviation. Delays below zero become zero. */
  jitterUs: number;
  distribution: DelayDistribution;
  /** false keeps FIFO order: a packet never leaves before the one sent ahead of it. */
  reorderOnJitter: boolean;
}

const wait = atMost(durationUs, MAX_WAIT_US, MAX_WAIT_TEXT);

/** Delay plus jitter, drawn per ordinal; reordered packets skip it. */
export const delayStage = defineStage({
  name: 'delay',
  settings: {
    delay: { schema: unit(wait), flag: { name: 'delay', value: 'time', help: 'one-way delay, e.g. 40ms' } },
    jitter: { schema: unit(wait), flag: { name: 'jitter', value: 'time', help: 'delay variation, e.g. 10ms' } },
    distribution: { schema: choice(['uniform', 'normal']), flag: { name: 'distribution', value: 'dist', help: 'jitter distribution' } },
    reorderOnJitter: {
      schema: z.boolean({ error: 'must be true or false' }),
      flag: { name: 'reorder-on-jitter', value: 'bool', help: 'false keeps FIFO order under jitter', fromText: booleanText },
    },
  },
  causes: [],
  // Uniform jitter reaches delay + jitter; normal jitter is a standard deviation, and reaches NORMAL_MAX of them.
  maxDelayUs: MAX_WAIT_US + NORMAL_MAX * MAX_WAIT_US,
  resolve: (raw): DelaySettings => ({
    delayUs: raw.delay ?? 0,
    jitterUs: raw.jitter ?? 0,
    distribution: raw.distribution ?? 'uniform',
    reorderOnJitter: raw.reorderOnJitter ?? true,
  }),
  create: (rng) => new Delay(rng),
});

/**
 * Without reorder-on-jitter a packet is held until the one before it has left (FIFO), which, like the rate
 * limit, depends on arrival times.
 */
class Delay implements Stage<DelaySettings> {
  private delayUs = 0;
  private jitterUs = 0;
  private distribution: DelayDistribution = 'uniform';
  private fifo = false;
  private lastDueUs = 0;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: DelaySettings): void {
    this.delayUs = settings.delayUs;
    this.jitterUs = settings.jitterUs;
    this.distribution = settings.distribution;
    this.fifo = !settings.reorderOnJitter;
  }

  apply(fate: FateScratch, _datagram: Buffer, nowUs: number): void {
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
