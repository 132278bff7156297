import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { framewire } from '../support/cli.js';
import { framePngs, frameDifference, readPngRgb, readRawFrames, testPicture, writePng } from './support/images.js';
import { scratchDir } from '../support/scratch.js';
import {
  finished, interrupt, killLeftoverPeers, startFramewirePeer, startFramewireReceiver, startPeer, waitForStderr,
} from '../support/peers.js';

const ORIGINAL = fileURLToPath(new URL('./original/', import.meta.url));
const W = 160;
const H = 120;
const FRAME_BYTES = W * H * 3; // 57,600: the original's one datagram a frame

/** framewire's `--wire raw` against a Python port of the original one-datagram-a-frame sender and receiver. */
describe('interop: the original program (Python port, one datagram a frame)', function () {
  this.timeout(40_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('original')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  it('framewire send --wire raw -> receiver.py: every datagram is the picture, byte for byte', async () => {
    const picture = testPicture(W, H);
    const png = path.join(dir, 'picture.png');
    await writePng(png, picture, W, H);
    const out = path.join(dir, 'received.rgb');

    const receiver = startPeer('python3', [
      path.join(ORIGINAL, 'receiver.py'), '--listen', '127.0.0.1:0', '--size', `${W}x${H}`, '--frames', '20', '--out', out,
    ]);
    const port = Number((await waitForStderr(receiver, /listening 127\.0\.0\.1:(\d+)/))[1]);
    // More frames than the receiver keeps; it ends the run.
    const sender = startFramewirePeer([
      'send', '--wire', 'raw', '--source', `png:${png}`, '--size', `${W}x${H}`, '--fps', '60', '--frames', '600',
      '--to', `127.0.0.1:${port}`,
    ]);
    const received = await finished(receiver, 20_000);
    const sent = await interrupt(sender);

    expect(received.code, received.stderr).to.equal(0);
    expect(sent.code, sent.stderr).to.equal(0);
    expect(received.stderr).to.contain('20 frames, 0 datagrams of the wrong size');
    expect(received.stdout).to.match(/^fps \d+$/m);
    const frames = await readRawFrames(out, FRAME_BYTES);
    expect(frames).to.have.length(20);
    frames.forEach((f, i) => expect(frameDifference(f, picture, W * 3), `datagram ${i}`).to.equal(''));
  });

  it('sender.py -> framewire receive --wire raw: PNGs equal what Python sent, in order', async () => {
    const N = 24;
    // Distinct pictures in turn, so a dropped, repeated or reordered datagram shows in the PNG it lands in.
    const pictures = [0, 1, 2, 3].map((v) => testPicture(W, H, v));
    const input = path.join(dir, 'input.rgb');
    await writeFile(input, Buffer.concat(pictures));
    const pngDir = path.join(dir, 'png');
    const reportFile = path.join(dir, 'report.json');

    const { peer: receiver, port } = await startFramewireReceiver([
      '--wire', 'raw', '--size', `${W}x${H}`, '--sink', `png:${pngDir}`, '--frames', String(N), '--timeout', '5',
      '--report', reportFile,
    ]);
    const sender = await finished(startPeer('python3', [
      path.join(ORIGINAL, 'sender.py'), `127.0.0.1:${port}`, '--input', input, '--frames', String(N), '--fps', '30',
    ]), 20_000);
    const received = await finished(receiver, 10_000);

    expect(sender.code, sender.stderr).to.equal(0);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report, received.stderr).to.include({ framesComplete: N, framesIncomplete: 0, packetsReceived: N, packetsMalformed: 0 });
    const files = await framePngs(pngDir);
    // The png sink drops (and counts) frames when encoding falls behind on a loaded machine; none may go missing.
    const dropped = Object.values(report.sinkDrops as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(files.length + dropped, `${files.length} PNGs, ${dropped} dropped`).to.equal(N);
    expect(files.length).to.be.at.least(N / 2);
    for (const file of files) {
      const ordinal = Number(/frame-(\d+)\.png$/.exec(file)![1]);
      const rgb = await readPngRgb(file, W, H);
      expect(frameDifference(rgb, pictures[ordinal % pictures.length]!, W * 3), path.basename(file)).to.equal('');
    }
  });

  it('refuses --wire raw for a frame larger than one datagram, naming the flags (exit 2)', async () => {
    const result = await framewire(['send', '--wire', 'raw', '--size', '640x480', '--frames', '1', '--to', '127.0.0.1:9']);

    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/--wire/).and.to.match(/--size|640x480/);
    expect(result.stderr).to.not.match(/\n\s+at /); // a usage message, not a stack trace
  });
});
