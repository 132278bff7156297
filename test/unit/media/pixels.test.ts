import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { asRgb24, rgb24Bytes, rgb24ToFormat, rgb24ToUyvy, uyvyToRgb24 } from '../../../src/pixels.js';
import { drawSmpte } from '../../../src/sources/patterns.js';

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).to.equal(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function hasFfmpeg(): boolean {
  try {
    execFileSync('ffmpeg', ['-hide_banner', '-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('pixels', () => {
  it('converts black, white and grey to the limited-range values and back exactly', () => {
    const rgb = Buffer.from([0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 128, 128, 128, 128, 128, 128]);
    const uyvy = Buffer.alloc(12);
    rgb24ToUyvy(rgb, uyvy, 6, 1);
    expect([...uyvy]).to.deep.equal([128, 16, 128, 16, 128, 235, 128, 235, 128, 126, 128, 126]);
    const back = Buffer.alloc(18);
    uyvyToRgb24(uyvy, back, 6, 1);
    expect(maxDiff(back, rgb)).to.be.at.most(1);
    expect([...back.subarray(0, 12)]).to.deep.equal([...rgb.subarray(0, 12)]);
  });

  it('round-trips pixel pairs of one colour within 2 per channel', () => {
    // 4:2:2 shares chroma between two pixels, so only pairs of one colour can round-trip closely.
    const width = 512;
    const rgb = Buffer.alloc(width * 3);
    const colours = randomFillSync(Buffer.alloc((width / 2) * 3));
    for (let p = 0; p < width / 2; p++) {
      colours.copy(rgb, p * 6, p * 3, p * 3 + 3);
      colours.copy(rgb, p * 6 + 3, p * 3, p * 3 + 3);
    }
    // Saturated colours fall outside what limited-range YCbCr round-trips without clipping; use 16..235.
    for (let i = 0; i < rgb.length; i++) rgb[i] = 16 + Math.round((rgb[i] * 219) / 255);
    const uyvy = Buffer.alloc(width * 2);
    rgb24ToUyvy(rgb, uyvy, width, 1);
    const back = Buffer.alloc(rgb.length);
    uyvyToRgb24(uyvy, back, width, 1);
    expect(maxDiff(back, rgb)).to.be.at.most(2);
  });

  describe('against FFmpeg swscale on colour bars', () => {
    const [width, height] = [320, 240];
    const ffmpeg = (input: Buffer, from: string, to: string): Buffer =>
      execFileSync(
        'ffmpeg',
        ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', from, '-s', `${width}x${height}`, '-i', '-',
          '-f', 'rawvideo', '-pix_fmt', to, '-'],
        { input, maxBuffer: 16 << 20 },
      );
    const bars = Buffer.alloc(rgb24Bytes({ width, height, format: 'rgb24' }));
    drawSmpte(bars, width, height);

    before(function () {
      if (!hasFfmpeg()) this.skip();
    });

    it('rgb24 -> uyvy422 within 2', () => {
      const ours = Buffer.alloc(width * height * 2);
      rgb24ToUyvy(bars, ours, width, height);
      expect(maxDiff(ours, ffmpeg(bars, 'rgb24', 'uyvy422'))).to.be.at.most(2);
    });

    // swscale's yuv -> rgb tables land 1-2 (at worst 3) below the exact integer formula we use.
    it('uyvy422 -> rgb24 within 3', () => {
      const uyvy = ffmpeg(bars, 'rgb24', 'uyvy422');
      const ours = Buffer.alloc(bars.length);
      uyvyToRgb24(uyvy, ours, width, height);
      expect(maxDiff(ours, ffmpeg(uyvy, 'uyvy422', 'rgb24'))).to.be.at.most(3);
    });
  });

  it('asRgb24 returns rgb24 frames as they are and converts uyvy into the scratch buffer', () => {
    const rgb = Buffer.from([10, 20, 30, 10, 20, 30]);
    const scratch = Buffer.alloc(6);
    const same = asRgb24({ width: 2, height: 1, format: 'rgb24' }, rgb, scratch);
    expect(same.buffer).to.equal(rgb.buffer);
    const uyvy = Buffer.alloc(4);
    rgb24ToFormat(rgb, { width: 2, height: 1, format: 'uyvy' }, uyvy);
    const out = asRgb24({ width: 2, height: 1, format: 'uyvy' }, uyvy, scratch);
    expect(out.buffer).to.equal(scratch.buffer);
    expect(maxDiff(out, rgb)).to.be.at.most(2);
  });
});
