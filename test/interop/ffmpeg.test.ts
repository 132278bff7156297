import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { frameBytes, lineBytes, type FrameGeometry } from '../../src/frame.js';
import { rgb24ToUyvy } from '../../src/pixels.js';
import { readStamp } from '../../src/stamp.js';
import { framewire } from '../support/cli.js';
import { freeUdpPort } from '../support/ports.js';
import { frameDifference, readRawFrames, testPicture, writePng } from './support/images.js';
import { scratchDir } from '../support/scratch.js';
import { finished, interrupt, killLeftoverPeers, startFramewirePeer, startPeer, waitForUdpPort } from '../support/peers.js';

/** framewire sends RFC 4175 and describes it with its own SDP; FFmpeg receives it from that SDP alone. */
describe('interop: framewire -> FFmpeg (RFC 4175 via framewire SDP)', function () {
  this.timeout(40_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('ffmpeg')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  /**
   * Writes the SDP with a one-frame run first (FFmpeg needs the SDP before it can listen, and the real run
   * starts sending at once), starts FFmpeg on it, waits until it has bound the port, then streams `source`
   * until FFmpeg has written `frames` frames. Returns FFmpeg's frames.
   */
  async function ffmpegReceives(source: string, g: FrameGeometry, pixFmt: string, frames: number): Promise<Buffer[]> {
    const port = await freeUdpPort();
    const sdp = path.join(dir, 'stream.sdp');
    const out = path.join(dir, 'ffmpeg.raw');
    const sendArgs = [
      'send', '--source', source, '--size', `${g.width}x${g.height}`, '--format', g.format,
      '--to', `127.0.0.1:${port}`, '--ssrc', '0x5eed', '--fps', '30',
    ];
    const describe = await framewire([...sendArgs, '--frames', '1', '--sdp', sdp]);
    expect(describe.code, describe.stderr).to.equal(0);

    const ffmpeg = startPeer('ffmpeg', [
      // A socket buffer deep enough for a few frame bursts, as any receiver of uncompressed video needs.
      '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-buffer_size', String(16 << 20), '-i', sdp,
      // Passthrough: one output frame per received frame, never duplicated to fill a constant rate.
      '-fps_mode', 'passthrough', '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', pixFmt, '-y', out,
    ]);
    await waitForUdpPort(ffmpeg, port);
    // Far more frames than FFmpeg needs, so the test does not depend on how fast FFmpeg starts reading.
    const sender = startFramewirePeer([...sendArgs, '--frames', String(frames * 10), '--sdp', path.join(dir, 'again.sdp')]);
    const ff = await finished(ffmpeg, 20_000);
    const sent = await interrupt(sender);
    expect(ff.code, `ffmpeg: ${ff.stderr}`).to.equal(0);
    expect(sent.code, sent.stderr).to.equal(0);
    // The SDP is a pure function of the flags, so the one FFmpeg read describes the stream it got.
    expect(await readFile(path.join(dir, 'again.sdp'), 'utf8')).to.equal(await readFile(sdp, 'utf8'));
    return readRawFrames(out, frameBytes(g));
  }

  it('delivers a PNG source pixel-exact as rgb24', async () => {
    const g: FrameGeometry = { width: 320, height: 240, format: 'rgb24' };
    const picture = testPicture(g.width, g.height);
    await writePng(path.join(dir, 'picture.png'), picture, g.width, g.height);

    const frames = await ffmpegReceives(`png:${path.join(dir, 'picture.png')}`, g, 'rgb24', 15);

    expect(frames).to.have.length(15);
    frames.forEach((f, i) => expect(frameDifference(f, picture, lineBytes(g)), `ffmpeg frame ${i}`).to.equal(''));
  });

  it('delivers uyvy byte-exact as FFmpeg uyvy422, equal to framewire\'s own rgb->uyvy conversion', async () => {
    const g: FrameGeometry = { width: 320, height: 240, format: 'uyvy' };
    const picture = testPicture(g.width, g.height, 1);
    await writePng(path.join(dir, 'picture.png'), picture, g.width, g.height);
    const expected = Buffer.alloc(frameBytes(g));
    rgb24ToUyvy(picture, expected, g.width, g.height);

    const frames = await ffmpegReceives(`png:${path.join(dir, 'picture.png')}`, g, 'uyvy422', 15);

    expect(frames).to.have.length(15);
    frames.forEach((f, i) => expect(frameDifference(f, expected, lineBytes(g)), `ffmpeg frame ${i}`).to.equal(''));
  });

  it('keeps pattern stamps readable: increasing indices, pixels intact', async () => {
    const g: FrameGeometry = { width: 320, height: 240, format: 'rgb24' };

    const frames = await ffmpegReceives('pattern:ball', g, 'rgb24', 20);

    expect(frames).to.have.length(20);
    const stamps = frames.map((data) => readStamp({ ...g, data, index: 0, captureTimeUs: 0 }));
    stamps.forEach((s, i) => {
      expect(s, `ffmpeg frame ${i} has no readable stamp`).to.not.equal(undefined);
      expect(s!.intact, `ffmpeg frame ${i} (stamp ${s!.index}) fails its pixel CRC`).to.equal(true);
    });
    const indices = stamps.map((s) => s!.index);
    for (let i = 1; i < indices.length; i++) {
      expect(indices[i], `stamp indices ${indices.join(',')}`).to.be.greaterThan(indices[i - 1]!);
    }
  });
});
