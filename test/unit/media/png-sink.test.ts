import { expect } from 'chai';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Frame, FrameGeometry } from '../../../src/frame.js';
import { frameBytes } from '../../../src/frame.js';
import { uyvyToRgb24 } from '../../../src/pixels.js';
import type { ReceivedFrameInfo } from '../../../src/sinks/sink.js';
import { createSink } from '../../../src/sinks/spec.js';
import { createSource } from '../../../src/sources/spec.js';
import { takeFrames } from './helpers.js';

const QVGA: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };

const INFO: ReceivedFrameInfo = { complete: true, bytesMissing: 0, indexFrom: 'ordinal' };

/** A frame as the receiver hands it to sinks: numbered `index`. */
function numbered(frame: Frame, index: number): Frame {
  return { ...frame, index };
}

async function readPng(file: string): Promise<PNG> {
  return PNG.sync.read(await readFile(file));
}

/** RGB bytes of a pngjs image (which always decodes to RGBA). */
function rgbOf(png: PNG): Buffer {
  const out = Buffer.alloc(png.width * png.height * 3);
  for (let p = 0; p < png.width * png.height; p++) png.data.copy(out, p * 3, p * 4, p * 4 + 3);
  return out;
}

describe('png sink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'framewire-png-sink-')), 'out');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('creates the directory and writes 8-bit RGB files, pixel-exact, named by the frame index', async () => {
    const sink = await createSink(`png:${dir}`);
    const frames = await takeFrames(await createSource('pattern:noise', { ...QVGA, seed: 3 }), 2);
    sink.write(numbered(frames[0], 0), INFO);
    await sink.close();
    sink.write(numbered(frames[1], 1), INFO);
    await sink.close();
    expect(await readdir(dir)).to.deep.equal(['frame-000000.png', 'frame-000001.png']);
    for (const [i, frame] of frames.entries()) {
      const png = await readPng(join(dir, `frame-00000${i}.png`));
      expect(png).to.include({ width: 160, height: 120, depth: 8, color: true, alpha: false });
      expect(rgbOf(png).equals(frame.data)).to.equal(true);
    }
    expect(sink.dropped).to.equal(0);
  });

  it('names files by the index the receiver gave the frame, however large', async () => {
    const sink = await createSink(`png:${dir}`);
    const [frame] = await takeFrames(await createSource('pattern:smpte', QVGA), 1);
    sink.write(numbered(frame, 1234567), { ...INFO, indexFrom: 'stamp', stamp: { index: 1234567, captureTimeUs: 0, intact: true } });
    await sink.close();
    expect(await readdir(dir)).to.deep.equal(['frame-1234567.png']);
  });

  it('converts uyvy frames to RGB', async () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'uyvy' };
    const sink = await createSink(`png:${dir}`);
    const [frame] = await takeFrames(await createSource('pattern:ball', g), 1);
    sink.write(numbered(frame, 0), INFO);
    await sink.close();
    const expected = Buffer.alloc(160 * 120 * 3);
    uyvyToRgb24(frame.data, expected, 160, 120);
    expect(rgbOf(await readPng(join(dir, 'frame-000000.png'))).equals(expected)).to.equal(true);
  });

  it('with every=N writes only frames whose number is a multiple of N', async () => {
    const sink = await createSink(`png:${dir}:every=3`);
    const [frame] = await takeFrames(await createSource('pattern:gradient', QVGA), 1);
    for (let i = 0; i < 10; i++) {
      sink.write(numbered(frame, i), INFO);
      await sink.close(); // one at a time, so none is dropped
    }
    expect(await readdir(dir)).to.deep.equal(['frame-000000.png', 'frame-000003.png', 'frame-000006.png', 'frame-000009.png']);
    expect(sink.dropped).to.equal(0);
  });

  /** Writes `count` frames as fast as a receiver would, each filled with its number, into one reused buffer. */
  function burst(sink: { write(frame: Frame, info: ReceivedFrameInfo): void }, count: number): void {
    const data = Buffer.alloc(frameBytes(QVGA));
    for (let i = 0; i < count; i++) {
      // The sink must copy: the receiver reuses this buffer for the next frame.
      data.fill(i);
      sink.write({ ...QVGA, data, index: i, captureTimeUs: 0 }, INFO);
    }
  }

  it('writes every frame of a short burst (the default queue holds it)', async () => {
    const sink = await createSink(`png:${dir}`);
    burst(sink, 8);
    await sink.close();
    expect((await readdir(dir)).sort()).to.deep.equal([...Array(8).keys()].map((i) => `frame-00000${i}.png`));
    for (const i of [0, 7]) expect(rgbOf(await readPng(join(dir, `frame-00000${i}.png`))).every((v) => v === i)).to.equal(true);
    expect(sink.dropped).to.equal(0);
  });

  it('when the queue is full the oldest waiting frame gives way to the newest, and is counted', async () => {
    const sink = await createSink(`png:${dir}:every=2:queue=3`);
    burst(sink, 100);
    await sink.close();
    const files = await readdir(dir);
    // Frame 0 went straight to the encoder; of the 49 that waited, the newest 3 remain.
    expect(files.sort()).to.deep.equal(['frame-000000.png', 'frame-000094.png', 'frame-000096.png', 'frame-000098.png']);
    expect(sink.dropped).to.equal(46);
    expect(rgbOf(await readPng(join(dir, 'frame-000098.png'))).every((v) => v === 98)).to.equal(true);
  });

  it('counts the frames it could not write, with the first error, and goes on', async () => {
    const sink = await createSink(`png:${dir}`);
    // The directory becomes a file: nothing can be written under it.
    await rm(dir, { recursive: true });
    await writeFile(dir, 'not a directory');
    const [frame] = await takeFrames(await createSource('pattern:smpte', QVGA), 1);
    sink.write(numbered(frame, 0), INFO);
    await sink.close();
    sink.write(numbered(frame, 1), INFO);
    await sink.close();
    expect(sink.failures!.count).to.equal(2);
    expect(sink.failures!.first).to.contain(`cannot write ${join(dir, 'frame-000000.png')}`);
  });
});
