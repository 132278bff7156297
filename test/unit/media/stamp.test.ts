import { expect } from 'chai';
import sharp from 'sharp';
import type { Frame, FrameGeometry, PixelFormat } from '../../../src/frame.js';
import { frameBytes, lineBytes } from '../../../src/frame.js';
import { rgb24Bytes, rgb24ToFormat } from '../../../src/pixels.js';
import { drawNoise, drawSmpte } from '../../../src/sources/patterns.js';
import { createSource } from '../../../src/sources/spec.js';
import { crcBelowStamp, readStamp, stampRows, writeStamp } from '../../../src/stamp.js';
import { takeFrames } from './helpers.js';

const CAPTURE_US = 1_732_406_400_123_456; // a 2024 wall clock in µs: 51 bits, tests the high word

/** A frame of colour bars in the given format. */
function barsFrame(g: FrameGeometry, index = 7, captureTimeUs = CAPTURE_US): Frame {
  const rgb = new Uint8Array(rgb24Bytes(g));
  drawSmpte(rgb, g.width, g.height);
  const data = Buffer.alloc(frameBytes(g));
  rgb24ToFormat(rgb, g, data);
  return { ...g, data, index, captureTimeUs };
}

function noiseFrame(g: FrameGeometry, seed: number): Frame {
  const data = Buffer.from(new ArrayBuffer(frameBytes(g)));
  const words = Math.floor(data.length / 4);
  drawNoise(new Uint32Array(data.buffer, 0, words), data.subarray(words * 4), seed, 0);
  return { ...g, data, index: 0, captureTimeUs: 0 };
}

async function jpegRoundTrip(frame: Frame, quality: number): Promise<Frame> {
  const jpeg = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).to.equal(3);
  return { ...frame, data };
}

const SIZES: [number, number][] = [[64, 48], [160, 120], [161, 120], [320, 240], [1920, 1080]];

describe('stamp', () => {
  describe('stampRows', () => {
    it('fits in the top 16 rows at 160x120', () => {
      expect(stampRows({ width: 160, height: 120, format: 'rgb24' })).to.equal(16);
    });

    it('is 0 when the frame is too narrow or leaves no row below the stamp', () => {
      expect(stampRows({ width: 63, height: 480, format: 'rgb24' })).to.equal(0);
      const rows = stampRows({ width: 64, height: 48, format: 'rgb24' });
      expect(rows).to.be.greaterThan(0);
      expect(stampRows({ width: 64, height: rows, format: 'rgb24' })).to.equal(0);
      expect(stampRows({ width: 64, height: rows + 1, format: 'rgb24' })).to.equal(rows);
    });

    it('is the same for rgb24 and uyvy', () => {
      for (const [width, height] of [[64, 48], [160, 120], [1920, 1080]]) {
        expect(stampRows({ width, height, format: 'uyvy' })).to.equal(stampRows({ width, height, format: 'rgb24' }));
      }
    });

    it('writeStamp refuses a frame too small to stamp', () => {
      const g: FrameGeometry = { width: 32, height: 32, format: 'rgb24' };
      expect(() => writeStamp({ ...g, data: Buffer.alloc(frameBytes(g)), index: 0, captureTimeUs: 0 })).to.throw(RangeError);
    });
  });

  for (const format of ['rgb24', 'uyvy'] as PixelFormat[]) {
    for (const [width, height] of SIZES) {
      if (format === 'uyvy' && width % 2) continue;
      it(`round-trips exactly in ${format} ${width}x${height}`, () => {
        const frame = barsFrame({ width, height, format }, 0xfedcba98, CAPTURE_US);
        const below = Buffer.from(frame.data.subarray(stampRows(frame) * lineBytes(frame)));
        writeStamp(frame);
        expect(readStamp(frame)).to.deep.equal({ index: 0xfedcba98, captureTimeUs: CAPTURE_US, intact: true });
        // The stamp touches only its own rows.
        expect(frame.data.subarray(stampRows(frame) * lineBytes(frame)).equals(below)).to.equal(true);
      });
    }
  }

  it('round-trips the extremes of index and capture time', () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
    for (const [index, t] of [[0, 0], [0xffffffff, Number.MAX_SAFE_INTEGER], [1, 2 ** 32], [123, 2 ** 32 - 1]]) {
      const frame = barsFrame(g, index, t);
      writeStamp(frame);
      expect(readStamp(frame)).to.deep.equal({ index, captureTimeUs: t, intact: true });
    }
  });

  it('skips the pixel check when asked (a frame with holes), still decoding index and time', () => {
    const frame = barsFrame({ width: 160, height: 120, format: 'rgb24' }, 9, 1234);
    writeStamp(frame);
    expect(readStamp(frame, false)).to.deep.equal({ index: 9, captureTimeUs: 1234, intact: false });
    expect(readStamp(frame)).to.deep.equal({ index: 9, captureTimeUs: 1234, intact: true });
  });

  it('uses a given pixel CRC instead of computing one', () => {
    const frame = barsFrame({ width: 160, height: 120, format: 'rgb24' });
    writeStamp(frame, (crcBelowStamp(frame) ^ 1) >>> 0);
    expect(readStamp(frame)?.intact).to.equal(false);
    writeStamp(frame, crcBelowStamp(frame));
    expect(readStamp(frame)?.intact).to.equal(true);
  });

  for (const format of ['rgb24', 'uyvy'] as PixelFormat[]) {
    it(`reports intact: false when one byte below the stamp changes (${format})`, () => {
      const frame = barsFrame({ width: 160, height: 120, format });
      writeStamp(frame);
      frame.data[frame.data.length - 1] ^= 0x01;
      expect(readStamp(frame)).to.deep.equal({ index: 7, captureTimeUs: CAPTURE_US, intact: false });
      frame.data[stampRows(frame) * lineBytes(frame)] ^= 0x80;
      expect(readStamp(frame)?.intact).to.equal(false);
    });
  }

  it('is not found when a stamp block is flipped (the check code catches it)', () => {
    const frame = barsFrame({ width: 160, height: 120, format: 'rgb24' });
    writeStamp(frame);
    // Invert the top-left pixel row of block 40 (second block row, inside the index field).
    const stride = lineBytes(frame);
    for (let y = 4; y < 8; y++) for (let b = 0; b < 12; b++) frame.data[y * stride + b] ^= 0xff;
    expect(readStamp(frame)).to.equal(undefined);
  });

  describe('after a JPEG quality 75 round trip', () => {
    for (const [width, height] of [[160, 120], [161, 120], [320, 240], [1920, 1080]]) {
      it(`still gives index and capture time, not intact (${width}x${height})`, async () => {
        const frames = await takeFrames(await createSource('pattern:ball', { width, height, format: 'rgb24' }), 50);
        for (const frame of frames.filter((f) => f.index % 10 === 9)) {
          const jpeg = await jpegRoundTrip(frame, 75);
          expect(jpeg.data.equals(frame.data)).to.equal(false);
          expect(readStamp(jpeg)).to.deep.equal({ index: frame.index, captureTimeUs: frame.captureTimeUs, intact: false });
        }
      });
    }

    it('survives on seeded noise at 160x120, the hardest background', async () => {
      const frame = { ...noiseFrame({ width: 160, height: 120, format: 'rgb24' }, 5), index: 42, captureTimeUs: CAPTURE_US };
      writeStamp(frame);
      expect(readStamp(await jpegRoundTrip(frame, 75))).to.deep.equal({ index: 42, captureTimeUs: CAPTURE_US, intact: false });
    });
  });

  describe('on unstamped images', () => {
    it('finds nothing in colour bars', () => {
      for (const [width, height] of SIZES) {
        expect(readStamp(barsFrame({ width, height, format: 'rgb24' }))).to.equal(undefined);
        if (width % 2 === 0) expect(readStamp(barsFrame({ width, height, format: 'uyvy' }))).to.equal(undefined);
      }
    });

    it('finds nothing in 200 seeded noise frames', () => {
      for (let seed = 0; seed < 200; seed++) {
        expect(readStamp(noiseFrame({ width: 160, height: 120, format: 'rgb24' }, seed))).to.equal(undefined);
      }
    });

    it('finds nothing in black, white or the fixture photo', async () => {
      const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
      expect(readStamp({ ...g, data: Buffer.alloc(frameBytes(g)), index: 0, captureTimeUs: 0 })).to.equal(undefined);
      expect(readStamp({ ...g, data: Buffer.alloc(frameBytes(g), 255), index: 0, captureTimeUs: 0 })).to.equal(undefined);
      const photo = await sharp('fixtures/images/01-photo.png').raw().toBuffer();
      expect(readStamp({ ...g, data: photo, index: 0, captureTimeUs: 0 })).to.equal(undefined);
    });

    it('finds nothing in a frame shorter than its geometry', () => {
      const frame = barsFrame({ width: 160, height: 120, format: 'rgb24' });
      writeStamp(frame);
      expect(readStamp({ ...frame, data: frame.data.subarray(0, frame.data.length - 1) })).to.equal(undefined);
    });
  });
});
