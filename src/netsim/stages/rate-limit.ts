import { UsageError } from '../../usage-error.js';
import type { FateScratch } from '../fate.js';
import { MAX_WAIT_TEXT, MAX_WAIT_US } from '../limits.js';
import { atMost, bitRate, byteSize } from '../units.js';
import { unit } from './setting.js';
import { defineStage, type Stage } from './stage.js';

/** Queue used when a rate is given without one. */
export const DEFAULT_QUEUE_BYTES = 64 * 1024;

/** The relay holds a copy of every byte queued, so a bigger queue is a memory problem, not a network. */
const MAX_QUEUE_BYTES = 1024 ** 3;

export interface RateLimitSettings {
  /** Bottleneck rate in bit/s; 0 = unlimited. */
  rateBitsPerSec: number;
  /** Drop-tail queue in front of the bottleneck, in bytes. */
  queueBytes: number;
}

/** A bottleneck link of a given bit rate behind a drop-tail byte queue. */
export const rateLimitStage = defineStage({
  name: 'rate-limit',
  settings: {
    rate: { schema: unit(bitRate), flag: { name: 'rate', value: 'bits', help: 'bottleneck rate, e.g. 8mbit' } },
    queue: { schema: unit(atMost(byteSize, MAX_QUEUE_BYTES, '1gb')), flag: { name: 'queue', value: 'bytes', help: 'drop-tail queue in front of the rate limit, e.g. 64kb' } },
  },
  causes: ['queue'],
  // A packet waits for the bytes ahead of it and its own, which the queue bounds: at most the queue's drain time.
  maxDelayUs: MAX_WAIT_US,
  resolve(raw, name): RateLimitSettings {
    if (raw.queue !== undefined && raw.rate === undefined) {
      throw new UsageError(`${name('queue')}: a queue needs a rate to drain it (add rate, e.g. 8mbit)`);
    }
    const rateBitsPerSec = raw.rate ?? 0;
    const queueBytes = raw.rate === undefined ? 0 : (raw.queue ?? DEFAULT_QUEUE_BYTES);
    const drainUs = rateBitsPerSec > 0 ? (queueBytes * 8 * 1e6) / rateBitsPerSec : 0;
    if (drainUs > MAX_WAIT_US) {
      throw new UsageError(
        `${name(raw.queue === undefined ? 'rate' : 'queue')}: at ${rateBitsPerSec} bit/s the queue of ${queueBytes} bytes ` +
          `takes ${Math.round(drainUs / 1e6)}s to drain, more than the ${MAX_WAIT_TEXT} a packet may wait; ` +
          'raise rate or lower queue',
      );
    }
    return { rateBitsPerSec, queueBytes };
  },
  create: () => new RateLimit(),
});

/**
 * Computed, not timed: the link is busy until `busyUntilUs`, and the bytes still ahead of a packet are what the
 * link has not yet sent by then. Its decisions depend on arrival times, so it is the one stage that timing can
 * change; traces record its drops and queueing delay so a replay reproduces them.
 */
class RateLimit implements Stage<RateLimitSettings> {
  private bitsPerUs = 0;
  private queueBytes = 0;
  private busyUntilUs = 0;

  configure(settings: RateLimitSettings): void {
    this.bitsPerUs = settings.rateBitsPerSec / 1e6;
    this.queueBytes = settings.queueBytes;
  }

  apply(fate: FateScratch, datagram: Buffer, nowUs: number): void {
    if (fate.fate !== 'forwarded' || this.bitsPerUs === 0) return;
    const total = fate.duplicated ? 2 * datagram.length : datagram.length;
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
