import { expect } from 'chai';
import { frameBytes, lineBytes, pixelGroup, type FrameGeometry } from '../../../src/frame.js';
import { UsageError } from '../../../src/usage-error.js';
import { planRfc4175Layout } from '../../../src/rtp/index.js';
import { decodePacket, makeFrame, packetsOf, rtpWriter } from './helpers.js';

const smallestMtu = (g: FrameGeometry) => 28 + 12 + 2 + 6 + pixelGroup(g.format).bytes;

const cases: { g: FrameGeometry; mtu: number }[] = [];
for (const g of [
  { width: 161, height: 7, format: 'rgb24' },
  { width: 1, height: 1, format: 'rgb24' },
  { width: 160, height: 120, format: 'rgb24' },
  { width: 2, height: 1, format: 'uyvy' },
  { width: 642, height: 3, format: 'uyvy' },
] as FrameGeometry[]) {
  const mtus = [1400, 576, 9000];
  // The smallest MTUs make one packet per pixel group or so: keep them to small frames.
  if (frameBytes(g) < 10_000) mtus.push(smallestMtu(g), smallestMtu(g) + 7);
  for (const mtu of mtus) cases.push({ g, mtu });
}

describe('RFC 4175 stream writer', () => {
  for (const { g, mtu } of cases) {
    it(`lays out ${g.width}x${g.height} ${g.format} at mtu ${mtu} within the MTU, in whole pixel groups`, () => {
      const p = rtpWriter(g, { mtu, ssrc: 0x1234, initialSequence: 0xfffe, initialTimestamp: 0 });
      const frame = makeFrame(g, 1);
      const packets = packetsOf(p, frame);
      expect(packets.length).to.equal(planRfc4175Layout(g, mtu - 28 - 12).length);
      const pg = pixelGroup(g.format);
      const covered = Buffer.alloc(frameBytes(g));
      packets.forEach((pkt, i) => {
        expect(pkt.length, 'UDP payload').to.be.at.most(mtu - 28);
        const d = decodePacket(pkt);
        expect(d.version).to.equal(2);
        expect(d.marker).to.equal(i === packets.length - 1);
        expect(d.ssrc).to.equal(0x1234);
        expect(d.payloadType).to.equal(96);
        expect(d.sequence).to.equal((0xfffe + i) >>> 0);
        expect(d.segments.length).to.be.greaterThan(0);
        let at = 0;
        for (const s of d.segments) {
          expect(s.field).to.equal(0);
          expect(s.length % pg.bytes).to.equal(0);
          expect(s.length).to.be.greaterThan(0);
          expect(s.offset % pg.pixels).to.equal(0);
          expect(s.offset + (s.length / pg.bytes) * pg.pixels).to.be.at.most(g.width);
          const start = s.line * lineBytes(g) + (s.offset / pg.pixels) * pg.bytes;
          expect(d.data.subarray(at, at + s.length).equals(frame.data.subarray(start, start + s.length))).to.equal(true);
          covered.fill(1, start, start + s.length);
          at += s.length;
        }
        expect(at).to.equal(d.data.length);
      });
      expect(covered.every((b) => b === 1), 'every byte sent').to.equal(true);
    });
  }

  it('crosses the 16-bit sequence boundary into the extended sequence field', () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
    const p = rtpWriter(g, { mtu: 1400, initialSequence: 0xffff });
    const seqs = packetsOf(p, makeFrame(g, 0)).map((pkt) => decodePacket(pkt).sequence);
    expect(seqs.slice(0, 3)).to.deep.equal([0xffff, 0x10000, 0x10001]);
  });

  it('stamps 90 kHz timestamps from capture time plus the initial offset, wrapping at 2^32', () => {
    const g: FrameGeometry = { width: 4, height: 2, format: 'rgb24' };
    const p = rtpWriter(g, { mtu: 1400, initialTimestamp: 0xffffff00 });
    const ts = (us: number) => decodePacket(packetsOf(p, makeFrame(g, 0, us))[0]!).timestamp;
    expect(ts(0)).to.equal(0xffffff00);
    expect(ts(1_000_000)).to.equal((0xffffff00 + 90_000) >>> 0);
    expect(p.lastTimestamp).to.equal((0xffffff00 + 90_000) >>> 0);
    // Today's wall clock in microseconds: exact, where us * 0.09 in doubles would not be.
    const now = 1_732_000_000_123_456;
    expect(ts(now)).to.equal(Number((0xffffff00n + (BigInt(now) * 9n) / 100n) % 2n ** 32n));
  });

  it('continues the sequence across frames and keeps the layout', () => {
    const g: FrameGeometry = { width: 161, height: 7, format: 'rgb24' };
    const p = rtpWriter(g, { mtu: 576, initialSequence: 10 });
    const a = packetsOf(p, makeFrame(g, 0));
    const b = packetsOf(p, makeFrame(g, 1));
    expect(decodePacket(b[0]!).sequence).to.equal(10 + a.length);
    expect(b.map((x) => decodePacket(x).segments)).to.deep.equal(a.map((x) => decodePacket(x).segments));
  });

  it('picks a random SSRC unless one is given, and honours payloadType', () => {
    const g: FrameGeometry = { width: 2, height: 2, format: 'rgb24' };
    const ssrcs = new Set(Array.from({ length: 4 }, () => rtpWriter(g, { mtu: 1400 }).ssrc));
    expect(ssrcs.size).to.be.greaterThan(1);
    const p = rtpWriter(g, { mtu: 1400, payloadType: 112 });
    expect(decodePacket(packetsOf(p, makeFrame(g, 0))[0]!).payloadType).to.equal(112);
  });

  it("reuses its header table and the frame's own pixels: no allocation per packet", () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
    const p = rtpWriter(g, { mtu: 1400 });
    const frame = makeFrame(g, 0);
    const first = p.write(frame);
    const headers = first.headers;
    const second = p.write(frame);
    expect(second).to.equal(first);
    expect(second.headers).to.equal(headers);
    expect(second.data).to.equal(frame.data);
  });

  it('rejects an MTU that cannot carry one pixel group, naming the mtu setting', () => {
    const g: FrameGeometry = { width: 2, height: 1, format: 'uyvy' };
    expect(() => rtpWriter(g, { mtu: smallestMtu(g) - 1 }))
      .to.throw(UsageError, /^mtu: 51 .*smallest is 52/);
    expect(() => rtpWriter(g, { mtu: 70000 })).to.throw(UsageError, /^mtu: /);
    expect(() => rtpWriter(g, { mtu: 1400, payloadType: 128 })).to.throw(UsageError, /^payloadType: /);
    expect(() => rtpWriter(g, { mtu: 1400, ssrc: -1 })).to.throw(UsageError, /^ssrc: /);
  });

  it('refuses a frame of another geometry', () => {
    const p = rtpWriter({ width: 4, height: 4, format: 'rgb24' }, { mtu: 1400 });
    expect(() => p.write(makeFrame({ width: 4, height: 3, format: 'rgb24' }, 0))).to.throw(/4x3/);
  });
});
