import type { ParsedRtpHeader } from '../rtp/rtp-header.js';
import type { ReceiveInterceptor } from '../session/interceptor.js';
import { EXTENDED_SEQUENCE_BYTES } from '../rtp/formats/rfc4175/wire.js';

/**
 * Which packets of the stream reached the receiver, by sending ordinal (0 = the first packet sent). A bitmap
 * rather than a list, so duplicates and reordering need no sorting and memory grows with what was sent.
 */
export class ReceivedPackets {
  private bits = new Uint8Array(4096);

  /** Marks ordinal `n` received. The caller bounds `n` by what was actually sent. */
  mark(n: number): void {
    if (n >= this.bits.length) {
      // Doubling keeps growth amortised: no allocation per packet in steady state.
      let size = this.bits.length * 2;
      while (size <= n) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.bits);
      this.bits = bigger;
    }
    this.bits[n] = 1;
  }

  has(n: number): boolean {
    return n < this.bits.length && this.bits[n] === 1;
  }
}

/**
 * A receive feature that reads the RFC 4175 extended sequence number of each datagram the receiver takes in and
 * marks its sending ordinal. Datagrams are hostile: anything that did not parse, carries another SSRC or claims a
 * packet not yet sent is ignored here (the stream reader counts it as malformed or foreign).
 */
export class RtpSequenceTap implements ReceiveInterceptor {
  readonly name = 'sequence-tap';
  readonly received = new ReceivedPackets();

  constructor(
    private readonly ssrc: number,
    private readonly initialSequence: number,
    /** Packets sent so far: no genuine packet has an ordinal at or beyond it. */
    private readonly sentSoFar: () => number,
  ) {}

  onPacketIn(datagram: Buffer, h: ParsedRtpHeader | undefined): void {
    if (h === undefined || h.ssrc !== this.ssrc) return;
    if (h.payloadEnd - h.payloadStart < EXTENDED_SEQUENCE_BYTES) return;
    const extended = ((datagram.readUInt16BE(h.payloadStart) << 16) | h.sequence) >>> 0;
    const ordinal = (extended - this.initialSequence) >>> 0;
    if (ordinal < this.sentSoFar()) this.received.mark(ordinal);
  }
}

export interface PacketLoss {
  packetsSent: number;
  packetsLost: number;
  /** Run length -> how many runs of exactly that many consecutive lost packets. */
  bursts: Record<string, number>;
  maxBurst: number;
  /** Per sending ordinal, whether the packet was lost (for the loss time series). */
  lost: Uint8Array;
}

/** Finds every run of consecutive packets that never arrived among the first `packetsSent`. */
export function analyzeLoss(received: Pick<ReceivedPackets, 'has'>, packetsSent: number): PacketLoss {
  const lost = new Uint8Array(packetsSent);
  const counts = new Map<number, number>();
  let packetsLost = 0;
  let maxBurst = 0;
  let run = 0;
  for (let n = 0; n <= packetsSent; n++) {
    if (n < packetsSent && !received.has(n)) {
      lost[n] = 1;
      packetsLost++;
      run++;
      continue;
    }
    if (run > 0) {
      counts.set(run, (counts.get(run) ?? 0) + 1);
      maxBurst = Math.max(maxBurst, run);
      run = 0;
    }
  }
  const bursts: Record<string, number> = {};
  for (const length of [...counts.keys()].sort((a, b) => a - b)) bursts[String(length)] = counts.get(length)!;
  return { packetsSent, packetsLost, bursts, maxBurst, lost };
}
