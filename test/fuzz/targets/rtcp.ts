import fc from 'fast-check';
import { rtcpPacketCount } from '../../../src/rtcp/rtcp-check.js';
import { buildRtcp, parseRtcp, type RtcpCompound, type RtcpMessage } from '../../../src/rtcp/rtcp-message.js';
import { corpusFiles, type FuzzTarget } from '../fuzz-target.js';
import { mutatedBytes } from '../mutate.js';

/*
 * RTCP from the network (src/rtcp: framewire's RFC 3550 A.2 check, then rtp.js): a message or undefined, never a
 * throw; what buildRtcp writes reads back.
 */

const u32 = fc.nat(0xffffffff);
const block = fc.record({
  ssrc: u32,
  fractionLost: fc.nat(255),
  cumulativeLost: fc.nat(0x7fffff),
  highestSequence: u32,
  jitter: u32,
  lsr: u32,
  dlsr: u32,
});
const compound: fc.Arbitrary<RtcpCompound> = fc.record(
  {
    ssrc: u32,
    senderInfo: fc.record({
      ntp: fc.record({ seconds: u32, fraction: u32 }),
      rtpTimestamp: u32,
      packetCount: u32,
      octetCount: u32,
    }),
    blocks: fc.array(block, { maxLength: 4 }),
    cname: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme-ascii' }),
    nacks: fc.array(fc.record({ senderSsrc: u32, mediaSsrc: u32, sequences: fc.uniqueArray(fc.nat(0xffff), { minLength: 1, maxLength: 40 }) }), { maxLength: 2 }),
    bye: fc.boolean(),
  },
  { requiredKeys: ['ssrc', 'blocks', 'cname'] },
);

/** Compound packets a receiver and a sender of framewire send: the seed corpus. */
export function rtcpSeeds(): Array<{ name: string; bytes: Buffer }> {
  const b = { ssrc: 0x1111, fractionLost: 3, cumulativeLost: 4111, highestSequence: 0x1_0005, jitter: 90, lsr: 0x12345678, dlsr: 6553 };
  return [
    { name: 'receiver-rr-sdes-nack.rtcp', bytes: buildRtcp({ ssrc: 0x2222, blocks: [b], cname: 'rx@host', nacks: [{ senderSsrc: 0x2222, mediaSsrc: 0x1111, sequences: [7, 8, 9, 30] }] }) },
    { name: 'sender-sr-sdes.rtcp', bytes: buildRtcp({ ssrc: 0x1111, senderInfo: { ntp: { seconds: 3_900_000_000, fraction: 0x80000000 }, rtpTimestamp: 90_000, packetCount: 1200, octetCount: 1_500_000 }, blocks: [], cname: 'tx@host' }) },
    { name: 'receiver-rr-bye.rtcp', bytes: buildRtcp({ ssrc: 0x2222, blocks: [b, { ...b, ssrc: 0x3333 }], cname: 'rx@host', bye: true }) },
  ];
}

function checkMessage(m: RtcpMessage, datagram: Buffer): void {
  if (rtcpPacketCount(datagram) === 0) throw new Error('parseRtcp read a datagram the validity check refuses');
  for (const r of [...m.senderReports, ...m.receiverReports]) {
    for (const b of r.blocks) if (!(b.cumulativeLost >= 0 && b.fractionLost >= 0 && b.fractionLost <= 255)) throw new Error(`block ${JSON.stringify(b)}`);
  }
  for (const nack of m.nacks) if (nack.sequences.some((s) => !(s >= 0 && s <= 0xffff))) throw new Error(`nack ${JSON.stringify(nack)}`);
}

function mutatedNeverThrows(seeds: Buffer[]) {
  return fc.property(fc.oneof(mutatedBytes(seeds), fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a))), (d) => {
    const m = parseRtcp(d);
    if (m !== undefined) checkMessage(m, d);
  });
}

const roundTrip = fc.property(compound, (c) => {
  const d = buildRtcp(c);
  const m = parseRtcp(d);
  if (!m) throw new Error('what buildRtcp wrote does not parse');
  checkMessage(m, d);
  const reports = c.senderInfo ? m.senderReports : m.receiverReports;
  const blocks = reports[0]?.blocks ?? [];
  const same = reports.length === 1 && reports[0]!.ssrc === c.ssrc && JSON.stringify(blocks) === JSON.stringify(c.blocks) &&
    m.cnames.length === 1 && m.cnames[0]!.cname === c.cname && m.byes.length === (c.bye ? 1 : 0) &&
    m.nacks.length === (c.nacks?.length ?? 0) &&
    (c.nacks ?? []).every((n, i) => [...m.nacks[i]!.sequences].sort((a, b) => a - b).join() === [...n.sequences].sort((a, b) => a - b).join()) &&
    (!c.senderInfo || JSON.stringify(m.senderReports[0]!.ntp) === JSON.stringify(c.senderInfo.ntp));
  if (!same) throw new Error(`wrote ${JSON.stringify(c)}, read ${JSON.stringify(m)}`);
});

export const rtcpTarget: FuzzTarget = {
  name: 'rtcp',
  summary: 'RTCP parser (validity check + rtp.js): a message or undefined, never a throw; what buildRtcp writes reads back',
  properties() {
    return [
      { name: 'mutated RTCP never throws', property: mutatedNeverThrows(corpusFiles('rtcp')) },
      { name: 'what buildRtcp writes reads back', property: roundTrip },
    ];
  },
};
