import { expect } from 'chai';
import { CoverageBitmap } from '../../../src/session/coverage-bitmap.js';
import { seededRandom } from '../rtp/helpers.js';

describe('CoverageBitmap', () => {
  it('counts each unit once, however ranges overlap, against a plain array model', () => {
    const random = seededRandom(3);
    for (const size of [1, 31, 32, 33, 100, 1000]) {
      const bits = new CoverageBitmap(size);
      const model = new Uint8Array(size);
      for (let k = 0; k < 200 && !bits.full; k++) {
        const start = Math.floor(random() * size);
        const count = Math.floor(random() * (size - start + 1));
        bits.mark(start, count);
        model.fill(1, start, start + count);
        expect(bits.marked, `size ${size}`).to.equal(model.reduce((a, b) => a + b, 0));
      }
      bits.mark(0, size);
      expect(bits.full).to.equal(true);
      bits.clear();
      expect(bits.marked).to.equal(0);
    }
  });

  it('lists the runs of units not marked, against a plain array model', () => {
    const random = seededRandom(7);
    for (const size of [1, 31, 32, 33, 64, 100, 1000]) {
      for (let trial = 0; trial < 20; trial++) {
        const bits = new CoverageBitmap(size);
        const model = new Uint8Array(size);
        for (let k = 0; k < 1 + Math.floor(random() * 6); k++) {
          const start = Math.floor(random() * size);
          const count = Math.floor(random() * Math.min(80, size - start + 1));
          bits.mark(start, count);
          model.fill(1, start, start + count);
        }
        const gaps: Array<[number, number]> = [];
        bits.forEachGap((start, count) => gaps.push([start, count]));
        const expected: Array<[number, number]> = [];
        for (let i = 0; i < size;) {
          if (model[i]) { i++; continue; }
          const start = i;
          while (i < size && !model[i]) i++;
          expected.push([start, i - start]);
        }
        expect(gaps, `size ${size}`).to.deep.equal(expected);
      }
    }
  });
});
