import { expect } from 'chai';
import { ntpFromUs, ntpMiddle, roundTripUs, unitsFromUs, usFromUnits } from '../../../src/rtcp/ntp.js';
import { rtcpPacketCount } from '../../../src/rtcp/rtcp-check.js';
import { buildRtcp, parseRtcp, type ReceptionBlock } from '../../../src/rtcp/rtcp-message.js';
import { seededRandom } from '../rtp/helpers.js';

const block: ReceptionBlock = {
  ssrc: 0x11223344, fractionLost: 5, cumulativeLost: 70_000, highestSequence: 0x0001_2345, jitter: 1234, lsr: 0xabcd1234, dlsr: 6554,
};

describe('RTCP messages', () => {
  it('round-trips a sender report with a block, the CNAME and BYE in one compound (RFC 3550 section 6.1)', () => {
    const datagram = buildRtcp({
      ssrc: 7,
      senderInfo: { ntp: { seconds: 3_900_000_000, fraction: 123 }, rtpTimestamp: 90_000, packetCount: 4, octetCount: 5600 },
      blocks: [block],
      cname: 'framewire-1@host',
      bye: true,
    });
    expect(rtcpPacketCount(datagram)).to.equal(3);
    expect(datagram[1]).to.equal(200); // the compound starts with the SR
    const m = parseRtcp(datagram)!;
    expect(m.senderReports).to.deep.equal([{
      ssrc: 7, ntp: { seconds: 3_900_000_000, fraction: 123 }, rtpTimestamp: 90_000, packetCount: 4, octetCount: 5600, blocks: [block],
    }]);
    expect(m.cnames).to.deep.equal([{ ssrc: 7, cname: 'framewire-1@host' }]);
    expect(m.byes).to.deep.equal([7]);
    expect(m.receiverReports).to.deep.equal([]);
  });

  it('reads cumulative loss beyond 4,095 (rtp.js 0.15.5 reads only 12 of its 24 bits)', () => {
    const m = parseRtcp(buildRtcp({ ssrc: 1, blocks: [{ ...block, cumulativeLost: 4111 }], cname: 'x' }))!;
    expect(m.receiverReports[0]!.blocks[0]!.cumulativeLost).to.equal(4111);
  });

  it('round-trips generic NACKs (RFC 4585 section 6.2.1), across the 16-bit wrap, as few items as the bitmasks allow', () => {
    const sequences = [65_534, 65_535, 0, 1, 16, 40, 100, 116, 117];
    const datagram = buildRtcp({ ssrc: 9, blocks: [], cname: 'x', nacks: [{ senderSsrc: 9, mediaSsrc: 3, sequences }] });
    expect(datagram[1]).to.equal(201); // an RR leads, as a compound must
    const m = parseRtcp(datagram)!;
    expect(m.nacks).to.deep.equal([{ senderSsrc: 9, mediaSsrc: 3, sequences }]);
    // 65534 covers 65535, 0 and 1 (PID + 1..16, wrapped); 16, 40 and 100 (with 116) start items; 117 needs its own.
    let at = 0;
    while (datagram[at + 1] !== 205) at += (datagram.readUInt16BE(at + 2) + 1) * 4;
    expect(datagram.readUInt16BE(at + 2)).to.equal(2 + 5);
  });

  it('turns away what the lengths do not add up in, and whatever is not RTCP, without throwing', () => {
    const good = buildRtcp({ ssrc: 1, blocks: [block], cname: 'x' });
    const bad: Buffer[] = [
      Buffer.alloc(0),
      good.subarray(0, good.length - 4), // the last packet cut short
      Buffer.concat([good, Buffer.alloc(4)]), // trailing bytes beyond the last length
      Buffer.from(good).fill(0x40, 0, 1), // version 1
      (() => { const b = Buffer.from(good); b[1] = 96; return b; })(), // an RTP packet type
      (() => { const b = Buffer.from(good); b[1] = 204; return b; })(), // an APP packet may not lead a compound
      (() => { const b = Buffer.from(good); b.writeUInt16BE(0xffff, 2); return b; })(), // a length past the end
      (() => { const b = Buffer.from(good); b[0] |= 0x20; return b; })(), // padding in a packet that is not the last
    ];
    for (const d of bad) {
      expect(rtcpPacketCount(d), d.toString('hex')).to.equal(0);
      expect(parseRtcp(d)).to.equal(undefined);
    }
    const random = seededRandom(11);
    for (let i = 0; i < 5000; i++) {
      const d = Buffer.alloc(4 * Math.floor(random() * 40));
      for (let k = 0; k < d.length; k++) d[k] = Math.floor(random() * 256);
      if (d.length >= 4) { d[0] = 0x80 | (d[0]! & 0x1f); d[1] = 200 + Math.floor(random() * 7); }
      expect(() => parseRtcp(d)).not.to.throw();
    }
  });
});

describe('NTP timestamps and the RTCP round trip', () => {
  it('converts wall-clock microseconds to NTP (1900 epoch) and its middle 32 bits', () => {
    const t = ntpFromUs(1_700_000_000_500_000);
    expect(t.seconds).to.equal(1_700_000_000 + 2_208_988_800);
    expect(t.fraction).to.equal(2 ** 31);
    expect(ntpMiddle(t)).to.equal((((t.seconds & 0xffff) << 16) | 0x8000) >>> 0);
    expect(unitsFromUs(1_000_000)).to.equal(65_536);
    expect(usFromUnits(65_536)).to.equal(1_000_000);
  });

  it('computes the round trip of RFC 3550 section 6.4.1, figure 2', () => {
    // The figure's times in 1/65536 s: A (the report arrives) 0xb710:8000, LSR 0xb705:2000, DLSR 0x0005:4000
    // give 0x0006:2000 = 6.125 s.
    const arrivalNtp = { seconds: 0x0000_b710, fraction: 0x8000_0000 };
    const arrivalUs = (arrivalNtp.seconds - 2_208_988_800 + 2 ** 32 + arrivalNtp.fraction / 2 ** 32) * 1e6;
    expect(ntpMiddle(ntpFromUs(arrivalUs))).to.equal(0xb710_8000);
    expect(roundTripUs(arrivalUs, 0xb705_2000, 0x0005_4000)).to.be.closeTo(6_125_000, 20);
    expect(roundTripUs(arrivalUs, 0, 0x0005_4000), 'no SR echoed yet').to.equal(undefined);
    expect(roundTripUs(arrivalUs, 0xb710_8000, 0x0005_4000), 'negative: forged or skewed').to.equal(undefined);
  });
});
