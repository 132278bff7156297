import { expect } from 'chai';
import { Direction, KeyedRng, Purpose } from '../../../src/netsim/rng.js';

const N = 100_000;

describe('netsim keyed RNG', () => {
  it('gives the same value for the same key, whatever was drawn before', () => {
    const a = new KeyedRng(42, Direction.forward);
    const b = new KeyedRng(42, Direction.forward);
    const first = a.uniform(1234, Purpose.loss);
    for (let i = 0; i < 100; i++) b.uniform(i, Purpose.duplicate);
    expect(b.uniform(1234, Purpose.loss)).to.equal(first);
    expect(a.uniform(1234, Purpose.loss)).to.equal(first);
  });

  it('changes with the seed, the direction, the ordinal and the purpose', () => {
    const base = new KeyedRng(42, Direction.forward);
    const seq = (rng: KeyedRng, purpose: Purpose) => Array.from({ length: 50 }, (_, n) => rng.uniform(n, purpose));
    const reference = seq(base, Purpose.loss);
    for (const other of [
      seq(new KeyedRng(43, Direction.forward), Purpose.loss),
      seq(new KeyedRng(42 + 2 ** 32, Direction.forward), Purpose.loss),
      seq(new KeyedRng(42, Direction.reverse), Purpose.loss),
      seq(base, Purpose.duplicate),
    ]) {
      const same = other.filter((v, i) => v === reference[i]).length;
      expect(same).to.equal(0);
    }
    expect(new Set(reference).size).to.equal(reference.length);
    expect(base.uniform(2 ** 40, Purpose.loss)).to.not.equal(base.uniform(0, Purpose.loss));
  });

  it('is uniform on [0, 1): mean, chi-square over 100 bins, and no lag-1 correlation', () => {
    const rng = new KeyedRng(7, Direction.forward);
    const bins = new Array<number>(100).fill(0);
    let sum = 0;
    let prev = rng.uniform(0, Purpose.loss);
    let lag = 0;
    for (let n = 0; n < N; n++) {
      const u = rng.uniform(n, Purpose.loss);
      expect(u).to.be.at.least(0).and.below(1);
      bins[Math.floor(u * 100)]!++;
      sum += u;
      lag += (u - 0.5) * (prev - 0.5);
      prev = u;
    }
    expect(sum / N).to.be.closeTo(0.5, 0.005);
    const expected = N / 100;
    const chi2 = bins.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: the 99.9th percentile is about 148.
    expect(chi2).to.be.below(148);
    // Correlation coefficient: covariance over the variance of U(0,1), 1/12.
    expect(Math.abs(lag / N / (1 / 12))).to.be.below(0.02);
  });

  it('draws standard normals', () => {
    const rng = new KeyedRng(9, Direction.forward);
    let sum = 0;
    let sq = 0;
    for (let n = 0; n < N; n++) {
      const z = rng.normal(n, Purpose.jitter, Purpose.jitterPair);
      sum += z;
      sq += z * z;
    }
    expect(sum / N).to.be.closeTo(0, 0.02);
    expect(Math.sqrt(sq / N)).to.be.closeTo(1, 0.02);
  });
});
