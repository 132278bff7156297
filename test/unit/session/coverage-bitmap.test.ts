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
});
