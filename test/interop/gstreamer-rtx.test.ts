import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { frameBytes, type FrameGeometry } from '../../src/frame.js';
import { freeUdpPort } from '../support/ports.js';
import {
  finished, interrupt, killLeftoverPeers, startFramewirePeer, startFramewireReceiver, waitForStderr, waitForUdpPort, type Peer,
} from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { endRtcpSender, rawCaps, rtpRawCaps, startGst } from './support/gstreamer.js';
import { framePngs, readPngRgb, readRawFrames } from './support/images.js';
import { readStamp } from '../../src/stamp.js';

const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
const FRAMES = 100;
/** 2% random loss on the media path (the RTX packets included), 10 ms each way; RTCP goes directly between the peers. */
const NETWORK = { network: { seed: 8, loss: '2%', delay: '10ms' } };
/** GStreamer's RTX mapping: media payload type 96 is retransmitted as 97 (RFC 4588), as framewire does by default. */
const PT_MAP = 'payload-type-map=application/x-rtp-pt-map,96=(uint)97';

/**
 * GStreamer's loss-resilience elements against framewire's, both ways, through framewire's relay. The pipelines are
 * those of ../shared/peers/gstreamer-resilience (rtx-send.sh, rtx-recv.sh): rtpsession in the AVPF profile with
 * rtprtxsend / rtprtxreceive; gst-launch cannot wire rtpbin's RTX signals, hence the bare rtpsession.
 */
describe('interop: NACK and RTX with GStreamer', function () {
  this.timeout(90_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('gst-rtx')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  /** A framewire relay to `port` with the 2% loss; resolves with its port and the peer (stopped with interrupt). */
  async function relayTo(port: number): Promise<{ relay: Peer; relayPort: number }> {
    const scenario = path.join(dir, 'network.json');
    await writeFile(scenario, JSON.stringify(NETWORK));
    const relay = startFramewirePeer(['netsim', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${port}`, '--scenario', scenario]);
    const relayPort = Number((await waitForStderr(relay, /relaying 127\.0\.0\.1:(\d+)/))[1]);
    return { relay, relayPort };
  }

  it('GStreamer rtprtxsend -> relay (2% loss) -> framewire receive --nack: every frame whole and as GStreamer renders it', async () => {
    const reference = path.join(dir, 'reference.raw');
    const rendered = await finished(startGst(
      ['videotestsrc', `num-buffers=${FRAMES}`, 'pattern=ball'], [rawCaps(g, 30)], ['filesink', `location=${reference}`],
    ), 20_000);
    expect(rendered.code, rendered.stderr).to.equal(0);
    const expected = await readRawFrames(reference, frameBytes(g));

    const gstRtcp = await freeUdpPort();
    const pngDir = path.join(dir, 'png');
    const reportFile = path.join(dir, 'receiver.json');
    const { peer: receiver, port } = await startFramewireReceiver([
      '--nack', '--latency', '300', '--rtcp-to', `127.0.0.1:${gstRtcp}`, '--frames', String(FRAMES), '--timeout', '20',
      '--sink', `png:${pngDir}`, '--report', reportFile,
    ]);
    const { relay, relayPort } = await relayTo(port);
    const sender = startGst(
      ['rtpsession', 'name=s', 'rtp-profile=avpf', 'rtcp-min-interval=20000000',
        'videotestsrc', `num-buffers=${FRAMES}`, 'pattern=ball'], [rawCaps(g, 30)],
      ['rtpvrawpay', 'pt=96'], ['rtprtxsend', PT_MAP, 'max-size-time=1000', 'max-size-packets=0'], ['s.send_rtp_sink',
        's.send_rtp_src'], ['udpsink', 'host=127.0.0.1', `port=${relayPort}`,
        'udpsrc', `port=${gstRtcp}`, 'address=127.0.0.1'], ['s.recv_rtcp_sink',
        's.send_rtcp_src'], ['udpsink', 'host=127.0.0.1', `port=${port + 1}`, 'sync=false', 'async=false'],
    );
    const received = await finished(receiver, 30_000);
    const gst = await endRtcpSender(sender);
    // Killed only where rtpsession's EOS race left it waiting, and then with nothing wrong on its way there.
    if (!gst.hungAtEos) expect(gst.code, gst.stderr).to.equal(0);
    expect(gst.stderr).not.to.match(/ERROR|WARN/);
    const relayed = await interrupt(relay);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(relayed.stderr).to.match(/dropped [1-9]\d* \(loss/);
    // GStreamer's RTX answered framewire's NACKs: frames that lost packets came whole.
    expect(report.nack.packetsRequested, received.stderr).to.be.greaterThan(0);
    expect(report.rtx.received).to.be.greaterThan(0);
    expect(report.nack.framesRecovered).to.be.greaterThan(0);
    expect(report.framesComplete).to.be.at.least(Math.ceil(FRAMES * 0.99));
    expect(report.rtcp.peer.packetsSent, 'GStreamer\'s sender reports reached framewire').to.be.greaterThan(0);
    const files = await framePngs(pngDir);
    expect(files.length).to.be.at.least(Math.ceil(FRAMES * 0.99));
    // Each PNG must be one of GStreamer's frames, byte for byte, and no two the same frame. (A frame completed by a
    // retransmission leaves the assembler after the next one, so file names follow hand-over order, not frame order.)
    const matched = new Set<number>();
    for (const file of files) {
      const pixels = await readPngRgb(file, g.width, g.height);
      const n = expected.findIndex((f, i) => !matched.has(i) && f.equals(pixels));
      if (n >= 0) matched.add(n);
    }
    expect(matched.size, `${matched.size} of ${files.length} frames as GStreamer renders them`).to.be.at.least(Math.ceil(FRAMES * 0.99));
  });

  /**
   * framewire send (--rtx or not) -> relay -> GStreamer rtpsession + rtprtxreceive + rtpjitterbuffer. The frames are
   * framewire's stamped ball pattern: a frame GStreamer wrote is exact when its stamp decodes and the CRC of every
   * pixel below it matches (a hole GStreamer filled from an earlier buffer fails it), and the stamp says which frame.
   */
  async function gstReceives(rtx: boolean) {
    const media = await freeUdpPort();
    const gstRtcp = await freeUdpPort();
    const fwRtcp = await freeUdpPort();
    const out = path.join(dir, `gst-${rtx}.raw`);
    const gst = startGst(
      ['rtpsession', 'name=r', 'rtp-profile=avpf', 'rtcp-min-interval=20000000',
        'udpsrc', `port=${media}`, 'address=127.0.0.1', `caps="${rtpRawCaps(g)}"`], ['r.recv_rtp_sink',
        'r.recv_rtp_src'], ['rtprtxreceive', PT_MAP], ['rtpssrcdemux'],
      // GStreamer's own tuning for retransmission (its defaults recover far less; see the peers' README): two seconds
      // of latency, requests retried for most of them.
      ['rtpjitterbuffer', 'latency=2000', 'do-retransmission=true', 'rtx-retry-period=1800'], ['rtpvrawdepay'], [rawCaps(g)],
      ['filesink', `location=${out}`,
        'r.send_rtcp_src'], ['udpsink', 'host=127.0.0.1', `port=${fwRtcp}`, 'sync=false', 'async=false',
        'udpsrc', `port=${gstRtcp}`, 'address=127.0.0.1'], ['r.recv_rtcp_sink'],
    );
    await waitForUdpPort(gst, media);
    const { relay, relayPort } = await relayTo(media);
    const senderReport = path.join(dir, `sender-${rtx}.json`);
    const sent = await finished(startFramewirePeer([
      'send', '--source', 'pattern:ball', '--to', `127.0.0.1:${relayPort}`, '--fps', '30', '--frames', String(FRAMES),
      '--rtcp-listen', `127.0.0.1:${fwRtcp}`, '--rtcp-to', `127.0.0.1:${gstRtcp}`, '--report', senderReport,
      ...(rtx ? ['--rtx'] : []),
    ]), 30_000);
    expect(sent.code, sent.stderr).to.equal(0);
    // The jitter buffer holds the last frames for its two seconds of latency; then end the pipeline (-e: EOS, files
    // flushed).
    await sleep(3500);
    const ended = await interrupt(gst);
    expect(ended.code, ended.stderr).to.equal(0);
    await interrupt(relay);
    const frames = await readRawFrames(out, frameBytes(g));
    const exact = new Set<number>();
    for (const data of frames) {
      const stamp = readStamp({ ...g, data, index: 0, captureTimeUs: 0 });
      if (stamp?.intact) exact.add(stamp.index);
    }
    const missing = [...Array(FRAMES).keys()].filter((i) => !exact.has(i));
    return {
      exact: exact.size,
      written: frames.length,
      missing,
      sender: JSON.parse(await readFile(senderReport, 'utf8')) as {
        rtcp: { rttMs?: { p50: number }; peer?: { cname?: string } };
        rtx?: { retransmitted: number };
      },
    };
  }

  it('framewire send --rtx -> relay (2% loss) -> GStreamer rtprtxreceive: every frame exact, and its reports reach framewire', async () => {
    const on = await gstReceives(true);
    expect(on.exact, `${on.exact} exact of ${on.written} written, not ${on.missing}; ${JSON.stringify(on.sender.rtx)}`)
      .to.be.at.least(Math.ceil(FRAMES * 0.99));
    expect(on.sender.rtx!.retransmitted, 'GStreamer asked, framewire answered').to.be.greaterThan(0);
    // GStreamer's receiver reports came back: the round trip shows.
    expect(on.sender.rtcp.rttMs?.p50).to.be.a('number');
    expect(on.sender.rtcp.peer?.cname).to.be.a('string');

    const off = await gstReceives(false);
    // Without retransmission, GStreamer gets what the network left: 160x120 frames are 44 packets, so at 2% loss
    // well over a tenth of them lose one.
    expect(off.exact, `${off.exact} exact of ${off.written} written`).to.be.below(FRAMES * 0.95);
    expect(off.written).to.be.greaterThan(FRAMES * 0.5);
  });
});
