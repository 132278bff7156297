import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { until } from '../../support/until.js';
import { frameBytes, type FrameGeometry } from '../../../src/frame.js';
import { createLavfiSource, lavfiInputArgs } from '../../../src/sources/lavfi.js';
import type { FfmpegStreamSource } from '../../../src/sources/ffmpeg-stream.js';
import { readStamp } from '../../../src/stamp.js';
import { UsageError } from '../../../src/usage-error.js';
import { countingFfmpeg, isAlive, iterationError, takeFrames, withPath } from './helpers.js';

async function lavfi(graph: string, g: FrameGeometry, extra: { fps?: number; stamp?: boolean } = {}): Promise<FfmpegStreamSource> {
  return (await createLavfiSource(graph, { ...g, ...extra })) as FfmpegStreamSource;
}

describe('lavfi source (ffmpeg streaming)', () => {
  for (const format of ['rgb24', 'uyvy'] as const) {
    it(`delivers ${format} frames of the requested geometry whose picture moves (testsrc2)`, async () => {
      const g: FrameGeometry = { width: 320, height: 240, format };
      const source = await lavfi('testsrc2', g);
      expect(source.geometry).to.deep.equal(g);
      const frames = await takeFrames(source, 10);
      expect(frames).to.have.length(10);
      for (const [i, f] of frames.entries()) {
        expect([f.width, f.height, f.format, f.index]).to.deep.equal([320, 240, format, i]);
        expect(f.data.length).to.equal(frameBytes(g));
      }
      const distinct = new Set(frames.map((f) => f.data.toString('base64')));
      expect(distinct.size, 'testsrc2 moves, so no two frames are equal').to.equal(10);
      expect(frames[9].captureTimeUs).to.be.at.least(frames[0].captureTimeUs);
    });
  }

  it("matches ffmpeg's own output byte for byte, whatever the pipe's chunk boundaries", async () => {
    // 322x242 rgb24 is 233,772 bytes: frames straddle the pipe's 64 KiB chunks at odd offsets.
    const g: FrameGeometry = { width: 322, height: 242, format: 'rgb24' };
    const frames = await takeFrames(await lavfi('testsrc2', g), 8);
    const expected = execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', ...lavfiInputArgs('testsrc2', g, undefined),
      '-frames:v', '8', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ], { maxBuffer: 64 * 1024 * 1024 });
    expect(expected.length).to.equal(8 * frameBytes(g));
    frames.forEach((f, i) => {
      expect(f.data.equals(expected.subarray(i * frameBytes(g), (i + 1) * frameBytes(g))), `frame ${i}`).to.equal(true);
    });
  });

  it('streams many frames from one ffmpeg process (no process per frame)', async () => {
    const shim = await countingFfmpeg();
    try {
      const frames = await withPath(`${shim.dir}:${process.env.PATH}`, async () =>
        takeFrames(await lavfi('testsrc2', { width: 160, height: 120, format: 'rgb24' }), 200));
      expect(frames).to.have.length(200);
      const starts = (await readFile(shim.log, 'utf8')).trim().split('\n');
      expect(starts, 'ffmpeg processes started').to.have.length(1);
    } finally {
      await rm(shim.dir, { recursive: true, force: true });
    }
  });

  it('holds ffmpeg back while the consumer is slow, then delivers every frame in order and ends with a finite graph', async () => {
    // 60 frames of 230 KB are far more than the pipe and the 3-frame pool hold, so ffmpeg must wait for us.
    const source = await lavfi('testsrc2=duration=1', { width: 320, height: 240, format: 'rgb24' });
    const indices: number[] = [];
    let pidWhileSlow: number | undefined;
    let aliveWhileSlow = false;
    for await (const frame of source) {
      indices.push(frame.index);
      if (frame.index === 0) {
        await sleep(500);
        pidWhileSlow = source.pid;
        aliveWhileSlow = pidWhileSlow !== undefined && isAlive(pidWhileSlow);
      }
    }
    expect(aliveWhileSlow, 'ffmpeg still running, blocked on the pipe').to.equal(true);
    expect(indices).to.deep.equal(Array.from({ length: 60 }, (_, i) => i));
    expect(isAlive(pidWhileSlow!)).to.equal(false);
  });

  it('stamps frames when asked', async () => {
    const frames = await takeFrames(await lavfi('smptebars', { width: 320, height: 240, format: 'uyvy' }, { stamp: true }), 3);
    expect(frames.map((f) => readStamp(f))).to.deep.equal(
      frames.map((f) => ({ index: f.index, captureTimeUs: f.captureTimeUs, intact: true })),
    );
  });

  it('ends the iteration with an error naming the source when ffmpeg dies mid-run', async () => {
    const source = await lavfi('testsrc2', { width: 160, height: 120, format: 'rgb24' });
    let n = 0;
    const err = await iterationError({
      async *[Symbol.asyncIterator]() {
        for await (const frame of source) {
          if (++n === 5) process.kill(source.pid!, 'SIGKILL');
          yield frame;
        }
      },
    });
    expect(err.message).to.match(/^lavfi:testsrc2: ffmpeg was killed by SIGKILL/);
    expect(n).to.be.at.least(5);
  });

  it('says ffmpeg is missing and how to install it', async () => {
    const source = await lavfi('testsrc2', { width: 160, height: 120, format: 'rgb24' });
    const err = await withPath('/nonexistent', () => iterationError(source));
    expect(err.message).to.equal('lavfi:testsrc2: ffmpeg not found — apt-get install ffmpeg');
  });

  it("reports ffmpeg's complaint about a bad graph", async () => {
    const err = await iterationError(await lavfi('nosuchfilter', { width: 160, height: 120, format: 'rgb24' }));
    expect(err.message).to.match(/^lavfi:nosuchfilter: ffmpeg exited with status \d+: .*nosuchfilter/s);
  });

  it('close() ends a running iteration and stops ffmpeg', async () => {
    const source = await lavfi('testsrc2', { width: 160, height: 120, format: 'rgb24' }, { fps: 25 });
    let count = 0;
    for await (const _frame of source) {
      if (++count === 2) await source.close();
    }
    expect(count).to.equal(2);
    const pid = source.pid;
    await until(() => pid === undefined || !isAlive(pid), () => `ffmpeg (pid ${pid}) to exit`);
  });

  it('rejects an empty graph as a usage error', async () => {
    const err = await createLavfiSource('', { width: 160, height: 120, format: 'rgb24' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError).with.property('message').that.includes('lavfi:testsrc2');
  });

  describe('lavfiInputArgs', () => {
    const g: FrameGeometry = { width: 320, height: 240, format: 'rgb24' };
    it('appends size and rate to a single source filter, paced by -re when --fps is given', () => {
      expect(lavfiInputArgs('testsrc2', g, 30)).to.deep.equal(['-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30']);
      expect(lavfiInputArgs('testsrc2=duration=2', g, undefined))
        .to.deep.equal(['-f', 'lavfi', '-i', 'testsrc2=duration=2:size=320x240:rate=60']);
    });
    it('passes a filter chain as written', () => {
      expect(lavfiInputArgs('testsrc2,hue=s=0', g, undefined)).to.deep.equal(['-f', 'lavfi', '-i', 'testsrc2,hue=s=0']);
    });
  });
});
