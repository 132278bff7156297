import type { ImpairmentSettings } from '../config.js';
import type { FateScratch } from '../fate.js';
import type { Stage } from './stage.js';

/**
 * A bottleneck link of a given bit rate behind a drop-tail byte queue. It is computed, not timed: the link is
 * busy until `busyUntilUs`, and the bytes still ahead of a packet are what the link has not yet sent by then.
 * Its decisions depend on arrival times, so it is the one stage that timing can change; traces record its
 * drops and queueing delay so a replay reproduces them.
 */
export class RateLimitStage implements Stage {
  private bitsPerUs = 0;
  private queueBytes = 0;
  private busyUntilUs = 0;

  configure(settings: ImpairmentSettings): void {
    this.bitsPerUs = settings.rateBitsPerSec / 1e6;
    this.queueBytes = settings.queueBytes;
  }

  apply(fate: FateScratch, bytes: number, nowUs: number): void {
    if (fate.fate !== 'forwarded' || this.bitsPerUs === 0) return;
    const total = fate.duplicated ? 2 * bytes : bytes;
    const start = Math.max(nowUs, this.busyUntilUs);
    const backlogBytes = ((start - nowUs) * this.bitsPerUs) / 8;
    if (backlogBytes + total > this.queueBytes) {
      fate.drop('queue');
      return;
    }
    this.busyUntilUs = start + (total * 8) / this.bitsPerUs;
    fate.delayUs += this.busyUntilUs - nowUs;
  }
}
