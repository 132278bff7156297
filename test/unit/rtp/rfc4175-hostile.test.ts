import { expect } from 'chai';
import type { FrameGeometry } from '../../../src/frame.js';
import { collector, craftPacket, makeFrame, packetsOf, rtpReader, rtpWriter, seededRandom } from './helpers.js';

const g: FrameGeometry = { width: 8, height: 4, format: 'uyvy' };
const ssrc = 99;

/** A depacketizer already following `ssrc`, so hostile packets reach the payload checks. */
function primed() {
  const c = collector();
  const d = rtpReader(g, c.onFrame);
  d.push(craftPacket({ sequence: 1, timestamp: 1000, ssrc, segments: [{ length: 4, line: 0, offset: 0 }] }), 0);
  return { d, ...c };
}

function expectMalformed(packet: Buffer): void {
  const { d, received } = primed();
  expect(() => d.push(packet, 0)).not.to.throw();
  d.flush();
  expect(d.stats.packetsMalformed, packet.toString('hex')).to.equal(1);
  expect(received.every((r) => r.info.packets === 1)).to.equal(true);
  expect(d.stats.framesComplete).to.equal(0);
}

const seg = (length: number, line: number, offset: number, field = false) => ({ length, line, offset, field });

describe('RFC 4175 stream reader on hostile input', () => {
  describe('counts malformed line headers and ignores the whole packet', () => {
    const bad: [string, ReturnType<typeof seg>[], Buffer?][] = [
      ['line past the frame', [seg(4, 4, 0)]],
      ['absurd line', [seg(4, 0x7fff, 0)]],
      ['offset past the line', [seg(4, 0, 8)]],
      ['absurd offset', [seg(4, 0, 0x7ffe)]],
      ['segment running past the line end', [seg(8, 0, 6)]],
      ['length not whole pixel groups', [seg(6, 0, 0)]],
      ['offset off a pixel-group boundary', [seg(4, 0, 1)]],
      ['absurd length', [seg(0xfffc, 0, 0)], Buffer.alloc(16)],
      ['lengths beyond the packet', [seg(8, 0, 0), seg(8, 1, 0)], Buffer.alloc(12)],
      ['F bit set (interlaced)', [seg(4, 0, 0, true)]],
      ['a good segment before a bad one', [seg(4, 1, 0), seg(4, 9, 0)]],
    ];
    for (const [why, segments, data] of bad) {
      const packet = craftPacket({ sequence: 2, timestamp: 1000, ssrc, segments, ...(data ? { data } : {}) });
      it(why, () => expectMalformed(packet));
    }
  });

  it('counts zero line headers, truncations and bad versions as malformed', () => {
    const good = craftPacket({ sequence: 2, timestamp: 1000, ssrc, segments: [seg(4, 1, 0)] });
    expectMalformed(good.subarray(0, 14));
    for (let n = 0; n < 20; n++) expectMalformed(good.subarray(0, n));
    const continuesForever = Buffer.from(good.subarray(0, 20));
    continuesForever.writeUInt16BE(0x8000, 18);
    expectMalformed(continuesForever);
    const v1 = Buffer.from(good);
    v1[0] = 0x40;
    expectMalformed(v1);
    const padTooLong = Buffer.from(good);
    padTooLong[0] |= 0x20;
    padTooLong[padTooLong.length - 1] = 200;
    expectMalformed(padTooLong);
    const extTooLong = Buffer.from(good);
    extTooLong[0] |= 0x10;
    expectMalformed(extTooLong);
  });

  it('survives seeded random bytes and random mutations of real packets without a complete frame', () => {
    const random = seededRandom(7);
    const c = collector();
    const d = rtpReader(g, c.onFrame);
    const real = packetsOf(rtpWriter(g, { mtu: 60, ssrc }), makeFrame(g, 0));
    let pushed = 0;
    for (let i = 0; i < 20_000; i++) {
      let packet: Buffer;
      if (i % 2 === 0) {
        packet = Buffer.alloc(Math.floor(random() * 80));
        for (let k = 0; k < packet.length; k++) packet[k] = Math.floor(random() * 256);
        if (random() < 0.5 && packet.length > 0) packet[0] = 0x80 | (packet[0]! & 0x3f);
      } else {
        // Keep the SSRC so mutations reach the payload checks; break a byte of the RFC 4175 part.
        packet = Buffer.from(real[Math.floor(random() * real.length)]!);
        const at = 12 + Math.floor(random() * (packet.length - 12));
        packet[at] = Math.floor(random() * 256);
        packet.writeUInt32BE(0x01000000 + i, 4);
      }
      expect(() => d.push(packet, i)).not.to.throw();
      pushed++;
    }
    d.flush();
    const s = d.stats;
    expect(s.packetsReceived).to.equal(pushed);
    expect(s.packetsMalformed).to.be.greaterThan(pushed / 3);
    // Every datagram is accounted for somewhere.
    const accounted = s.packetsMalformed + s.packetsForeignSsrc + s.packetsDuplicate + s.packetsLate;
    expect(accounted).to.be.at.most(pushed);
    // Each mutated packet stands alone under its own timestamp: none can make a frame whole.
    expect(s.framesComplete).to.equal(0);
    for (const r of c.received) expect(r.info.complete).to.equal(false);
  });

  it('accepts any payload type and skips CSRCs, header extension and padding', () => {
    const c = collector();
    const d = rtpReader(g, c.onFrame);
    const frame = makeFrame(g, 0);
    const packets = packetsOf(rtpWriter(g, { mtu: 1400, ssrc, payloadType: 33 }), frame);
    expect(packets).to.have.length(1);
    const p = packets[0]!;
    const csrcs = Buffer.alloc(8, 0x11);
    const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, 1, 2, 3, 4]);
    const padding = Buffer.from([0, 0, 0, 4]);
    const dressed = Buffer.concat([p.subarray(0, 12), csrcs, extension, p.subarray(12), padding]);
    dressed[0] = 0x80 | 0x20 | 0x10 | 2;
    d.push(dressed, 0);
    expect(d.stats.packetsMalformed).to.equal(0);
    expect(c.received).to.have.length(1);
    expect(c.received[0]!.frame.data.equals(frame.data)).to.equal(true);
  });

  it('does not let one forged far-away sequence number inflate the loss count', () => {
    const { d } = primed();
    d.push(craftPacket({ sequence: 0x40000000, timestamp: 1000, ssrc, segments: [seg(4, 1, 0)] }), 0);
    d.push(craftPacket({ sequence: 2, timestamp: 1000, ssrc, segments: [seg(4, 2, 0)] }), 0);
    expect(d.stats).to.include({ packetsLost: 0, packetsMalformed: 1 });
  });
});
