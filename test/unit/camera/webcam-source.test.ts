import { expect } from 'chai';
import { uyvyToRgb24 } from '../../../src/pixels.js';
import { createWebcamSource } from '../../../src/sources/webcam.js';
import { readStamp } from '../../../src/stamp.js';
import { UsageError } from '../../../src/usage-error.js';
import { iterationError, takeFrames, withPath } from './helpers.js';

/** fswebcam's TEST device: eight vertical bars, left to right. */
const BARS: Array<[string, [number, number, number]]> = [
  ['white', [255, 255, 255]], ['yellow', [255, 255, 0]], ['cyan', [0, 255, 255]], ['green', [0, 255, 0]],
  ['magenta', [255, 0, 255]], ['red', [255, 0, 0]], ['blue', [0, 0, 255]], ['black', [0, 0, 0]],
];

function pixel(rgb: Buffer, width: number, x: number, y: number): number[] {
  const at = (y * width + x) * 3;
  return [rgb[at], rgb[at + 1], rgb[at + 2]];
}

/** Checks the centre of each bar, near the top and the bottom, is the bar's colour (JPEG allows a little drift). */
function expectColourBars(rgb: Buffer, width: number, height: number, tolerance: number): void {
  const barWidth = width / BARS.length;
  BARS.forEach(([name, colour], i) => {
    const x = Math.floor(i * barWidth + barWidth / 2);
    for (const y of [2, height >> 1, height - 3]) {
      const got = pixel(rgb, width, x, y);
      got.forEach((v, c) => expect(Math.abs(v - colour[c]), `${name} bar at (${x},${y}) is ${got}`).to.be.at.most(tolerance));
    }
  });
}

describe('webcam source (node-webcam + fswebcam)', function () {
  this.timeout(30_000);

  it("delivers fswebcam's colour bars from webcam:TEST, decoded and sized to rgb24", async () => {
    const source = await createWebcamSource('TEST', { width: 320, height: 240, format: 'rgb24' });
    const frames = await takeFrames(source, 3);
    expect(frames.map((f) => [f.index, f.width, f.height, f.data.length])).to.deep.equal([
      [0, 320, 240, 320 * 240 * 3], [1, 320, 240, 320 * 240 * 3], [2, 320, 240, 320 * 240 * 3],
    ]);
    for (const f of frames) expectColourBars(f.data, 320, 240, 12);
  });

  it('converts to uyvy at another size', async () => {
    const [frame] = await takeFrames(await createWebcamSource('TEST', { width: 160, height: 120, format: 'uyvy' }), 1);
    expect(frame.data.length).to.equal(160 * 120 * 2);
    const rgb = Buffer.alloc(160 * 120 * 3);
    uyvyToRgb24(frame.data, rgb, 160, 120);
    expectColourBars(rgb, 160, 120, 24);
  });

  it('stamps frames when asked', async () => {
    const frames = await takeFrames(await createWebcamSource('TEST', { width: 320, height: 240, format: 'rgb24', stamp: true }), 2);
    expect(frames.map((f) => readStamp(f))).to.deep.equal(
      frames.map((f) => ({ index: f.index, captureTimeUs: f.captureTimeUs, intact: true })),
    );
  });

  it('ends with a message naming a missing device and the fix', async () => {
    const err = await iterationError(await createWebcamSource('/dev/video9', { width: 320, height: 240, format: 'rgb24' }));
    expect(err.message).to.equal(
      'webcam: /dev/video9 not found — is a camera connected? `framewire devices` lists devices (webcam:TEST needs none)',
    );
  });

  it('says fswebcam is missing and how to install it', async () => {
    const source = await createWebcamSource('TEST', { width: 320, height: 240, format: 'rgb24' });
    const err = await withPath('/nonexistent', () => iterationError(source));
    expect(err.message).to.equal('webcam: TEST: fswebcam not found — apt-get install fswebcam');
  });

  it('refuses device names that would reach a shell', async () => {
    const err = await createWebcamSource('/dev/video0;touch x', { width: 320, height: 240, format: 'rgb24' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError).with.property('message').that.matches(/^source: webcam device/);
  });
});
