import { expect } from 'chai';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { udpSocket } from '../../bench/proc.js';
import { frameBytes, type FrameGeometry } from '../../src/frame.js';
import { readStamp } from '../../src/stamp.js';
import type { PacingReport } from '../../src/transport/frame-pacer.js';
import { framewireCommand, startProcess } from '../support/cli.js';
import { interrupt, killLeftoverPeers, startPeer, waitForUdpPort } from '../support/peers.js';
import { freeUdpPort } from '../support/ports.js';
import { MEMORY_DIR, scratchDir } from '../support/scratch.js';
import { until } from '../support/until.js';
import { gstLaunchArgs, rawCaps, rtpRawCaps } from './support/gstreamer.js';
import { readRawFrames, testPicture, writePng } from './support/images.js';

/**
 * A receiver as people type it: `udpsrc ... ! rtpvrawdepay`, no buffer-size, so the kernel's default socket buffer
 * (net.core.rmem_default, ~200 KB) is all that absorbs a frame's packets while GStreamer is off the CPU. A frame of
 * 600 KB to 1.8 MB sent in one burst overflows it; the same frame spread over its period (linear pacing, the
 * default at a set fps) does not.
 *
 * The two ends run on different CPUs, GStreamer at a real-time priority (SCHED_FIFO 1). What is tested is whether the
 * sender's pacing fits the default buffer, not how the scheduler treats the receiver: at 720p30 uyvy the buffer
 * holds about 2 ms of stream, and a GStreamer at nice 0 under two CPU hogs (stress-ng --cpu 2 on this 2-vCPU
 * machine) ran so little that it lost half of a paced stream, as it would any stream; at nice -10 it still lost 2 or
 * 3 frames in some full-suite runs. A GStreamer at nice -10 on the sender's CPU preempted the sender at every packet,
 * so that it drained even a burst in lockstep (113 of 115 frames exact). On a CPU of its own, first in line for it,
 * it keeps up with a paced stream, while a burst, which its socket takes in faster than any reader drains 200 KB of
 * packets, still overflows it. Under two CPU hogs the paced cases still lose 3 frames in about one run in three.
 */
/**
 * Frames of another picture that go first: GStreamer loses its first frames to starting up (usually 4, at times 9),
 * so the measured stream starts once it has written one of these.
 */
const WARM_UP_FRAMES = 15;
const GST_CPU = 0;
const SENDER_CPU = 1;

describe('interop: paced sending into GStreamer\'s default udpsrc', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  // GStreamer's udpsrc thread also writes the frames out (no queue in between, as people type it): in memory, so a
  // disk throttling dirty pages (after the rest of the suite wrote its files) cannot hold the socket unread. In the
  // full suite on disk, a paced 720p30 run lost 2 of 55 frames that it never lost alone.
  beforeEach(async () => ({ dir, cleanup } = await scratchDir('gst-pacing', MEMORY_DIR)));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  /** Resolves once GStreamer's output file holds at least `bytes` and has stopped growing (it works through its socket). */
  async function settled(out: string, bytes: number): Promise<void> {
    let size = -1;
    let still = 0;
    await until(() => still >= 3, () => `gst's output to reach ${bytes} bytes and settle (${size} bytes)`, 20_000, async () => {
      const now = await stat(out).then((s) => s.size, () => 0);
      still = now === size && now >= bytes ? still + 1 : 0;
      size = now;
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
  }

  /**
   * Nanoseconds GStreamer's threads spent runnable but waiting for a CPU (schedstat's run_delay, summed): the kernel's
   * own account of whether the receiver was kept off its CPU, as opposed to a sender that overran its buffer.
   */
  async function runDelayNs(pid: number): Promise<number> {
    let total = 0;
    for (const task of await readdir(`/proc/${pid}/task`).catch(() => [])) {
      const fields = (await readFile(`/proc/${pid}/task/${task}/schedstat`, 'utf8').catch(() => '0 0')).split(' ');
      total += Number(fields[1]);
    }
    return total;
  }

  /** `framewire send` on the sender's CPU of `source`; resolves to its report's pacing. */
  async function send(g: FrameGeometry, source: string, fps: number, frames: number, port: number, pacing: string[]): Promise<PacingReport> {
    const report = path.join(dir, 'send.json');
    const sent = await startProcess('taskset', ['-c', String(SENDER_CPU), process.execPath, ...framewireCommand([
      'send', '--source', source, '--size', `${g.width}x${g.height}`, '--format', g.format,
      '--fps', String(fps), '--frames', String(frames), ...pacing, '--to', `127.0.0.1:${port}`, '--report', report,
    ])]).result;
    expect(sent.code, sent.stderr).to.equal(0);
    return (JSON.parse(await readFile(report, 'utf8')) as { pacing: PacingReport }).pacing;
  }

  /**
   * Warms GStreamer up with WARM_UP_FRAMES frames of an unstamped picture, until it has written one: its first frames
   * are lost to the pipeline starting (buffer pools, caps, the output file) however they are sent, and at times more
   * than a few. Then sends `frames` stamped frames (pattern:smpte) at `fps`, and reads GStreamer's output back by
   * their stamps: which frames came out whole (the stamp's CRC over the pixels holds), which did not, which are missing.
   */
  async function exactFrames(
    g: FrameGeometry, fps: number, frames: number, pacing: string[],
  ): Promise<{ exact: number; detail: string; pacingMode: string }> {
    const bytes = frameBytes(g);
    const port = await freeUdpPort();
    const out = path.join(dir, 'gst.raw');
    const png = path.join(dir, 'warm-up.png');
    await writePng(png, testPicture(g.width, g.height, 1), g.width, g.height);

    const gst = startPeer('taskset', ['-c', String(GST_CPU), 'chrt', '-f', '1', 'gst-launch-1.0', ...gstLaunchArgs(
      ['udpsrc', `port=${port}`, 'address=127.0.0.1', `caps="${rtpRawCaps(g)}"`],
      ['rtpvrawdepay'], [rawCaps(g)], ['filesink', `location=${out}`],
    )]);
    await waitForUdpPort(gst, port);
    await send(g, `png:${png}`, fps, WARM_UP_FRAMES, port, []);
    await settled(out, bytes);
    const warmUp = Math.floor((await stat(out)).size / bytes);
    const dropsBefore = (await udpSocket(port))?.drops ?? 0;
    const delayBefore = await runDelayNs(gst.child.pid!);
    const sent = await send(g, 'pattern:smpte', fps, frames, port, pacing);
    await settled(out, (warmUp + 1) * bytes);
    const drops = ((await udpSocket(port))?.drops ?? 0) - dropsBefore;
    const waitedMs = (await runDelayNs(gst.child.pid!) - delayBefore) / 1e6;
    const gstResult = await interrupt(gst);
    expect(gstResult.code, gstResult.stderr).to.equal(0);

    const whole = new Set<number>();
    const damaged: number[] = [];
    for (const data of (await readRawFrames(out, bytes)).slice(warmUp)) {
      const stamp = readStamp({ ...g, data, index: 0, captureTimeUs: 0 });
      if (stamp?.intact) whole.add(stamp.index);
      else damaged.push(stamp?.index ?? -1);
    }
    const missing = Array.from({ length: frames }, (_, i) => i).filter((i) => !whole.has(i) && !damaged.includes(i));
    const detail = `${whole.size} of the ${frames} sent whole; damaged ${damaged.join(' ') || 'none'} ` +
      `(-1: stamp unreadable), missing ${missing.join(' ') || 'none'}; the sender's pacing: ` +
      `${sent.framesDelayed} frames started late, lateness p99 ${sent.latenessUs?.p99.toFixed(0)} µs; GStreamer's socket ` +
      `dropped ${drops} packets, its threads waited ${waitedMs.toFixed(1)} ms for a CPU`;
    return { exact: whole.size, detail, pacingMode: sent.mode };
  }

  const cases: Array<{ g: FrameGeometry; fps: number; frames: number }> = [
    { g: { width: 640, height: 480, format: 'uyvy' }, fps: 60, frames: 120 },
    // Five seconds: short runs made 98% mean "at most one frame lost", and one stall of GStreamer's CPU that the
    // sender's report shows it had no part in (on time, 0 late; ~100 ms, seen once in a full-suite run) costs three.
    { g: { width: 1280, height: 720, format: 'uyvy' }, fps: 30, frames: 150 },
  ];

  for (const { g, fps, frames } of cases) {
    const what = `${g.width}x${g.height} ${g.format} at ${fps} fps`;

    it(`delivers ${what}, paced by default, with at least 98% of frames pixel-exact`, async () => {
      const { exact, detail, pacingMode } = await exactFrames(g, fps, frames, []);

      expect(pacingMode).to.equal('linear');
      expect(exact, detail).to.be.at.least(Math.ceil(frames * 0.98));
    });

    it(`loses frames of ${what} sent in bursts (--pacing burst)`, async () => {
      const { exact, detail, pacingMode } = await exactFrames(g, fps, frames, ['--pacing', 'burst']);

      expect(pacingMode).to.equal('burst');
      expect(exact, detail).to.be.below(Math.ceil(frames * 0.98));
    });
  }
});
