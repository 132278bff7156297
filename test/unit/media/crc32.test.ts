import { expect } from 'chai';
import { randomFillSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { crc32, crc32Js } from '../../../src/crc32.js';

describe('crc32', () => {
  for (const [name, fn] of [['crc32Js', crc32Js], ['crc32', crc32]] as const) {
    describe(name, () => {
      it('gives the IEEE check value for "123456789"', () => {
        expect(fn(Buffer.from('123456789'))).to.equal(0xcbf43926);
      });

      it('gives 0 for no bytes and known values for short inputs', () => {
        expect(fn(Buffer.alloc(0))).to.equal(0);
        expect(fn(Buffer.from('a'))).to.equal(0xe8b7be43);
        expect(fn(Buffer.from('The quick brown fox jumps over the lazy dog'))).to.equal(0x414fa339);
      });

      it('continues from a previous CRC like zlib', () => {
        const data = randomFillSync(Buffer.alloc(1001));
        expect(fn(data.subarray(333), fn(data.subarray(0, 333)))).to.equal(fn(data));
      });

      it('matches the CRC zlib writes into a gzip trailer', () => {
        for (const size of [1, 7, 8, 9, 100, 65537]) {
          const data = randomFillSync(Buffer.alloc(size));
          const gz = gzipSync(data);
          expect(fn(data)).to.equal(gz.readUInt32LE(gz.length - 8));
        }
      });

      it('matches the chunk CRCs in a PNG file', () => {
        const png = new PNG({ width: 7, height: 5 });
        randomFillSync(png.data);
        const file = PNG.sync.write(png);
        // Walk the chunks: length(4) type(4) data(length) crc(4); the CRC covers type and data.
        let checked = 0;
        for (let at = 8; at < file.length; ) {
          const length = file.readUInt32BE(at);
          const crc = file.readUInt32BE(at + 8 + length);
          expect(fn(file.subarray(at + 4, at + 8 + length))).to.equal(crc);
          at += 12 + length;
          checked++;
        }
        expect(checked).to.be.at.least(3); // IHDR, IDAT, IEND
      });
    });
  }

  it('pure JS agrees with the exported CRC on every length 0..64 and every tail alignment', () => {
    const data = randomFillSync(Buffer.alloc(4096 + 7));
    for (let n = 0; n <= 64; n++) expect(crc32Js(data.subarray(0, n))).to.equal(crc32(data.subarray(0, n)));
    for (let off = 0; off < 8; off++) expect(crc32Js(data.subarray(off))).to.equal(crc32(data.subarray(off)));
  });
});
