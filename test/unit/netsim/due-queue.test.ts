import { expect } from 'chai';
import { DueQueue } from '../../../src/netsim/due-queue.js';
import { Histogram } from '../../../src/histogram.js';
import { Direction, KeyedRng, Purpose } from '../../../src/netsim/rng.js';

describe('netsim due queue', () => {
  it('pops by due time, and in insertion order among equal times', () => {
    const q = new DueQueue<{ dueUs: number; seq: number; id: number }>();
    const rng = new KeyedRng(1, Direction.forward);
    for (let id = 0; id < 2000; id++) q.push({ dueUs: Math.floor(rng.uniform(id, Purpose.jitter) * 50), seq: 0, id });
    let last = { dueUs: -1, id: -1 };
    let count = 0;
    for (let e = q.pop(); e; e = q.pop()) {
      expect(e.dueUs > last.dueUs || (e.dueUs === last.dueUs && e.id > last.id)).to.equal(true);
      last = e;
      count++;
    }
    expect(count).to.equal(2000);
    expect(q.peekDue()).to.equal(Infinity);
  });
});

describe('netsim histogram', () => {
  it('gives exact small percentiles and close large ones', () => {
    const h = new Histogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    expect(h.percentile(50)).to.equal(50);
    expect(h.percentile(99)).to.equal(99);
    const big = new Histogram();
    for (let v = 1; v <= 100_000; v++) big.record(v * 10);
    expect(big.percentile(50)).to.be.closeTo(500_000, 500_000 * 0.016);
    expect(big.percentile(99)).to.be.closeTo(990_000, 990_000 * 0.016);
    expect(big.summary().max).to.equal(1_000_000);
    expect(new Histogram().summary()).to.deep.equal({ count: 0, p50: 0, p99: 0, max: 0 });
  });
});
