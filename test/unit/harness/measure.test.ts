import { expect } from 'chai';
import type { FrameMap, FrameOutcome } from '../../../src/harness/frame-map.js';
import { measure } from '../../../src/harness/measure.js';
import { analyzeLoss, ReceivedPackets } from '../../../src/harness/packet-log.js';
import type { SentFrame } from '../../../src/transport/sender.js';

const T0 = 1_700_000_000_000_000;

/** 10 frames at 50 fps (20 ms apart), 2 packets each. */
function sent(): SentFrame[] {
  return Array.from({ length: 10 }, (_, i) => ({ index: i, captureTimeUs: T0 + i * 20_000, packets: 2 }));
}

function outcome(i: number, fate: FrameOutcome['fate'], transitUs = 5_000): FrameOutcome {
  const arrivalUs = fate === 'never-seen' ? undefined : T0 + i * 20_000 + transitUs;
  const o: FrameOutcome = { index: i, complete: fate === 'complete' || fate === 'corrupt', fate, bytesMissing: fate === 'complete' ? 0 : 10 };
  if (arrivalUs !== undefined) o.arrivalUs = arrivalUs;
  if (fate === 'complete') o.latencyMs = transitUs / 1000;
  return o;
}

describe('harness measure', () => {
  it('computes totals, latency percentiles, jitter and loss from the frame map', () => {
    const frames = Array.from({ length: 10 }, (_, i) => outcome(i, 'complete', i % 2 === 0 ? 5_000 : 7_000));
    frames[3] = outcome(3, 'never-seen');
    frames[4] = outcome(4, 'incomplete');
    frames[5] = outcome(5, 'corrupt');
    const map: FrameMap = { frames, duplicates: 1, outOfOrder: 2, unmatched: 0 };
    const received = new ReceivedPackets();
    for (let n = 0; n < 20; n++) if (n !== 6 && n !== 7 && n !== 9) received.mark(n);
    const { metrics, latenciesMs, timeSeries } = measure({
      map, sent: sent(), loss: analyzeLoss(received, 20), fps: 50, receiver: { bitrateMbps: 12.5 },
    });
    expect(metrics).to.include({
      framesSent: 10, framesReceived: 9, framesComplete: 7, framesIncomplete: 1, framesNeverSeen: 1, framesCorrupt: 1,
      framesDuplicate: 1, framesOutOfOrder: 2, deliveredRatio: 0.7, packetsSent: 20, packetsLost: 3, packetLossPct: 15,
      maxLossBurst: 2, throughputMbps: 12.5,
    });
    // The window is 9 intervals plus one: 0.2 s.
    expect(metrics.fpsSent).to.equal(50);
    expect(metrics.fps).to.equal(35);
    expect(latenciesMs).to.deep.equal([5, 5, 5, 5, 7, 7, 7]);
    expect(metrics.latencyP50Ms).to.equal(5);
    expect(metrics.latencyMaxMs).to.equal(7);
    // Complete frames 0,1,2,6,7,8,9 alternate transit 5/7 ms except 2 -> 6 (both 5 ms): |D| = 2,2,0,2,2,2.
    expect(metrics.jitterMs).to.equal(round(10 / 6));
    expect(timeSeries.intervalMs).to.equal(100);
    expect(timeSeries.tSec).to.deep.equal([0, 0.1]);
    // Frames 0-4 captured in the first 100 ms: packets 0-9 with 6, 7, 9 lost.
    expect(timeSeries.lossPct).to.deep.equal([30, 0]);
    expect(timeSeries.fps).to.deep.equal([30, 40]);
    // Nearest-rank medians: [5, 7, 5] and [5, 7, 5, 7].
    expect(timeSeries.latencyMs).to.deep.equal([5, 5]);
  });

  it('leaves latency and jitter unmeasured when nothing arrived', () => {
    const frames = Array.from({ length: 10 }, (_, i) => outcome(i, 'never-seen'));
    const { metrics, timeSeries } = measure({
      map: { frames, duplicates: 0, outOfOrder: 0, unmatched: 0 },
      sent: sent(), loss: analyzeLoss(new ReceivedPackets(), 20), fps: 50, receiver: { bitrateMbps: 0 },
    });
    expect(metrics.framesComplete).to.equal(0);
    expect(metrics.latencyP95Ms).to.equal(undefined);
    expect(metrics.jitterMs).to.equal(undefined);
    expect(metrics.packetLossPct).to.equal(100);
    expect(timeSeries.latencyMs.every((v) => v === null)).to.equal(true);
  });
});

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
