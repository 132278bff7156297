import { expect } from 'chai';
import type { Frame, FrameGeometry } from '../../src/frame.js';
import { buildRtcp, type RtcpMessage } from '../../src/rtcp/rtcp-message.js';
import { registerPayloadFormat, type OutgoingPackets, type PayloadFormat } from '../../src/rtp/index.js';
import type { ParsedRtpHeader } from '../../src/rtp/rtp-header.js';
import type { AssemblyInfo } from '../../src/session/assembler.js';
import type { ReceiveContext, ReceiveInterceptor, SendContext, SendInterceptor } from '../../src/session/interceptor.js';
import type { HistoryReader } from '../../src/session/send-history.js';
import { createPatternSource } from '../../src/sources/pattern.js';
import type { Source } from '../../src/sources/source.js';
import { Receiver } from '../../src/transport/receiver.js';
import { Sender } from '../../src/transport/sender.js';
import { until } from '../support/until.js';

const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
const FRAMES = 12;

/**
 * An RTCP APP packet (RFC 3550 section 6.7) carrying one 32-bit number: what the toy receive feature sends back to
 * name a packet it saw.
 *
 *   0                   1                   2                   3
 *  |V=2|P| subtype |   PT=APP=204  |             length            |
 *  |                           SSRC/CSRC                           |
 *  |                          name (ASCII)                         |
 *  |                   application-dependent data                  |
 */
function appPacket(value: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = 204;
  b.writeUInt16BE(3, 2);
  b.write('TOYS', 8, 'ascii');
  b.writeUInt32BE(value >>> 0, 12);
  return b;
}

function appValue(packet: Buffer): number | undefined {
  return packet.length === 16 && packet[1] === 204 && packet.toString('ascii', 8, 12) === 'TOYS'
    ? packet.readUInt32BE(12)
    : undefined;
}

/** A compound RTCP datagram (an empty RR and SDES, RFC 3550 section 6.1) that ends with the toy's APP packet. */
function toyRtcp(ssrc: number, cname: string, value: number): Buffer {
  return Buffer.concat([buildRtcp({ ssrc, blocks: [], cname }), appPacket(value)]);
}

/** The toy's number in a parsed compound, if it carries one. */
function toyValue(message: RtcpMessage): number | undefined {
  return message.others.map(appValue).find((v) => v !== undefined);
}

/**
 * Sees every packet the sender sends and every RTCP datagram that comes back; when the receiver names a packet,
 * reads it back from the send history (the frames' buffers have been reused by then).
 */
class ToySendFeature implements SendInterceptor {
  readonly name = 'toy';
  packetsOut = 0;
  framesOut = 0;
  rtcpIn = 0;
  readonly fromHistory = new Map<number, Buffer | undefined>();
  private history!: HistoryReader;
  private context!: SendContext;

  bind(context: SendContext): void {
    this.context = context;
    this.history = context.history({ packets: 4096 });
  }

  onFrameOut(packets: OutgoingPackets, _frame: Frame): void {
    // Says hello once, as a sender report would: the receiver learns where this sender's RTCP comes from.
    if (this.framesOut++ === 0) this.context.sendRtcp(toyRtcp(this.context.ssrc!, this.context.cname, 0xffffffff));
    this.packetsOut += packets.count;
  }

  onRtcpIn(message: RtcpMessage, _arrivalUs: number): void {
    // The receiver's own RTCP reports come too; only the toy's APP packets are counted.
    const seq = toyValue(message);
    if (seq === undefined) return;
    this.rtcpIn++;
    this.fromHistory.set(seq, Buffer.from(this.history.get(seq, Date.now() * 1000) ?? []));
  }

  report(): unknown {
    return { packetsOut: this.packetsOut, rtcpIn: this.rtcpIn };
  }
}

/** Sees every packet and frame that comes in, keeps a copy of each frame's first packet, and names it back in RTCP. */
class ToyReceiveFeature implements ReceiveInterceptor {
  readonly name = 'toy';
  packetsIn = 0;
  framesIn = 0;
  rtcpIn = 0;
  rtcpOut = 0;
  /** Outgoing RTCP that is not the toy's: the receiver's own reports pass the features too. */
  otherRtcpOut = 0;
  readonly firstPackets = new Map<number, Buffer>();
  private context!: ReceiveContext;
  private firstOfFrame = new Map<number, number>();

  bind(context: ReceiveContext): void {
    this.context = context;
  }

  onPacketIn(datagram: Buffer, header: ParsedRtpHeader | undefined): void {
    this.packetsIn++;
    if (!header) return;
    const seq = ((datagram.readUInt16BE(header.payloadStart) << 16) | header.sequence) >>> 0;
    if (!this.firstOfFrame.has(header.timestamp)) {
      this.firstOfFrame.set(header.timestamp, seq);
      this.firstPackets.set(seq, Buffer.from(datagram));
    }
  }

  onFrameIn(_frame: Frame, info: AssemblyInfo): void {
    this.framesIn++;
    const seq = this.firstOfFrame.get(info.rtpTimestamp!);
    if (seq !== undefined) this.context.sendRtcp(toyRtcp(this.context.localSsrc, this.context.cname, seq));
  }

  onRtcpIn(message: RtcpMessage): void {
    if (toyValue(message) === 0xffffffff) this.rtcpIn++;
  }

  onRtcpOut(datagram: Buffer): void {
    if (appValue(datagram.subarray(-16)) === undefined) this.otherRtcpOut++;
    else this.rtcpOut++;
  }
}

/**
 * `count` frames of a source, then it holds the sender (sockets open, reading RTCP) until `release` is called: the
 * test decides when the stream is over, once every answer has come back.
 */
function heldSource(inner: Source, count: number): Source & { release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  return {
    geometry: inner.geometry,
    description: inner.description,
    close: () => inner.close(),
    release,
    async *[Symbol.asyncIterator]() {
      let n = 0;
      for await (const frame of inner) {
        yield frame;
        if (++n === count) break;
      }
      await released;
    },
  };
}

describe('e2e: session seams over real sockets', function () {
  this.timeout(30_000);
  const opened: Array<() => unknown> = [];
  // A test that fails mid-way must not leave a socket open (or a sender held): mocha would wait on it forever.
  afterEach(async () => {
    for (const close of opened.splice(0).reverse()) await close();
  });

  for (const rtcpMux of [false, true]) {
    it(`features on both sides see every packet, RTCP flows both ways${rtcpMux ? ' muxed on the RTP port' : ' on RTP port + 1'}, and the send history outlives the frame buffers`, async () => {
      const receiveToy = new ToyReceiveFeature();
      const receiver = await Receiver.open({
        listen: { host: '127.0.0.1', port: 0 }, geometry: g, wire: 'rtp', frames: FRAMES, timeoutSec: 10, rtcpMux,
        features: [receiveToy],
      });
      opened.push(() => { receiver.stop(); return receiver.done; });
      if (!rtcpMux) expect(receiver.rtcpAddress?.port).to.equal(receiver.address.port + 1);
      const sendToy = new ToySendFeature();
      // The pattern source reuses a small pool of frame buffers: packets named later are no longer in them.
      const source = heldSource(await createPatternSource('ball', g), FRAMES);
      const sender = await Sender.open(source, {
        to: receiver.address, wire: 'rtp', mtu: 1400, fps: 100, rtcpMux, features: [sendToy],
      });
      const sent = sender.run();
      opened.push(() => { source.release(); return sent; }, () => source.close());
      const report = await receiver.done;
      await until(() => sendToy.rtcpIn >= FRAMES, () => `${FRAMES} RTCP datagrams at the sender, got ${sendToy.rtcpIn}`);
      source.release();
      const stats = await sent;
      await source.close();

      expect(report.framesComplete).to.equal(FRAMES);
      expect(receiveToy.packetsIn).to.equal(report.packetsReceived);
      expect(sendToy.packetsOut).to.equal(stats.packetsSent);
      expect(receiveToy.packetsIn).to.equal(sendToy.packetsOut);
      expect(receiveToy.framesIn).to.equal(FRAMES);
      expect(receiveToy.rtcpOut).to.equal(FRAMES);
      expect(receiveToy.otherRtcpOut).to.be.greaterThan(0);
      expect(receiveToy.rtcpIn).to.equal(1);
      expect(sendToy.rtcpIn).to.equal(FRAMES);
      // Every RTCP datagram back at the sender parsed, the receiver's reports and the toy's compounds alike, and
      // reached every feature.
      expect(stats.rtcp).to.include({ reportsReceived: stats.rtcpReceived, malformed: 0 });
      expect(stats.features).to.deep.equal({ toy: { packetsOut: stats.packetsSent, rtcpIn: FRAMES } });
      expect(sendToy.fromHistory.size).to.equal(FRAMES);
      for (const [seq, bytes] of sendToy.fromHistory) {
        expect(bytes?.equals(receiveToy.firstPackets.get(seq)!), `packet ${seq} from the history`).to.equal(true);
      }
    });
  }

  it('carries frames in a payload format registered from outside, from Sender to Receiver', async () => {
    // Two packets a frame: the top half, then the bottom half, each after a 1-byte half number.
    const half = (g.width * g.height * 3) / 2;
    const halves: PayloadFormat = {
      name: 'toy-halves',
      summary: 'a frame in two halves (a test format)',
      framing: 'rtp',
      clockRate: 90_000,
      defaultPayloadType: 100,
      minPayload: () => ({ bytes: 1 + half, carries: 'half a frame' }),
      createPayloader() {
        const layout = {
          packets: 2, headers: Buffer.from([0, 1]), headerOffsets: Uint32Array.of(0, 1, 2), dataOffsets: Uint32Array.of(0, half, 2 * half),
        };
        return { layout: () => layout, data: (frame: Frame) => frame.data };
      },
      createDepayloader() {
        return {
          unitBytes: half,
          locate(datagram, start, end, runs) {
            if (end - start !== 1 + half || datagram[start]! > 1) return false;
            runs.count = 0;
            return runs.add(datagram[start]! * half, start + 1, half);
          },
        };
      },
    };
    const unregister = registerPayloadFormat(halves);
    try {
      const receiver = await Receiver.open({
        listen: { host: '127.0.0.1', port: 0 }, geometry: g, wire: 'toy-halves', frames: 5, timeoutSec: 10,
      });
      opened.push(() => { receiver.stop(); return receiver.done; });
      const source = await createPatternSource('smpte', g);
      const sender = await Sender.open(source, { to: receiver.address, wire: 'toy-halves', mtu: 65_000, fps: 100, frames: 5 });
      const stats = await sender.run();
      const report = await receiver.done;
      await source.close();
      expect(stats.packetsSent).to.equal(10);
      // Complete, and intact: the stamp's CRC over the pixels held, so every byte landed where it belongs.
      expect(report).to.include({ framesComplete: 5, framesCorrupt: 0, packetsMalformed: 0, packetsLost: 0 });
    } finally {
      unregister();
    }
  });
});
