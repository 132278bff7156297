import { expect } from 'chai';
import type { FrameGeometry, PixelFormat } from '../../../src/frame.js';
import { frameBytes, lineBytes, nowUs } from '../../../src/frame.js';
import { uyvyToRgb24 } from '../../../src/pixels.js';
import { ballCentre } from '../../../src/sources/patterns.js';
import { createSource } from '../../../src/sources/spec.js';
import { readStamp, stampRows } from '../../../src/stamp.js';
import { takeFrames } from './helpers.js';

const NAMES = ['smpte', 'gradient', 'checkers', 'ball', 'noise', 'solid:ff8000'];

/** The bytes below the stamp: the picture itself. */
function picture(data: Buffer, g: FrameGeometry): Buffer {
  return data.subarray(stampRows(g) * lineBytes(g), frameBytes(g));
}

describe('pattern source', () => {
  for (const format of ['rgb24', 'uyvy'] as PixelFormat[]) {
    for (const name of NAMES) {
      it(`pattern:${name} gives ${format} frames with intact stamps and increasing indices`, async () => {
        const g: FrameGeometry = { width: 160, height: 120, format };
        const before = nowUs();
        const source = await createSource(`pattern:${name}`, { ...g, seed: 1 });
        expect(source.geometry).to.deep.equal(g);
        expect(source.description).to.equal(`pattern:${name} 160x120 ${format}`);
        const frames = await takeFrames(source, 4);
        frames.forEach((frame, i) => {
          expect(frame).to.include({ width: 160, height: 120, format, index: i });
          expect(frame.data.length).to.equal(frameBytes(g));
          expect(frame.captureTimeUs).to.be.within(before, nowUs());
          expect(readStamp(frame)).to.deep.equal({ index: i, captureTimeUs: frame.captureTimeUs, intact: true });
        });
      });
    }
  }

  it('stamps at other sizes too (64x48, 161x120 rgb24, 1920x1080)', async () => {
    for (const g of [
      { width: 64, height: 48, format: 'rgb24' },
      { width: 161, height: 120, format: 'rgb24' },
      { width: 1920, height: 1080, format: 'uyvy' },
    ] as FrameGeometry[]) {
      const frames = await takeFrames(await createSource('pattern:smpte', g), 2);
      expect(frames.map((f) => readStamp(f)?.index)).to.deep.equal([0, 1]);
    }
  });

  it('sends frames too small for a stamp unstamped', async () => {
    const [frame] = await takeFrames(await createSource('pattern:solid:102030', { width: 32, height: 16, format: 'rgb24' }), 1);
    expect([...frame.data.subarray(0, 6)]).to.deep.equal([0x10, 0x20, 0x30, 0x10, 0x20, 0x30]);
    expect(frame.data.every((v, i) => v === [0x10, 0x20, 0x30][i % 3])).to.equal(true);
  });

  it('pattern:solid is the exact colour below the stamp', async () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
    const [frame] = await takeFrames(await createSource('pattern:solid:ff8000', g), 1);
    const below = picture(frame.data, g);
    expect(below.every((v, i) => v === [0xff, 0x80, 0x00][i % 3])).to.equal(true);
  });

  it('pattern:noise is the same for the same seed and differs per seed and per frame', async () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
    const a = await takeFrames(await createSource('pattern:noise', { ...g, seed: 7 }), 2);
    const b = await takeFrames(await createSource('pattern:noise', { ...g, seed: 7 }), 2);
    const c = await takeFrames(await createSource('pattern:noise', { ...g, seed: 8 }), 2);
    expect(picture(a[0].data, g).equals(picture(b[0].data, g))).to.equal(true);
    expect(picture(a[1].data, g).equals(picture(b[1].data, g))).to.equal(true);
    expect(picture(a[0].data, g).equals(picture(c[0].data, g))).to.equal(false);
    expect(picture(a[0].data, g).equals(picture(a[1].data, g))).to.equal(false);
  });

  it('pattern:ball moves a few pixels a frame and stays inside the frame', async () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
    const frames = await takeFrames(await createSource('pattern:ball', g), 200);
    let previous = ballCentre(0, g.width, g.height);
    for (const frame of frames.slice(1)) {
      const c = ballCentre(frame.index, g.width, g.height);
      const dx = Math.abs(c.x - previous.x);
      const dy = Math.abs(c.y - previous.y);
      expect(dx).to.be.at.most(3);
      expect(dy).to.be.at.most(2);
      expect(dx + dy).to.be.greaterThan(0);
      expect(c.x).to.be.within(0, g.width - 1);
      expect(c.y).to.be.within(0, g.height - 1);
      previous = c;
    }
    // The ball's colour is at its centre once the centre is below the stamp.
    const low = frames.find((f) => ballCentre(f.index, g.width, g.height).y > 40)!;
    const { x, y } = ballCentre(low.index, g.width, g.height);
    const at = (y * g.width + x) * 3;
    expect([...low.data.subarray(at, at + 3)]).to.deep.equal([255, 160, 0]);
    expect(picture(frames[0].data, g).equals(picture(frames[1].data, g))).to.equal(false);
  });

  it('uyvy frames show the same picture as rgb24 ones', async () => {
    const rgb = (await takeFrames(await createSource('pattern:smpte', { width: 160, height: 120, format: 'rgb24' }), 1))[0];
    const uyvy = (await takeFrames(await createSource('pattern:smpte', { width: 160, height: 120, format: 'uyvy' }), 1))[0];
    const back = Buffer.alloc(rgb.data.length);
    uyvyToRgb24(uyvy.data, back, 160, 120);
    const from = stampRows(rgb) * lineBytes(rgb);
    let worst = 0;
    for (let i = from; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - rgb.data[i]));
    expect(worst).to.be.at.most(2);
  });

  it('stops yielding after close()', async () => {
    const source = await createSource('pattern:gradient', { width: 160, height: 120, format: 'rgb24' });
    let n = 0;
    for await (const _frame of source) {
      if (++n === 3) await source.close();
    }
    expect(n).to.equal(3);
  });
});
