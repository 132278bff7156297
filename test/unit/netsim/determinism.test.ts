import { expect } from 'chai';
import { createImpairmentChain } from '../../../src/netsim/chain.js';
import { parseNetworkConfig } from '../../../src/netsim/config.js';
import type { PacketFate } from '../../../src/netsim/fate.js';
import { Direction, KeyedRng, Purpose } from '../../../src/netsim/rng.js';
import { datagram, drive } from './drive.js';

const EVERYTHING = {
  loss: '3%', burst: 3, delay: '20ms', jitter: '8ms', distribution: 'normal',
  duplicate: '2%', corrupt: '2%', reorder: '2%', dropList: [10, 11],
};
const N = 5000;

/** Irregular arrival gaps: 0 to 4 ms, different for every packet. */
const irregular = (i: number): number => Math.floor(new KeyedRng(99, Direction.forward).uniform(i, Purpose.loss) * 5);

describe('netsim determinism', () => {
  it('same seed, same packets -> the same fate for every packet', () => {
    const a = drive(EVERYTHING, { seed: 5, packets: N });
    const b = drive(EVERYTHING, { seed: 5, packets: N });
    expect(b.fates).to.deep.equal(a.fates);
    expect(b.delivered).to.deep.equal(a.delivered);
    expect(a.fates.some((f) => f.fate === 'dropped')).to.equal(true);
    expect(a.fates.some((f) => f.duplicated) && a.fates.some((f) => f.corrupted !== null)).to.equal(true);
  });

  it('another seed -> different fates', () => {
    const a = drive(EVERYTHING, { seed: 5, packets: N });
    const b = drive(EVERYTHING, { seed: 6, packets: N });
    const dropped = (fates: PacketFate[]) => fates.filter((f) => f.fate === 'dropped').map((f) => f.ordinal);
    expect(dropped(b.fates)).to.not.deep.equal(dropped(a.fates));
    const sameDelay = a.fates.filter((f, i) => f.delayUs === b.fates[i]!.delayUs).length;
    expect(sameDelay).to.be.below(N / 10);
  });

  it('different arrival timing -> the same fates (every stage but the rate limit)', () => {
    const steady = drive(EVERYTHING, { seed: 5, packets: N });
    const bursty = drive(EVERYTHING, { seed: 5, packets: N, gapMs: irregular });
    const allAtOnce = drive(EVERYTHING, { seed: 5, packets: N, gapMs: () => 0 });
    expect(bursty.fates).to.deep.equal(steady.fates);
    expect(allAtOnce.fates).to.deep.equal(steady.fates);
  });

  it('the fate of a packet does not depend on the packets before it', () => {
    // Same seed, but the first run sees 1000 more packets first: ordinals, not call order, key the draws.
    const a = drive({ loss: '10%' }, { seed: 5, packets: 3000 });
    const b = drive({ loss: '10%' }, { seed: 5, packets: 2000 });
    expect(a.fates.slice(0, 2000)).to.deep.equal(b.fates);
  });

  it('record then replay applies exactly the recorded fates, rate-limit drops included', () => {
    const config = { ...EVERYTHING, rate: '3mbit', queue: '16kb' }; // offered: about 4 Mbit/s
    const recorded = drive(config, { seed: 5, packets: N, gapMs: irregular });
    expect(recorded.stats.dropped.queue).to.be.greaterThan(0);
    const trace = new Map(recorded.fates.map((f) => [f.ordinal, f]));
    // Replayed with other timing, another seed and no impairments configured: the trace alone decides.
    const replayed = drive({}, { seed: 77, packets: N, replay: trace });
    expect(replayed.fates).to.deep.equal(recorded.fates);
    expect(replayed.stats.dropped).to.deep.equal(recorded.stats.dropped);
    expect(replayed.stats.corrupted).to.equal(recorded.stats.corrupted);
    const sorted = (bufs: Buffer[]) => bufs.map((b) => b.toString('hex')).sort();
    expect(sorted(replayed.delivered)).to.deep.equal(sorted(recorded.delivered));
  });

  it('replaying a short trace forwards the rest untouched and counts them', () => {
    const trace = new Map<number, PacketFate>([[0, { ordinal: 0, fate: 'dropped', cause: 'loss', duplicated: false, corrupted: null, reordered: false, delayUs: 0 }]]);
    const r = drive({ loss: '50%' }, { packets: 10, replay: trace });
    expect(r.stats.dropped.loss).to.equal(1);
    expect(r.stats.forwarded).to.equal(9);
    expect(r.stats.unreplayed).to.equal(9);
  });

  it('counts a replayed fate that does not fit its datagram as a replay error, and corrupts nothing', () => {
    // A 6-byte datagram has 48 bits: bit 100 is beyond its end.
    const trace = new Map<number, PacketFate>([
      [0, { ordinal: 0, fate: 'forwarded', duplicated: false, corrupted: 100, reordered: false, delayUs: 0 }],
      [1, { ordinal: 1, fate: 'forwarded', duplicated: false, corrupted: 47, reordered: false, delayUs: 0 }],
    ]);
    const r = drive({}, { packets: 2, bytes: 6, replay: trace });
    expect(r.stats).to.include({ forwarded: 2, corrupted: 1, replayErrors: 1 });
    expect(r.delivered[0]!.equals(datagram(0, 6))).to.equal(true);
    expect(r.delivered[1]!.equals(datagram(1, 6))).to.equal(false);
  });

  it('counts a replayed drop whose cause no stage gives as a replay error', () => {
    const trace = new Map<number, PacketFate>([
      [0, { ordinal: 0, fate: 'dropped', cause: 'gremlins', duplicated: false, corrupted: null, reordered: false, delayUs: 0 }],
    ]);
    const r = drive({}, { packets: 1, replay: trace });
    expect(r.stats).to.include({ received: 1, forwarded: 0, replayErrors: 1 });
    expect(r.stats.dropped).to.deep.equal({ loss: 0, queue: 0, dropList: 0 });
  });

  it('timeline steps take effect at their time since the first packet', () => {
    const r = drive(
      { delay: '5ms', timeline: [{ at: '1s', loss: '100%' }, { at: '2s', loss: 0, delay: '1ms' }] },
      { packets: 3000 },
    );
    // Packet i arrives at (i + 1) ms; the first at 1 ms.
    const lost = r.fates.filter((f) => f.fate === 'dropped').map((f) => f.ordinal);
    expect(lost).to.deep.equal(Array.from({ length: 1000 }, (_, k) => 1000 + k));
    expect(r.fates[999]!.delayUs).to.equal(5_000);
    expect(r.fates[2000]!.delayUs).to.equal(1_000);
  });
});

describe('netsim chain', () => {
  it('sends a datagram with no delay straight through, without copying', () => {
    const seen: Buffer[] = [];
    const chain = createImpairmentChain(parseNetworkConfig({}), { seed: 1, deliver: (d) => seen.push(d) });
    const d = datagram(0, 100);
    chain.push(d);
    expect(seen).to.have.length(1);
    expect(seen[0]).to.equal(d);
    chain.close();
  });

  it('copies a datagram it must hold, unless the caller gives it away', async () => {
    const seen: Buffer[] = [];
    const chain = createImpairmentChain(parseNetworkConfig({ delay: '2ms' }), {
      seed: 1,
      deliver: (d) => seen.push(Buffer.from(d)),
    });
    const lent = datagram(1, 100);
    chain.push(lent);
    lent.fill(0); // the caller reuses its buffer at once
    const given = datagram(2, 100);
    chain.push(given, true);
    expect(chain.pending).to.equal(2);
    await chain.drain();
    expect(seen.map((d) => d.readUInt32BE(0))).to.deep.equal([1, 2]);
    chain.close();
  });

  it('holds a packet due beyond the reach of a Node timer without a timer overflow warning', async () => {
    // Node turns a timeout above 2^31-1 ms into 1 ms and warns each time: a chain re-arming for such a packet
    // would print a TimeoutOverflowWarning every millisecond. A replayed fate is the one way a delay that long
    // reaches the chain without a setting refusing it.
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    const fate: PacketFate = { ordinal: 0, fate: 'forwarded', duplicated: false, corrupted: null, reordered: false, delayUs: 1e15 };
    const chain = createImpairmentChain(parseNetworkConfig({}), {
      seed: 1,
      deliver: () => expect.fail('not due for 31 years'),
      replay: new Map([[0, fate]]),
    });
    try {
      chain.push(datagram(0, 10));
      // The warning is emitted on the next tick after the timer is armed; give it a few turns of the event loop.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).to.not.include('TimeoutOverflowWarning');
      expect(chain.pending).to.equal(1);
    } finally {
      chain.close();
      process.off('warning', onWarning);
    }
  });

  it('counts what was still waiting at close as discarded', () => {
    const chain = createImpairmentChain(parseNetworkConfig({ delay: '10s', duplicate: '100%' }), {
      seed: 1,
      deliver: () => expect.fail('nothing is due'),
    });
    for (let i = 0; i < 5; i++) chain.push(datagram(i, 10));
    expect(chain.stats.pending).to.equal(10);
    chain.close();
    chain.push(datagram(5, 10));
    expect(chain.stats).to.include({ received: 6, forwarded: 0, pending: 0, discarded: 11 });
  });
});
