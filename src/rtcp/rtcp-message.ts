import { packets } from 'rtp.js';
import type { NtpTime } from './ntp.js';
import { rtcpPacketCount } from './rtcp-check.js';

const {
  ByePacket,
  CompoundPacket,
  NackPacket,
  ReceiverReportPacket,
  ReceptionReport,
  SdesChunk,
  SdesPacket,
  SenderReportPacket,
} = packets;

/*
 * RTCP as framewire uses it, as plain values: sender and receiver reports (RFC 3550 sections 6.4.1, 6.4.2), SDES
 * CNAME (6.5.1), BYE (6.6) and generic NACK (RFC 4585 section 6.2.1). The bytes are read and written by rtp.js
 * (versatica's RTP/RTCP packet library), after framewire's own validity check (rtcp-check.ts) has turned away
 * anything whose lengths do not add up; whatever rtp.js still refuses is malformed too.
 */

/** One report block: what a receiver says of one source it hears (RFC 3550 section 6.4.1). */
export interface ReceptionBlock {
  ssrc: number;
  /** Fraction of packets lost since the previous report, out of 256. */
  fractionLost: number;
  /** Packets lost since reception began (expected - received), at least 0 here. */
  cumulativeLost: number;
  /** Highest sequence number received, extended to 32 bits with the count of wraps. */
  highestSequence: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR from that source, 0 if none yet. */
  lsr: number;
  /** Delay since that SR arrived, in 1/65536 s. */
  dlsr: number;
}

export interface SenderReport {
  ssrc: number;
  ntp: NtpTime;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  blocks: ReceptionBlock[];
}

export interface ReceiverReport {
  ssrc: number;
  blocks: ReceptionBlock[];
}

/** Generic NACK: the 16-bit sequence numbers `senderSsrc` asks `mediaSsrc` to send again. */
export interface Nack {
  senderSsrc: number;
  mediaSsrc: number;
  sequences: number[];
}

/** Everything framewire reads from one compound RTCP datagram. */
export interface RtcpMessage {
  senderReports: SenderReport[];
  receiverReports: ReceiverReport[];
  cnames: Array<{ ssrc: number; cname: string }>;
  byes: number[];
  nacks: Nack[];
  /**
   * Packets of kinds framewire does not read (APP, XR, PLI, ...), whole: what a feature from outside reads its own
   * RTCP from. Views, valid only while the message is handled.
   */
  others: Buffer[];
}

/** What one compound RTCP datagram framewire sends carries; the report (SR or RR) always comes first. */
export interface RtcpCompound {
  /** An SR when the sender info is given, else an RR. */
  ssrc: number;
  senderInfo?: Omit<SenderReport, 'ssrc' | 'blocks'>;
  blocks: ReceptionBlock[];
  cname: string;
  nacks?: Nack[];
  bye?: boolean;
}

const SDES_CNAME = 1;
/** Reception blocks in one report: RC is 5 bits (RFC 3550 section 6.4.1). */
export const MAX_BLOCKS = 31;
/** Cumulative loss is a signed 24-bit field. */
const MAX_LOST = 0x7fffff;

/**
 * Cumulative packets lost, the low 24 bits of a report block's second word, signed: read here from the block's
 * bytes, because rtp.js 0.15.5's getTotalLost() keeps only 12 of the 24 bits (4,111 lost reads as 15).
 */
function cumulativeLost(r: InstanceType<typeof ReceptionReport>): number {
  const lost = r.getView().getUint32(4) & 0xffffff;
  return lost > MAX_LOST ? 0 : lost; // a negative count (more duplicates than losses) reads as none lost
}

function blockFrom(r: InstanceType<typeof ReceptionReport>): ReceptionBlock {
  return {
    ssrc: r.getSsrc(),
    fractionLost: r.getFractionLost(),
    cumulativeLost: cumulativeLost(r),
    highestSequence: r.getHighestSeqNumber(),
    jitter: r.getJitter(),
    lsr: r.getLastSRTimestamp(),
    dlsr: r.getDelaySinceLastSR(),
  };
}

function blockTo(b: ReceptionBlock): InstanceType<typeof ReceptionReport> {
  const r = new ReceptionReport();
  r.setSsrc(b.ssrc >>> 0);
  r.setFractionLost(Math.max(0, Math.min(255, Math.round(b.fractionLost))));
  r.setTotalLost(Math.max(0, Math.min(MAX_LOST, b.cumulativeLost)));
  r.setHighestSeqNumber(b.highestSequence >>> 0);
  r.setJitter(Math.max(0, Math.round(b.jitter)) >>> 0);
  r.setLastSRTimestamp(b.lsr >>> 0);
  r.setDelaySinceLastSR(b.dlsr >>> 0);
  return r;
}

/** Reads a compound RTCP datagram; undefined when it is malformed (never throws). */
export function parseRtcp(datagram: Buffer): RtcpMessage | undefined {
  if (rtcpPacketCount(datagram) === 0) return undefined;
  const message: RtcpMessage = { senderReports: [], receiverReports: [], cnames: [], byes: [], nacks: [], others: [] };
  try {
    const compound = new CompoundPacket(new DataView(datagram.buffer, datagram.byteOffset, datagram.length));
    for (const p of compound.getPackets()) {
      if (p instanceof SenderReportPacket) {
        message.senderReports.push({
          ssrc: p.getSsrc(),
          ntp: { seconds: p.getNtpSeconds(), fraction: p.getNtpFraction() },
          rtpTimestamp: p.getRtpTimestamp(),
          packetCount: p.getPacketCount(),
          octetCount: p.getOctetCount(),
          blocks: p.getReports().map(blockFrom),
        });
      } else if (p instanceof ReceiverReportPacket) {
        message.receiverReports.push({ ssrc: p.getSsrc(), blocks: p.getReports().map(blockFrom) });
      } else if (p instanceof SdesPacket) {
        for (const chunk of p.getChunks()) {
          const cname = chunk.getItems().find((item) => item.type === SDES_CNAME);
          if (cname) message.cnames.push({ ssrc: chunk.getSsrc(), cname: cname.text });
        }
      } else if (p instanceof ByePacket) {
        message.byes.push(...p.getSsrcs());
      } else if (p instanceof NackPacket) {
        const sequences = p.getItems().flatMap((item) => nackSequences(item.pid, item.bitmask));
        message.nacks.push({ senderSsrc: p.getSenderSsrc(), mediaSsrc: p.getMediaSsrc(), sequences });
      } else {
        const view = p.getView();
        message.others.push(Buffer.from(view.buffer, view.byteOffset, view.byteLength));
      }
    }
  } catch {
    return undefined;
  }
  return message;
}

/*
 * Generic NACK items (RFC 4585 section 6.2.1): a packet ID and a bitmask of the 16 numbers after it, so a run of up
 * to 17 lost packets costs one 4-byte item. Sequence numbers are 16 bits and wrap, so PID + i is taken mod 2^16.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            PID                |             BLP               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

function nackSequences(pid: number, bitmask: number): number[] {
  const out = [pid & 0xffff];
  for (let i = 0; i < 16; i++) if (bitmask & (1 << i)) out.push((pid + i + 1) & 0xffff);
  return out;
}

function nackItems(sequences: readonly number[]): Array<{ pid: number; bitmask: number }> {
  const sorted = [...new Set(sequences.map((s) => s & 0xffff))].sort((a, b) => ((a - b) << 16) >> 16);
  const items: Array<{ pid: number; bitmask: number }> = [];
  for (const seq of sorted) {
    const last = items.at(-1);
    const offset = last ? (seq - last.pid) & 0xffff : 0;
    if (last && offset >= 1 && offset <= 16) last.bitmask |= 1 << (offset - 1);
    else items.push({ pid: seq, bitmask: 0 });
  }
  return items;
}

/** Writes one compound RTCP datagram: SR or RR, SDES CNAME, then NACKs and BYE when asked (RFC 3550 section 6.1). */
export function buildRtcp(c: RtcpCompound): Buffer {
  const compound = new CompoundPacket();
  const blocks = c.blocks.slice(0, MAX_BLOCKS).map(blockTo);
  if (c.senderInfo) {
    const sr = new SenderReportPacket();
    sr.setSsrc(c.ssrc >>> 0);
    sr.setNtpSeconds(c.senderInfo.ntp.seconds >>> 0);
    sr.setNtpFraction(c.senderInfo.ntp.fraction >>> 0);
    sr.setRtpTimestamp(c.senderInfo.rtpTimestamp >>> 0);
    sr.setPacketCount(c.senderInfo.packetCount >>> 0);
    sr.setOctetCount(c.senderInfo.octetCount >>> 0);
    for (const b of blocks) sr.addReport(b);
    compound.addPacket(sr);
  } else {
    const rr = new ReceiverReportPacket();
    rr.setSsrc(c.ssrc >>> 0);
    for (const b of blocks) rr.addReport(b);
    compound.addPacket(rr);
  }
  const sdes = new SdesPacket();
  const chunk = new SdesChunk();
  chunk.setSsrc(c.ssrc >>> 0);
  chunk.addItem(SDES_CNAME, c.cname);
  sdes.addChunk(chunk);
  compound.addPacket(sdes);
  for (const nack of c.nacks ?? []) {
    const packet = new NackPacket();
    packet.setSenderSsrc(nack.senderSsrc >>> 0);
    packet.setMediaSsrc(nack.mediaSsrc >>> 0);
    for (const item of nackItems(nack.sequences)) packet.addItem(item.pid, item.bitmask);
    compound.addPacket(packet);
  }
  if (c.bye) {
    const bye = new ByePacket();
    bye.addSsrc(c.ssrc >>> 0);
    compound.addPacket(bye);
  }
  compound.serialize();
  const view = compound.getView();
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
