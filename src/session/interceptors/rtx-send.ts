import { randomInt } from 'node:crypto';
import type { Frame } from '../../frame.js';
import { nowUs } from '../../frame.js';
import { round } from '../../metrics.js';
import type { RtcpMessage } from '../../rtcp/rtcp-message.js';
import type { OutgoingPackets } from '../../rtp/outgoing-packets.js';
import { toRtx } from '../../rtp/rtx.js';
import type { SendContext, SendInterceptor } from '../interceptor.js';
import { MAX_HISTORY_PACKETS, type HistoryReader } from '../send-history.js';

export interface RtxSendOptions {
  payloadType: number;
  /** Packets older than this are not sent again: an answer would come too late to help. */
  historyMs: number;
  /** Retransmitted bytes may reach this share of the media bytes sent (plus a small burst), no more. */
  maxOverhead?: number;
}

export interface RtxSendReport {
  nacksReceived: number;
  packetsRequested: number;
  retransmitted: number;
  bytesRetransmitted: number;
  /** Asked for, but no longer (or never) in the send history. */
  notInHistory: number;
  /** Asked for again within a few ms of being sent again: a repeated request, answered once. */
  repeatedRequests: number;
  /** Not sent: the retransmission budget (maxOverhead of the media bytes) was spent. */
  rateLimited: number;
  /** Retransmitted bytes as a share of the media bytes, percent. */
  overheadPercent: number;
}

/** After the last frame, the sender waits this long without a NACK before it closes (late losses get their answer). */
const QUIET_BEFORE_CLOSE_US = 200_000;
/** Packets kept when the stream's rate is not known in advance (--fps max): about a second of 1080p60. */
const DEFAULT_HISTORY_PACKETS = 32_768;
/** A packet is sent again at most once in this window, however often it is asked for. */
const RESEND_GAP_US = 2_000;
/** Retransmission may run ahead of its share by this much (a burst of requests at the start of a stream). */
const BURST_BYTES = 256 * 1024;
const DEFAULT_MAX_OVERHEAD = 1;

/**
 * RFC 4588 retransmission on the sending side: each generic NACK (RFC 4585) for this stream is answered from the send
 * history with RTX packets on a stream of their own (SSRC, sequence numbers, payload type; the original sequence
 * number first in the payload). Bounded so a NACK storm cannot amplify: each packet at most once in a few ms, and
 * all retransmissions together within a share of the media bytes.
 */
export class RtxSend implements SendInterceptor {
  readonly name = 'rtx';
  private context!: SendContext;
  private history!: HistoryReader;
  private readonly ssrc = randomInt(0x100000000);
  private sequence = randomInt(0x10000);
  /** Extended sequence number of the last media packet sent, -1 before the first. */
  private lastSent = -1;
  private lastFrameUs = 0;
  private lastNackUs = 0;
  private mediaBytes = 0;
  /** When each 16-bit sequence number was last sent again (0: never), so repeats within RESEND_GAP_US are dropped. */
  private readonly resentAtUs = new Float64Array(65_536);
  private readonly maxOverhead: number;
  private readonly counts = {
    nacksReceived: 0, packetsRequested: 0, retransmitted: 0, bytesRetransmitted: 0, notInHistory: 0, repeatedRequests: 0,
    rateLimited: 0,
  };

  constructor(private readonly options: RtxSendOptions) {
    this.maxOverhead = options.maxOverhead ?? DEFAULT_MAX_OVERHEAD;
  }

  bind(context: SendContext): void {
    this.context = context;
    const rate = context.packetRate;
    const packets = rate === undefined
      ? DEFAULT_HISTORY_PACKETS
      : Math.ceil((rate * this.options.historyMs * 1.25) / 1000);
    this.history = context.history({
      packets: Math.min(MAX_HISTORY_PACKETS, Math.max(256, packets)),
      maxAgeUs: this.options.historyMs * 1000,
    });
  }

  onFrameOut(packets: OutgoingPackets, _frame: Frame): void {
    this.lastSent = (packets.firstSequence + packets.count - 1) >>> 0;
    this.mediaBytes += packets.bytes;
    this.lastFrameUs = nowUs();
  }

  /** Until NACKs have been quiet for a while, and no longer than the history holds the last frame. */
  lingerMs(): number {
    if (this.lastSent < 0) return 0;
    const now = nowUs();
    const until = Math.min(Math.max(this.lastFrameUs, this.lastNackUs) + QUIET_BEFORE_CLOSE_US, this.lastFrameUs + this.options.historyMs * 1000);
    return Math.max(0, (until - now) / 1000);
  }

  onRtcpIn(message: RtcpMessage): void {
    if (this.lastSent < 0) return;
    const now = nowUs();
    for (const nack of message.nacks) {
      if (nack.mediaSsrc !== this.context.ssrc) continue;
      this.counts.nacksReceived++;
      this.lastNackUs = now;
      for (const seq of nack.sequences) this.answer(seq, now);
    }
  }

  report(): RtxSendReport {
    return {
      ...this.counts,
      overheadPercent: this.mediaBytes > 0 ? round((100 * this.counts.bytesRetransmitted) / this.mediaBytes) : 0,
    };
  }

  private answer(seq16: number, now: number): void {
    const c = this.counts;
    c.packetsRequested++;
    if (now - this.resentAtUs[seq16]! < RESEND_GAP_US) {
      c.repeatedRequests++;
      return;
    }
    // The most recent packet with these low 16 bits, at or before the last one sent.
    const sequence = (this.lastSent - ((this.lastSent - seq16) & 0xffff)) >>> 0;
    const original = this.history.get(sequence, now);
    if (!original) {
      c.notInHistory++;
      return;
    }
    if (c.bytesRetransmitted + original.length > this.maxOverhead * this.mediaBytes + BURST_BYTES) {
      c.rateLimited++;
      return;
    }
    const rtx = toRtx(original, { payloadType: this.options.payloadType, ssrc: this.ssrc, sequence: this.sequence });
    if (!rtx) return;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.resentAtUs[seq16] = now;
    c.retransmitted++;
    c.bytesRetransmitted += rtx.length;
    this.context.sendMedia(rtx);
  }
}
