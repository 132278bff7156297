import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import type { FrameGeometry } from '../../src/frame.js';
import { buildRtcp } from '../../src/rtcp/rtcp-message.js';
import type { ReceiveInterceptor, SendInterceptor } from '../../src/session/interceptor.js';
import { createPatternSource } from '../../src/sources/pattern.js';
import { Receiver } from '../../src/transport/receiver.js';
import { Sender } from '../../src/transport/sender.js';
import { seededRandom } from '../unit/rtp/helpers.js';
import { envForSuite } from '../support/native.js';
import { until } from '../support/until.js';

const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
const GARBAGE = 3000;
/** Every this many hostile datagrams, one is well-formed RTCP from a stranger: it parses, so features are handed it. */
const WELL_FORMED_EVERY = 50;

/**
 * Seeded hostile datagrams: random bytes, and RTP- and RTCP-looking ones with random bodies and lengths; now and then
 * a well-formed RTCP compound (an RR that reports on nobody).
 */
function garbage(seed: number, count: number): Buffer[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    if (i % WELL_FORMED_EVERY === 0) return buildRtcp({ ssrc: 0xbad, blocks: [], cname: 'stranger' });
    const d = Buffer.alloc(Math.floor(random() * 1500));
    for (let k = 0; k < d.length; k++) d[k] = Math.floor(random() * 256);
    if (d.length >= 2 && i % 3 === 1) d[0] = 0x80 | (d[0]! & 0x3f); // RTP version 2
    if (d.length >= 2 && i % 3 === 2) {
      d[0] = 0x80 | (d[0]! & 0x3f);
      d[1] = 192 + Math.floor(random() * 32); // an RTCP packet type
    }
    return d;
  });
}

/**
 * A feature that handles nothing well: it throws on every RTCP message it is handed (`seen`); `read` is every RTCP
 * datagram its session read, those and the malformed ones the session kept from it.
 */
function brittle(): ReceiveInterceptor & SendInterceptor & { seen: number; readonly read: number } {
  let session: { readonly rtcpMalformed: number } | undefined;
  return {
    name: 'brittle',
    seen: 0,
    get read() {
      return this.seen + (session?.rtcpMalformed ?? 0);
    },
    bind(context: { readonly rtcpMalformed: number }) {
      session = context;
    },
    onRtcpIn() {
      this.seen++;
      throw new Error('cannot parse that');
    },
  };
}

async function socket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

/** Sends in windows, letting the target read between them, so no datagram is lost to a full socket buffer. */
async function flood(from: Socket, port: number, datagrams: Buffer[], readSoFar: () => number): Promise<void> {
  for (let i = 0; i < datagrams.length; i += 100) {
    const window = datagrams.slice(i, i + 100);
    await Promise.all(window.map((d) => new Promise((resolve) => from.send(d, port, '127.0.0.1', resolve))));
    await until(() => readSoFar() >= i + window.length, () => `${i + window.length} datagrams read, got ${readSoFar()}`);
  }
}

describe('e2e: hostile datagrams at both ends of a session', function () {
  this.timeout(60_000);
  const opened: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of opened.splice(0).reverse()) await close();
  });

  for (const native of ['1', '0']) {
    describe(`FRAMEWIRE_NATIVE=${native}`, () => {
      envForSuite({ FRAMEWIRE_NATIVE: native });

      it('a receiver counts garbage on its RTP and RTCP ports, survives a feature that throws, and then assembles the real stream', async () => {
        const feature = brittle();
        const receiver = await Receiver.open({
          listen: { host: '127.0.0.1', port: 0 }, geometry: g, wire: 'rtp', features: [feature], timeoutSec: 10,
        });
        opened.push(() => { receiver.stop(); return receiver.done; });
        const attacker = await socket();
        opened.push(() => attacker.close());
        await flood(attacker, receiver.address.port, garbage(1, GARBAGE), () => receiver.progress().packetsReceived);
        await flood(attacker, receiver.rtcpAddress!.port, garbage(2, GARBAGE), () => feature.read);
        const source = await createPatternSource('smpte', g);
        const sender = await Sender.open(source, { to: receiver.address, wire: 'rtp', mtu: 1400, fps: 100, frames: 10 });
        await sender.run();
        await source.close();
        await until(() => receiver.progress().framesComplete >= 10, () => `10 frames, got ${receiver.progress().framesComplete}`);
        // The sender's own reports (one at least: the closing BYE) reach the brittle feature too.
        const reports = sender.stats.rtcp!.reportsSent;
        expect(reports).to.be.at.least(1);
        await until(() => feature.read >= GARBAGE + reports, () => `${GARBAGE + reports} RTCP datagrams read, got ${feature.read}`);
        receiver.stop();
        const report = await receiver.done;
        expect(report.packetsReceived).to.equal(GARBAGE + sender.packetsSent);
        // The garbage is malformed or from strangers; whatever parsed into the real stream's place is counted too.
        const rejected = report.packetsMalformed + report.packetsForeignSsrc + report.packetsDuplicate + report.packetsLate;
        expect(rejected).to.be.at.least(GARBAGE * 0.9);
        expect(report.framesComplete).to.be.at.least(10);
        expect(report.framesCorrupt).to.equal(0);
        // What parsed reached the feature (and threw); the rest the session counted malformed.
        expect(feature.read).to.equal(GARBAGE + reports);
        expect(feature.seen).to.be.at.least(GARBAGE / WELL_FORMED_EVERY + reports);
        expect(report.rtcp!.malformed).to.equal(GARBAGE + reports - feature.seen);
        expect(report.featureErrors).to.deep.equal({ count: feature.seen, first: 'brittle: cannot parse that' });
      });

      it('a sender counts garbage its receiver sends back, survives a feature that throws, and keeps sending', async () => {
        const target = await socket();
        opened.push(() => target.close());
        let got = 0;
        const senders: { port: number; address: string }[] = [];
        target.on('message', (_m, rinfo) => {
          got++;
          if (!senders.some((s) => s.port === rinfo.port)) senders.push(rinfo);
        });
        const feature = brittle();
        const source = await createPatternSource('smpte', g);
        opened.push(() => source.close());
        const stop = new AbortController();
        const sender = await Sender.open(source, {
          to: { host: '127.0.0.1', port: target.address().port }, wire: 'rtp', mtu: 1400, fps: 50,
          rtcpMux: true, features: [feature], signal: stop.signal,
        });
        const running = sender.run();
        opened.push(() => { stop.abort(); return running; });
        await until(() => got > 0, () => 'the first packet');
        // The sender's socket is connected: the kernel takes datagrams only from its peer, so garbage can come only
        // from there (a broken receiver, or a relay's reverse path).
        const hostile = garbage(3, GARBAGE);
        await flood(target, senders[0]!.port, hostile, () => sender.stats.rtcpReceived + sender.stats.otherReceived);
        const before = sender.stats.framesSent;
        await until(() => sender.stats.framesSent > before + 2, () => 'frames still going out after the flood');
        stop.abort();
        const stats = await running;
        expect(stats.rtcpReceived + stats.otherReceived).to.equal(GARBAGE);
        expect(stats.rtcpReceived).to.be.at.least(GARBAGE / 3 - 100);
        expect(feature.seen).to.be.at.least(GARBAGE / WELL_FORMED_EVERY);
        expect(feature.seen + stats.rtcp!.malformed).to.equal(stats.rtcpReceived);
        expect(stats.featureErrors.count).to.equal(feature.seen);
      });
    });
  }
});
