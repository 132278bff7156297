import { nowUs } from '../../frame.js';
import { round } from '../../metrics.js';
import { ntpMiddle, unitsFromUs } from '../../rtcp/ntp.js';
import { nextReportMs } from '../../rtcp/report-interval.js';
import { buildRtcp, type ReceptionBlock, type RtcpMessage } from '../../rtcp/rtcp-message.js';
import type { ParsedRtpHeader } from '../../rtp/rtp-header.js';
import { SEQ_DUPLICATE, SEQ_IMPLAUSIBLE, SequenceTracker } from '../../rtp/sequence-tracker.js';
import type { ReceiveContext, ReceiveInterceptor } from '../interceptor.js';

export interface ReceiverRtcpReport {
  reportsSent: number;
  /** Compound RTCP datagrams from the sender that parsed. */
  reportsReceived: number;
  /** RTCP datagrams that did not parse (counted by the session, ignored). */
  malformed: number;
  /** Interarrival jitter (RFC 3550 section 6.4.1, appendix A.8) of the stream, as this receiver measured it. */
  jitterMs: number;
  /** Loss as these reports state it: over the last interval, and since the start. */
  fractionLost: number;
  cumulativeLost: number;
  /** What the sender said in its latest sender report, beside what this receiver counted. */
  peer?: { packetsSent: number; octetsSent: number; cname?: string };
  packetsReceived: number;
  byeReceived: boolean;
}

/**
 * A receiver's RTCP (RFC 3550 section 6.4.2): every interval (randomized) a receiver report on the stream it
 * follows (loss over the interval and in all, extended highest sequence number, interarrival jitter, and LSR/DLSR
 * echoing the sender's last SR so the sender can time the round trip), with the SDES CNAME; a last one with BYE at
 * the end. It keeps its own sequence accounting from the packets it sees, as RFC 3550 appendix A.3 does, and sees
 * them before any retransmission repairs them, so the loss it reports is the network's.
 */
export class RtcpReceiverReports implements ReceiveInterceptor {
  readonly name = 'rtcp';
  private context!: ReceiveContext;
  private timer: NodeJS.Timeout | undefined;
  private ssrc: number | undefined;
  private sequence = new SequenceTracker();
  /** RFC 3550 A.8, in RTP timestamp units, and the transit time of the previous packet. */
  private jitter = 0;
  private lastTransit: number | undefined;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private fraction = 0;
  /** Middle 32 bits of the last SR's NTP timestamp, and when it arrived. */
  private lsr = 0;
  private lsrArrivalUs = 0;
  private peer: ReceiverRtcpReport['peer'];
  private sent = 0;
  private received = 0;
  private bye = false;
  private finished = false;

  constructor(private readonly intervalMs: number) {}

  bind(context: ReceiveContext): void {
    this.context = context;
    this.schedule(true);
  }

  onPacketIn(_datagram: Buffer, h: ParsedRtpHeader | undefined, arrivalUs: number): void {
    if (h === undefined) return;
    const followed = this.context.ssrc ?? h.ssrc;
    if (h.ssrc !== followed) return;
    if (this.ssrc !== followed) this.restart(followed);
    const verdict = this.sequence.accept(this.sequence.extend(h.sequence));
    if (verdict === SEQ_DUPLICATE || verdict === SEQ_IMPLAUSIBLE) return;
    const arrival = Math.floor((arrivalUs * this.context.clockRate) / 1e6);
    const transit = ((arrival >>> 0) - h.timestamp) | 0;
    if (this.lastTransit !== undefined) {
      const d = Math.abs(transit - this.lastTransit);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  onRtcpIn(message: RtcpMessage, arrivalUs: number): void {
    this.received++;
    for (const sr of message.senderReports) {
      if (sr.ssrc !== this.ssrc) continue;
      this.lsr = ntpMiddle(sr.ntp);
      this.lsrArrivalUs = arrivalUs;
      const cname = message.cnames.find((c) => c.ssrc === sr.ssrc)?.cname ?? this.peer?.cname;
      this.peer = { packetsSent: sr.packetCount, octetsSent: sr.octetCount, ...(cname ? { cname } : {}) };
    }
    if (this.ssrc !== undefined && message.byes.includes(this.ssrc)) this.bye = true;
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.send(true);
  }

  report(): ReceiverRtcpReport {
    return {
      reportsSent: this.sent,
      reportsReceived: this.received,
      malformed: this.context.rtcpMalformed,
      jitterMs: round((this.jitter / this.context.clockRate) * 1000),
      fractionLost: round(this.fraction / 256, 4),
      cumulativeLost: this.sequence.lost,
      ...(this.peer ? { peer: this.peer } : {}),
      packetsReceived: this.sequence.receivedCount,
      byeReceived: this.bye,
    };
  }

  /** Another SSRC is followed now: its accounting starts afresh (RFC 3550 appendix A.1, a new source). */
  private restart(ssrc: number): void {
    this.ssrc = ssrc;
    this.sequence = new SequenceTracker();
    this.jitter = 0;
    this.lastTransit = undefined;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.lsr = 0;
  }

  /** The report block on the followed stream, with the interval's loss (RFC 3550 appendix A.3). */
  private block(now: number): ReceptionBlock | undefined {
    if (this.ssrc === undefined) return undefined;
    const expected = this.sequence.expected;
    const received = this.sequence.receivedCount;
    const expectedInterval = expected - this.expectedPrior;
    const lostInterval = expectedInterval - (received - this.receivedPrior);
    this.expectedPrior = expected;
    this.receivedPrior = received;
    this.fraction = expectedInterval > 0 && lostInterval > 0 ? Math.floor((lostInterval * 256) / expectedInterval) : 0;
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, this.fraction),
      cumulativeLost: this.sequence.lost,
      highestSequence: this.sequence.highest,
      jitter: this.jitter,
      lsr: this.lsr,
      dlsr: this.lsr === 0 ? 0 : unitsFromUs(now - this.lsrArrivalUs),
    };
  }

  private schedule(first: boolean): void {
    this.timer = setTimeout(() => {
      this.send(false);
      this.schedule(false);
    }, nextReportMs(this.intervalMs, first));
    this.timer.unref();
  }

  private send(bye: boolean): void {
    const block = this.block(nowUs());
    this.context.sendRtcp(buildRtcp({
      ssrc: this.context.localSsrc,
      blocks: block ? [block] : [],
      cname: this.context.cname,
      bye,
    }));
    this.sent++;
  }
}
