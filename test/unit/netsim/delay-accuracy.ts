import { createImpairmentChain } from '../../../src/netsim/chain.js';
import { parseNetworkConfig } from '../../../src/netsim/config.js';
import type { PacketFate } from '../../../src/netsim/fate.js';
import { percentile } from '../../../src/metrics.js';

export interface DelayAccuracy {
  packets: number;
  /** |actual - scheduled| delay, microseconds. */
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/**
 * Pushes `rate` packets a second for `seconds` through a chain with delay and jitter on real timers, and
 * compares each packet's actual time in the chain with the delay it was given.
 */
export async function measureDelayAccuracy(rate = 2000, seconds = 2): Promise<DelayAccuracy> {
  const total = rate * seconds;
  const pushedAt = new Float64Array(total);
  const errors: number[] = [];
  const fates: PacketFate[] = [];
  const chain = createImpairmentChain(parseNetworkConfig({ delay: '20ms', jitter: '5ms' }), {
    seed: 3,
    deliver: (d) => {
      const i = d.readUInt32BE(0);
      const actualUs = (performance.now() - pushedAt[i]!) * 1000;
      errors.push(Math.abs(actualUs - fates[i]!.delayUs));
    },
    record: (f) => fates.push(f),
  });
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      for (; sent < due; sent++) {
        const d = Buffer.alloc(1200);
        d.writeUInt32BE(sent, 0);
        pushedAt[sent] = performance.now();
        chain.push(d, true);
      }
      if (sent === total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await chain.drain();
  chain.close();
  const sorted = Float64Array.from(errors).sort();
  return { packets: errors.length, p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99), maxUs: sorted.at(-1)! };
}
