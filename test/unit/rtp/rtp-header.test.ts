import { expect } from 'chai';
import { createParsedRtpHeader, parseRtpHeader, writeRtpHeader } from '../../../src/rtp/rtp-header.js';

describe('RTP header', () => {
  it('writes version 2 and reads back every field', () => {
    const buf = Buffer.alloc(16);
    writeRtpHeader(buf, 0, { marker: true, payloadType: 96, sequence: 0xbeef, timestamp: 0xfedcba98, ssrc: 0x12345678 });
    expect(buf.subarray(0, 12).toString('hex')).to.equal('80e0beeffedcba9812345678');
    const h = createParsedRtpHeader();
    expect(parseRtpHeader(buf, h)).to.equal(true);
    expect(h).to.deep.equal({
      marker: true,
      payloadType: 96,
      sequence: 0xbeef,
      timestamp: 0xfedcba98,
      ssrc: 0x12345678,
      payloadStart: 12,
      payloadEnd: 16,
    });
  });

  it('skips CSRCs and the header extension, and strips padding', () => {
    const fixed = Buffer.alloc(12);
    writeRtpHeader(fixed, 0, { marker: false, payloadType: 96, sequence: 1, timestamp: 2, ssrc: 3 });
    fixed[0] = 0x80 | 0x20 | 0x10 | 3; // P, X, three CSRCs
    const csrcs = Buffer.alloc(12, 0x11);
    const extension = Buffer.from([0xbe, 0xde, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8]);
    const payloadAndPadding = Buffer.from([0xaa, 0, 0, 3]);
    const p = Buffer.concat([fixed, csrcs, extension, payloadAndPadding]);
    const h = createParsedRtpHeader();
    expect(parseRtpHeader(p, h)).to.equal(true);
    expect([h.payloadStart, h.payloadEnd]).to.deep.equal([36, p.length - 3]);
    expect(p.subarray(h.payloadStart, h.payloadEnd).toString('hex')).to.equal('aa');
  });

  it('rejects other versions and lengths that run past the datagram', () => {
    const h = createParsedRtpHeader();
    const base = Buffer.alloc(20);
    writeRtpHeader(base, 0, { marker: false, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0 });
    const mutate = (f: (b: Buffer) => void) => {
      const b = Buffer.from(base);
      f(b);
      return parseRtpHeader(b, h);
    };
    expect(parseRtpHeader(base.subarray(0, 11), h)).to.equal(false);
    expect(mutate((b) => (b[0] = 0x40))).to.equal(false);
    expect(mutate((b) => (b[0] = 0xc0))).to.equal(false);
    expect(mutate((b) => (b[0] = 0x80 | 15))).to.equal(false);
    expect(mutate((b) => ((b[0] = 0x90), b.writeUInt16BE(2, 14)))).to.equal(false);
    expect(mutate((b) => ((b[0] = 0xa0), (b[19] = 0)))).to.equal(false);
    expect(mutate((b) => ((b[0] = 0xa0), (b[19] = 9)))).to.equal(false);
    expect(mutate((b) => ((b[0] = 0xa0), (b[19] = 8)))).to.equal(true);
  });
});
