import { expect } from 'chai';
import { analyzeLoss, ReceivedPackets, RtpSequenceTap } from '../../../src/harness/packet-log.js';
import { createParsedRtpHeader, parseRtpHeader } from '../../../src/rtp/rtp-header.js';
import { packetsOf, rtpWriter } from '../rtp/helpers.js';

function receivedExcept(total: number, lost: number[]): ReceivedPackets {
  const r = new ReceivedPackets();
  for (let n = 0; n < total; n++) if (!lost.includes(n)) r.mark(n);
  return r;
}

describe('harness packet log', () => {
  it('finds every loss run, at the start, the middle and the end', () => {
    const loss = analyzeLoss(receivedExcept(20, [0, 1, 5, 9, 10, 11, 19]), 20);
    expect(loss.packetsLost).to.equal(7);
    expect(loss.bursts).to.deep.equal({ '1': 2, '2': 1, '3': 1 });
    expect(loss.maxBurst).to.equal(3);
    expect([...loss.lost].flatMap((v, i) => (v ? [i] : []))).to.deep.equal([0, 1, 5, 9, 10, 11, 19]);
  });

  it('reports no bursts when nothing was lost, and one run when everything was', () => {
    expect(analyzeLoss(receivedExcept(10, []), 10)).to.include({ packetsLost: 0, maxBurst: 0 });
    const all = analyzeLoss(new ReceivedPackets(), 10);
    expect(all.bursts).to.deep.equal({ '10': 1 });
  });

  it('grows past its first allocation', () => {
    const r = new ReceivedPackets();
    r.mark(100_000);
    expect(r.has(100_000)).to.equal(true);
    expect(r.has(99_999)).to.equal(false);
  });

  it('reads extended sequence numbers from real RFC 4175 packets, ignoring strangers and garbage', () => {
    const ssrc = 0x1234;
    // Start just below a 16-bit wrap so the extended high half matters.
    const initial = 0xfffe;
    const writer = rtpWriter({ width: 64, height: 32, format: 'rgb24' }, { mtu: 300, ssrc, initialSequence: initial });
    const frame = { width: 64, height: 32, format: 'rgb24' as const, data: Buffer.alloc(64 * 32 * 3), index: 0, captureTimeUs: 1e9 };
    const datagrams = packetsOf(writer, frame);
    expect(datagrams.length).to.be.greaterThan(4);
    const tap = new RtpSequenceTap(ssrc, initial, () => datagrams.length);
    // As the receive session calls it: the header parsed once, undefined when it does not parse.
    const header = createParsedRtpHeader();
    const observe = (d: Buffer): void => tap.onPacketIn(d, parseRtpHeader(d, header) ? header : undefined);
    datagrams.forEach((d, i) => { if (i !== 2 && i !== 3) observe(d); });
    observe(datagrams[0]!); // duplicate
    observe(Buffer.from([0x80, 0x60, 0, 1])); // truncated
    observe(Buffer.alloc(0));
    const foreign = Buffer.from(datagrams[2]!);
    foreign.writeUInt32BE(0x9999, 8);
    observe(foreign);
    const beyond = Buffer.from(datagrams[1]!);
    beyond.writeUInt16BE(0x7fff, 12); // claims a packet far beyond what was sent
    observe(beyond);
    const loss = analyzeLoss(tap.received, datagrams.length);
    expect(loss.packetsLost).to.equal(2);
    expect(loss.bursts).to.deep.equal({ '2': 1 });
  });
});
