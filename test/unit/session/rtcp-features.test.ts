import { expect } from 'chai';
import type { FrameGeometry } from '../../../src/frame.js';
import { buildRtcp, parseRtcp, type RtcpMessage } from '../../../src/rtcp/rtcp-message.js';
import { createParsedRtpHeader, parseRtpHeader } from '../../../src/rtp/rtp-header.js';
import { fromRtx } from '../../../src/rtp/rtx.js';
import type { ReceiveContext, SendInterceptor } from '../../../src/session/interceptor.js';
import { RtcpReceiverReports } from '../../../src/session/interceptors/rtcp-receiver-reports.js';
import { RtcpSenderReports } from '../../../src/session/interceptors/rtcp-sender-reports.js';
import { RtxSend } from '../../../src/session/interceptors/rtx-send.js';
import { SendSession } from '../../../src/session/send-session.js';
import { packetBytes } from '../../../src/rtp/index.js';
import { makeFrame, rtpWriter } from '../rtp/helpers.js';

const g: FrameGeometry = { width: 64, height: 32, format: 'rgb24' };
const MEDIA_SSRC = 0x5555;

function receiveContext(sent: Buffer[]): ReceiveContext {
  return {
    clockRate: 90_000, cname: 'rx', localSsrc: 0x4242, ssrc: MEDIA_SSRC, latencyUs: 100_000, rtcpMalformed: 0,
    sendRtcp: (d) => { sent.push(d); }, inject: () => undefined,
  };
}

describe('RTCP receiver reports (RFC 3550 section 6.4.2)', () => {
  it('reports loss, the extended highest sequence number and jitter as appendices A.3 and A.8 compute them', () => {
    const sent: Buffer[] = [];
    const rr = new RtcpReceiverReports(60_000);
    rr.bind(receiveContext(sent));
    const h = createParsedRtpHeader();
    const packet = Buffer.alloc(20);
    packet[0] = 0x80;
    packet[1] = 96;
    packet.writeUInt32BE(MEDIA_SSRC, 8);
    // 100 packets from 65500 across the 16-bit wrap, one every 10 ms of RTP time (900 ticks); every 10th lost;
    // each arrives 10 ms apart plus an extra 1 ms on odd packets: transit alternates, |D| = 90 ticks.
    let expectedJitter = 0;
    let lastTransit: number | undefined;
    for (let i = 0; i < 100; i++) {
      if (i % 10 === 5) continue;
      packet.writeUInt16BE((65_500 + i) & 0xffff, 2);
      packet.writeUInt32BE(1000 + i * 900, 4);
      parseRtpHeader(packet, h);
      const arrivalUs = 1e15 + i * 10_000 + (i % 2) * 1000;
      rr.onPacketIn(packet, h, arrivalUs);
      const transit = Math.floor((arrivalUs * 90_000) / 1e6) - (1000 + i * 900);
      if (lastTransit !== undefined) expectedJitter += (Math.abs(transit - lastTransit) - expectedJitter) / 16;
      lastTransit = transit;
    }
    rr.finish();
    const report = parseRtcp(sent.at(-1)!)!;
    expect(report.byes).to.deep.equal([0x4242]);
    const b = report.receiverReports[0]!.blocks[0]!;
    expect(b).to.include({ ssrc: MEDIA_SSRC, cumulativeLost: 10, highestSequence: 65_500 + 99, lsr: 0, dlsr: 0 });
    expect(b.fractionLost).to.equal(Math.floor((10 * 256) / 100));
    expect(b.jitter).to.equal(Math.round(expectedJitter));
    expect(rr.report()).to.include({ cumulativeLost: 10, packetsReceived: 90 });
  });

  it('echoes the last SR as LSR with the time it held it as DLSR', () => {
    const sent: Buffer[] = [];
    const rr = new RtcpReceiverReports(60_000);
    rr.bind(receiveContext(sent));
    const h = createParsedRtpHeader();
    const packet = Buffer.alloc(20);
    packet[0] = 0x80;
    packet[1] = 96;
    packet.writeUInt32BE(MEDIA_SSRC, 8);
    parseRtpHeader(packet, h);
    rr.onPacketIn(packet, h, Date.now() * 1000);
    const sr = buildRtcp({
      ssrc: MEDIA_SSRC, senderInfo: { ntp: { seconds: 0x1234_5678, fraction: 0x9abc_def0 }, rtpTimestamp: 0, packetCount: 1, octetCount: 8 },
      blocks: [], cname: 'tx',
    });
    rr.onRtcpIn(parseRtcp(sr)!, Date.now() * 1000 - 500_000);
    rr.finish();
    const b = parseRtcp(sent.at(-1)!)!.receiverReports[0]!.blocks[0]!;
    expect(b.lsr).to.equal(0x5678_9abc);
    expect(b.dlsr / 65_536).to.be.within(0.49, 5); // held since it came half a second ago
    expect(rr.report()).to.include({ malformed: 0, reportsReceived: 1 });
    expect(rr.report().peer).to.deep.equal({ packetsSent: 1, octetsSent: 8, cname: 'tx' });
  });
});

describe('incoming RTCP at the session', () => {
  it('is parsed once for every feature; a datagram that does not parse is counted, and reaches no feature', () => {
    const seen: RtcpMessage[][] = [[], []];
    const recorders = seen.map((into, k): SendInterceptor => ({ name: `recorder${k}`, onRtcpIn: (m) => { into.push(m); } }));
    const reports = new RtcpSenderReports(60_000);
    const session = new SendSession([reports, ...recorders], {
      ssrc: MEDIA_SSRC, payloadType: 96, clockRate: 90_000, cname: 'tx', packetRate: 1000, rtpTimestampAt: () => 0, maxDatagramBytes: 400,
    }, { sendMedia: () => undefined, sendRtcp: () => undefined }, () => 0);
    session.rtcpIn(buildRtcp({ ssrc: 1, blocks: [], cname: 'rx' }), 0);
    session.rtcpIn(Buffer.from('not rtcp at all'), 0);
    reports.finish();
    expect(seen[0]).to.have.length(1);
    expect(seen[1]![0], 'the same message, not parsed again').to.equal(seen[0]![0]);
    expect(session.rtcpMalformed).to.equal(1);
    expect(reports.report()).to.include({ reportsReceived: 1, malformed: 1 });
  });
});

describe('RTX on the sending side (RFC 4588)', () => {
  function setUp() {
    const writer = rtpWriter(g, { mtu: 400, ssrc: MEDIA_SSRC, initialSequence: 65_530 });
    const out: Buffer[] = [];
    const rtx = new RtxSend({ payloadType: 97, historyMs: 1000 });
    const session = new SendSession([rtx], {
      ssrc: MEDIA_SSRC, payloadType: 96, clockRate: 90_000, cname: 'tx', packetRate: 1000, rtpTimestampAt: () => 0, maxDatagramBytes: 400,
    }, { sendMedia: (d) => { out.push(Buffer.from(d)); }, sendRtcp: () => undefined }, () => Date.now() * 1000);
    const nack = (sequences: number[]) => buildRtcp({ ssrc: 1, blocks: [], cname: 'rx', nacks: [{ senderSsrc: 1, mediaSsrc: MEDIA_SSRC, sequences }] });
    return { writer, out, rtx, session, nack };
  }

  it('answers a NACK from the send history, after the frame buffer was reused, with RTX packets carrying the original', () => {
    const { writer, out, rtx, session, nack } = setUp();
    const frame = makeFrame(g, 0);
    const written = writer.write(frame);
    const packets = Array.from({ length: written.count }, (_, i) => packetBytes(written, i));
    session.frameOut(written, frame); // what the sender does: numbered, then recorded, then sent
    frame.data.fill(0xee); // the source reuses its buffer
    const sequences = [packets[1]!.readUInt16BE(2), packets[7]!.readUInt16BE(2)]; // 65531 and, past the wrap, 1
    session.rtcpIn(nack(sequences), 0);
    expect(out).to.have.length(2);
    const h = createParsedRtpHeader();
    out.forEach((rtxPacket, i) => {
      expect(parseRtpHeader(rtxPacket, h)).to.equal(true);
      expect(h.payloadType).to.equal(97);
      expect(h.ssrc).to.not.equal(MEDIA_SSRC);
      expect(rtxPacket.readUInt16BE(h.payloadStart), 'OSN').to.equal(sequences[i]);
      const original = fromRtx(rtxPacket, h, { payloadType: 96, ssrc: MEDIA_SSRC })!;
      expect(original.equals(packets[[1, 7][i]!]!), `packet ${[1, 7][i]}`).to.equal(true);
    });
    expect(rtx.report()).to.include({ nacksReceived: 1, packetsRequested: 2, retransmitted: 2, notInHistory: 0 });
  });

  it('answers a packet once however often it is asked for in a few ms, and bounds a storm by its byte budget', () => {
    const { writer, out, rtx, session, nack } = setUp();
    const frame = makeFrame(g, 0);
    const written = writer.write(frame);
    const packets = Array.from({ length: written.count }, (_, i) => packetBytes(written, i));
    session.frameOut(written, frame);
    const seq = packets[3]!.readUInt16BE(2);
    session.rtcpIn(nack([seq]), 0);
    session.rtcpIn(nack([seq]), 0);
    expect(out).to.have.length(1);
    expect(rtx.report()).to.include({ repeatedRequests: 1 });
    // Every sequence number at once: only what was sent is in the history, and the budget caps the bytes.
    const all = Array.from({ length: 65_536 }, (_, s) => s);
    session.rtcpIn(nack(all), 0);
    const r = rtx.report();
    expect(r.packetsRequested).to.equal(2 + 65_536);
    expect(r.retransmitted).to.be.at.most(packets.length + 1);
    expect(r.notInHistory).to.be.at.least(65_536 - packets.length);
    expect(out.length).to.equal(r.retransmitted);
  });
});
