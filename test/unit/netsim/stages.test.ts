import { expect } from 'chai';
import { datagram, drive } from './drive.js';

const N = 20_000;

/** Runs of consecutive lost ordinals. */
function lossBursts(lost: boolean[]): number[] {
  const bursts: number[] = [];
  let run = 0;
  for (const l of lost) {
    if (l) run++;
    else if (run > 0) {
      bursts.push(run);
      run = 0;
    }
  }
  if (run > 0) bursts.push(run);
  return bursts;
}

describe('netsim stages, each alone over 20,000 packets', () => {
  it('bernoulli loss drops the asked share, and nothing else', () => {
    const r = drive({ loss: '10%' });
    const lost = r.fates.filter((f) => f.fate === 'dropped');
    expect(lost.length / N).to.be.closeTo(0.1, 0.01);
    expect(lost.every((f) => f.cause === 'loss')).to.equal(true);
    expect(r.stats.dropped.loss).to.equal(lost.length);
    expect(r.stats.forwarded).to.equal(N - lost.length);
    expect(r.delivered).to.have.length(N - lost.length);
  });

  it('gilbert-elliott (friendly form) gives the mean loss and mean burst length asked', () => {
    const r = drive({ loss: '10%', burst: 5 });
    const lost = r.fates.map((f) => f.fate === 'dropped');
    const bursts = lossBursts(lost);
    const mean = bursts.reduce((a, b) => a + b, 0) / bursts.length;
    expect(lost.filter(Boolean).length / N).to.be.closeTo(0.1, 0.02);
    expect(mean).to.be.closeTo(5, 0.75);
    // Bursty, unlike bernoulli at the same rate, whose mean burst is 1/(1-0.1) = 1.11.
    expect(Math.max(...bursts)).to.be.at.least(15);
  });

  it("gilbert-elliott (netem's p,r,1-h,1-k) gives p/(p+r) loss", () => {
    const r = drive({ ge: '1%,30%,100%,0%' });
    const lost = r.fates.filter((f) => f.fate === 'dropped').length;
    expect(lost / N).to.be.closeTo(0.01 / 0.31, 0.01);
  });

  it('the drop list drops exactly the listed ordinals', () => {
    const r = drive({ dropList: [0, 5, 19_999] });
    expect(r.fates.filter((f) => f.fate === 'dropped').map((f) => [f.ordinal, f.cause])).to.deep.equal([
      [0, 'drop-list'], [5, 'drop-list'], [19_999, 'drop-list'],
    ]);
    expect(r.stats.dropped.dropList).to.equal(3);
  });

  it('duplicate sends the asked share twice, back to back', () => {
    const r = drive({ duplicate: '5%' });
    const dups = r.fates.filter((f) => f.duplicated).length;
    expect(dups / N).to.be.closeTo(0.05, 0.005);
    expect(r.delivered).to.have.length(N + dups);
    expect(r.stats.duplicated).to.equal(dups);
    let pairs = 0;
    for (let i = 1; i < r.delivered.length; i++) if (r.delivered[i]!.equals(r.delivered[i - 1]!)) pairs++;
    expect(pairs).to.equal(dups);
  });

  it('corrupt flips exactly one bit in the asked share, never in the caller buffer', () => {
    const r = drive({ corrupt: '5%' }, { bytes: 200 });
    const corrupted = r.fates.filter((f) => f.corrupted !== null);
    expect(corrupted.length / N).to.be.closeTo(0.05, 0.005);
    expect(r.stats.corrupted).to.equal(corrupted.length);
    let flipped = 0;
    r.delivered.forEach((d, i) => {
      const original = datagram(i, 200);
      let bits = 0;
      for (let b = 0; b < d.length; b++) bits += popcount(d[b]! ^ original[b]!);
      const fate = r.fates[i]!;
      expect(bits).to.equal(fate.corrupted === null ? 0 : 1);
      if (fate.corrupted !== null) {
        expect((d[fate.corrupted >> 3]! ^ original[fate.corrupted >> 3]!) >> (7 - (fate.corrupted & 7))).to.equal(1);
        flipped++;
      }
    });
    expect(flipped).to.equal(corrupted.length);
  });

  it('delay with uniform jitter spreads delays evenly over delay +/- jitter', () => {
    const r = drive({ delay: '40ms', jitter: '10ms' });
    const delays = r.fates.map((f) => f.delayUs);
    expect(Math.min(...delays)).to.be.at.least(30_000);
    expect(Math.max(...delays)).to.be.at.most(50_000);
    expect(mean(delays)).to.be.closeTo(40_000, 200);
    // Measured hold times: the fake clock's setImmediate steps a whole millisecond, so up to 1 ms late.
    expect(r.stats.delayUs.p50).to.be.closeTo(40_000, 1_500);
    // Jitter larger than the packet gap reorders.
    expect(r.stats.reordered).to.be.greaterThan(N / 2);
  });

  it('delay with normal jitter has the asked mean and standard deviation', () => {
    const r = drive({ delay: '50ms', jitter: '5ms', distribution: 'normal' });
    const delays = r.fates.map((f) => f.delayUs);
    const m = mean(delays);
    const sd = Math.sqrt(mean(delays.map((d) => (d - m) ** 2)));
    expect(m).to.be.closeTo(50_000, 200);
    expect(sd).to.be.closeTo(5_000, 200);
  });

  it('delivers at the scheduled time (to the fake clock millisecond)', () => {
    const r = drive({ delay: '40ms', jitter: '10ms' }, { packets: 2000 });
    expect(r.stats.latenessUs.max).to.be.at.most(1_000);
    const heldMs = r.delivered.map((d, i) => r.deliveredAtMs[i]! - (d.readUInt32BE(0) + 1));
    r.delivered.forEach((d, i) => {
      expect(heldMs[i]! * 1000 - r.fates[d.readUInt32BE(0)]!.delayUs).to.be.within(0, 1_000);
    });
  });

  it('reorder-on-jitter false keeps FIFO order', () => {
    const r = drive({ delay: '40ms', jitter: '30ms', reorderOnJitter: false }, { packets: 5000 });
    const order = r.delivered.map((d) => d.readUInt32BE(0));
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    expect(r.stats.reordered).to.equal(0);
  });

  it('reorder-on-jitter false keeps FIFO order when arrivals fall between microseconds', () => {
    const r = drive({ delay: '40ms', jitter: '30ms', reorderOnJitter: false }, { packets: 5000, gapMs: () => 0.3337 });
    const order = r.delivered.map((d) => d.readUInt32BE(0));
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    expect(r.stats.reordered).to.equal(0);
  });

  it('reorder sends the asked share ahead of the packets waiting', () => {
    const r = drive({ delay: '10ms', reorder: '10%' });
    const ahead = r.fates.filter((f) => f.reordered);
    expect(ahead.length / N).to.be.closeTo(0.1, 0.01);
    expect(ahead.every((f) => f.delayUs === 0)).to.equal(true);
    expect(r.stats.reordered).to.equal(ahead.length);
    // A reordered packet arrives before the packets sent just ahead of it.
    const position = new Map(r.delivered.map((d, i) => [d.readUInt32BE(0), i]));
    for (const f of ahead.slice(0, 200)) {
      if (f.ordinal === 0 || r.fates[f.ordinal - 1]!.reordered) continue;
      expect(position.get(f.ordinal)!).to.be.below(position.get(f.ordinal - 1)!);
    }
  });

  it('rate limit delivers at the asked rate and drops the excess at the queue', () => {
    // 1600-byte packets every millisecond: 12.8 Mbit/s offered into 8 Mbit/s.
    const r = drive({ rate: '8mbit', queue: '64kb' }, { bytes: 1600 });
    const span = (r.deliveredAtMs.at(-1)! - r.deliveredAtMs[0]!) / 1000;
    const bits = r.delivered.length * 1600 * 8;
    expect(bits / span / 8e6).to.be.closeTo(1, 0.03);
    expect(r.stats.dropped.queue / N).to.be.closeTo(1 - 8 / 12.8, 0.03);
    expect(r.fates.filter((f) => f.cause === 'queue').length).to.equal(r.stats.dropped.queue);
    // The standing queue is 64 KiB deep: 65,536 bytes at 8 Mbit/s is 65.5 ms.
    expect(r.stats.delayUs.p99).to.be.closeTo(65_536 * 8 / 8, 3_000);
  });

  it('the queue is drop-tail: a burst beyond it loses its tail', () => {
    const r = drive({ rate: '8mbit', queue: '64kb' }, { packets: 100, gapMs: (i) => (i === 0 ? 1 : 0) });
    const kept = Math.floor(65_536 / 1000);
    expect(r.fates.slice(0, kept).every((f) => f.fate === 'forwarded')).to.equal(true);
    expect(r.fates.slice(kept).every((f) => f.cause === 'queue')).to.equal(true);
  });

  it('below the rate nothing is dropped', () => {
    const r = drive({ rate: '8mbit', queue: '64kb' }, { bytes: 500 });
    expect(r.stats.dropped.queue).to.equal(0);
    expect(r.stats.forwarded).to.equal(N);
  });
});

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
