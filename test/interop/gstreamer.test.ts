import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { frameBytes, lineBytes, type FrameGeometry } from '../../src/frame.js';
import { rgb24Bytes, uyvyToRgb24 } from '../../src/pixels.js';
import { framewire } from '../support/cli.js';
import { freeUdpPort } from '../support/ports.js';
import { depayToFile, rawCaps, rtpRawCaps, startGst } from './support/gstreamer.js';
import { frameDifference, framePngs, maxByteDifference, readPngRgb, readRawFrames, testPicture, writePng } from './support/images.js';
import { scratchDir } from '../support/scratch.js';
import {
  finished, interrupt, killLeftoverPeers, startFramewirePeer, startFramewireReceiver, waitForUdpPort, type Peer,
} from '../support/peers.js';

describe('interop: GStreamer', function () {
  this.timeout(40_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('gst')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  /** Streams a PNG picture at 30 fps into a GStreamer receiver that is already listening, until it has its frames. */
  async function streamUntilDone(receiver: Peer, sendArgs: string[]): Promise<void> {
    // Far more frames than the receiver keeps: it ends the run, so its start-up speed does not matter.
    const sender = startFramewirePeer([...sendArgs, '--fps', '30', '--frames', '300']);
    const gst = await finished(receiver, 20_000);
    const sent = await interrupt(sender);
    expect(gst.code, `gst-launch: ${gst.stderr}${gst.stdout}`).to.equal(0);
    expect(sent.code, sent.stderr).to.equal(0);
  }

  describe('framewire -> rtpvrawdepay', () => {
    it('delivers 640x480 rgb24 pixel-exact to udpsrc with hand-written caps', async () => {
      const g: FrameGeometry = { width: 640, height: 480, format: 'rgb24' };
      const picture = testPicture(g.width, g.height);
      const png = path.join(dir, 'picture.png');
      await writePng(png, picture, g.width, g.height);
      const port = await freeUdpPort();
      const out = path.join(dir, 'gst.raw');

      const gst = startGst(
        // A 900 KB frame arrives as one burst: the default socket buffer (~200 KB) would drop most of it.
        ['udpsrc', `port=${port}`, 'address=127.0.0.1', `buffer-size=${16 << 20}`, `caps="${rtpRawCaps(g)}"`],
        ...depayToFile(g, 10, out),
      );
      await waitForUdpPort(gst, port);
      await streamUntilDone(gst, ['send', '--source', `png:${png}`, '--size', '640x480', '--to', `127.0.0.1:${port}`]);

      const frames = await readRawFrames(out, frameBytes(g));
      expect(frames).to.have.length(10);
      frames.forEach((f, i) => expect(frameDifference(f, picture, lineBytes(g)), `GStreamer frame ${i}`).to.equal(''));
    });

    it('accepts framewire\'s SDP through sdpdemux and delivers rgb24 pixel-exact', async () => {
      // sdpdemux's sockets keep the default ~200 KB buffer (it has no buffer-size), so frames stay well below it.
      const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
      const picture = testPicture(g.width, g.height, 2);
      const png = path.join(dir, 'picture.png');
      await writePng(png, picture, g.width, g.height);
      const port = await freeUdpPort();
      const sdp = path.join(dir, 'stream.sdp');
      const out = path.join(dir, 'gst.raw');
      const sendArgs = ['send', '--source', `png:${png}`, '--size', '160x120', '--to', `127.0.0.1:${port}`, '--ssrc', '7'];
      // GStreamer needs the SDP before it listens and the real run sends at once, so a one-frame run writes it.
      const described = await framewire([...sendArgs, '--frames', '1', '--sdp', sdp]);
      expect(described.code, described.stderr).to.equal(0);

      const gst = startGst(['filesrc', `location=${sdp}`], ['sdpdemux'], ...depayToFile(g, 10, out));
      await waitForUdpPort(gst, port);
      await streamUntilDone(gst, sendArgs);

      const frames = await readRawFrames(out, frameBytes(g));
      expect(frames).to.have.length(10);
      frames.forEach((f, i) => expect(frameDifference(f, picture, lineBytes(g)), `GStreamer frame ${i}`).to.equal(''));
    });
  });

  describe('rtpvrawpay -> framewire receive', () => {
    const N = 12;

    /** GStreamer's own rendering of the first N frames of a test pattern, back to back. */
    async function gstFrames(pattern: string, g: FrameGeometry, convertToRgb = false): Promise<Buffer[]> {
      const file = path.join(dir, `ref-${pattern}-${g.format}${convertToRgb ? '-rgb' : ''}.raw`);
      const convert = convertToRgb ? [['videoconvert'], [rawCaps({ ...g, format: 'rgb24' })]] : [];
      const ref = await finished(startGst(
        ['videotestsrc', `num-buffers=${N}`, `pattern=${pattern}`], [rawCaps(g, 30)], ...convert, ['filesink', `location=${file}`],
      ), 20_000);
      expect(ref.code, ref.stderr).to.equal(0);
      return readRawFrames(file, convertToRgb ? rgb24Bytes(g) : frameBytes(g));
    }

    /**
     * GStreamer paces N frames of `pattern` to framewire receive, which writes PNGs. Returns the PNGs as rgb24 by
     * frame number. The png sink may drop a frame when encoding falls behind (a loaded CI machine); that is by
     * design, but it must be counted, and most frames must still arrive.
     */
    async function framewireReceives(pattern: string, g: FrameGeometry): Promise<Map<number, Buffer>> {
      const pngDir = path.join(dir, 'png');
      const reportFile = path.join(dir, 'report.json');
      const { peer: receiver, port } = await startFramewireReceiver([
        '--size', `${g.width}x${g.height}`, '--format', g.format, '--sink', `png:${pngDir}`,
        '--frames', String(N), '--timeout', '5', '--report', reportFile,
      ]);
      const gst = await finished(startGst(
        ['videotestsrc', `num-buffers=${N}`, `pattern=${pattern}`], [rawCaps(g, 30)],
        ['rtpvrawpay'], ['udpsink', 'host=127.0.0.1', `port=${port}`],
      ), 20_000);
      expect(gst.code, gst.stderr).to.equal(0);
      const received = await finished(receiver, 10_000);
      expect(received.code, received.stderr).to.equal(0);

      const report = JSON.parse(await readFile(reportFile, 'utf8'));
      expect(report, received.stderr).to.include({ framesComplete: N, framesIncomplete: 0, packetsLost: 0, packetsMalformed: 0 });
      const files = await framePngs(pngDir);
      const dropped = Object.values(report.sinkDrops as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(files.length + dropped, `${files.length} PNGs written, ${dropped} dropped`).to.equal(N);
      expect(files.length).to.be.at.least(N / 2);
      const frames = new Map<number, Buffer>();
      for (const file of files) {
        const number = Number(/frame-(\d+)\.png$/.exec(file)![1]);
        expect(number).to.be.below(N);
        frames.set(number, await readPngRgb(file, g.width, g.height));
      }
      return frames;
    }

    for (const pattern of ['smpte', 'ball']) {
      it(`writes each rgb24 ${pattern} frame exactly as GStreamer renders it`, async () => {
        const g: FrameGeometry = { width: 320, height: 240, format: 'rgb24' };
        const expected = await gstFrames(pattern, g);

        const received = await framewireReceives(pattern, g);

        received.forEach((f, i) => expect(frameDifference(f, expected[i]!, g.width * 3), `frame ${i}`).to.equal(''));
      });
    }

    it('carries uyvy byte-exact: each PNG is framewire\'s RGB of GStreamer\'s own UYVY bytes', async () => {
      const g: FrameGeometry = { width: 320, height: 240, format: 'uyvy' };
      const uyvy = await gstFrames('smpte', g);

      const received = await framewireReceives('smpte', g);

      const expected = Buffer.alloc(rgb24Bytes(g));
      received.forEach((f, i) => {
        uyvyToRgb24(uyvy[i]!, expected, g.width, g.height);
        expect(frameDifference(f, expected, g.width * 3), `frame ${i}`).to.equal('');
      });
    });

    it('shows uyvy within rounding of GStreamer\'s own conversion to RGB', async () => {
      // The ball is grey on black, so no chroma edge is involved: converters may round differently, not more.
      const g: FrameGeometry = { width: 320, height: 240, format: 'uyvy' };
      const expected = await gstFrames('ball', g, true);

      const received = await framewireReceives('ball', g);

      received.forEach((f, i) => expect(maxByteDifference(f, expected[i]!), `frame ${i}`).to.be.at.most(3));
    });
  });
});
