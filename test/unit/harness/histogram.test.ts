import { expect } from 'chai';
import { Histogram } from '../../../src/histogram.js';

describe('Histogram', () => {
  it('is exact in its linear range and within 2^-subBits above it, at the default and a finer precision', () => {
    for (const [subBits, bound] of [[6, 1 / 64], [9, 1 / 512]] as const) {
      const h = new Histogram(subBits);
      for (const v of [0, 5, 2 ** (subBits + 1) - 1]) {
        const one = new Histogram(subBits);
        one.record(v);
        one.record(v + 1e9); // max moves away so the percentile is the bucket's, not the maximum
        expect(one.percentile(50), `${v} at ${subBits} bits`).to.equal(v);
      }
      for (let v = 200; v < 2 ** 30; v = Math.floor(v * 1.37)) {
        const one = new Histogram(subBits);
        one.record(v);
        one.record(2 ** 31 - 1);
        expect(Math.abs(one.percentile(50) - v) / v, `${v} at ${subBits} bits`).to.be.at.most(bound);
        h.record(v);
      }
      expect(h.summary().max).to.be.above(2 ** 29);
    }
  });

  it('gives a 40 ms delay to within 80 µs at 9 bits, where the default is off by up to 1.6%', () => {
    const fine = new Histogram(9);
    for (let i = 0; i < 1000; i++) fine.record(40_030 + (i % 7));
    expect(Math.abs(fine.percentile(50) - 40_033)).to.be.at.most(80);
    expect(fine.summary().count).to.equal(1000);
  });
});
