import type { Frame } from '../../frame.js';
import type { RtcpMessage } from '../../rtcp/rtcp-message.js';
import type { OutgoingPackets } from '../../rtp/outgoing-packets.js';
import type { SendContext, SendInterceptor } from '../interceptor.js';

export interface ReceiverPacedRateReport {
  /** The rate the stream is paced at now, packets a second. */
  packetsPerSecond: number;
  /** The highest rate reached, packets a second. */
  peakPacketsPerSecond: number;
  /** Reports that raised the rate, and that cut it for loss. */
  increases: number;
  decreases: number;
  /** Reception reports read for this stream. */
  reports: number;
}

export interface ReceiverPacedRateOptions {
  /** Where it starts, packets a second. */
  initialPacketsPerSecond: number;
  /** Told each new rate, packets a second (the sender's pacer takes it from there). */
  onRate: (packetsPerSecond: number) => void;
  /** The clock reports are timed by, µs (the sender's rate between two reports caps the next rise). */
  nowUs: () => number;
}

/** Loss a report may show without the rate being cut: a share of packets, under RFC 3550's 8-bit resolution (1/256). */
const LOSS_TOLERATED = 2 / 256;
/** Cut on loss, and growth per clean report once a cut has found the receiver's limit (AIMD, gentle on both sides). */
const DECREASE = 0.8;
const INCREASE = 1.06;
/**
 * Until the first loss: 1.5 times per clean report finds a receiver's limit within about a second from the start
 * (100,000 to 1.1 million packets a second in 6 reports); doubling overshot it so far that the report interval after
 * lost most of its frames on a loaded machine.
 */
const SLOW_START = 1.5;
const MIN_PACKETS_PER_SECOND = 1000;
/**
 * A rise never takes the rate beyond this multiple of what the sender really sent since the last report: where the
 * sender, not the receiver, is the limit, no loss ever comes back, and the rate would otherwise grow without bound.
 */
const HEADROOM = 1.5;

/**
 * `--fps max` as fast as the receiver keeps up, not as fast as this machine can send: on loopback, UDP has no
 * backpressure, and a GSO sender offers several million packets a second to a receiver that takes well under one
 * million, so without this almost every frame arrived incomplete. The sender's frames are paced (the native
 * thread's linear schedule) at a packet rate this feature sets from the receiver's RTCP reception reports (RFC 3550
 * section 6.4.2, fraction lost): raised 1.5 times per clean report until the first loss (slow start), then raised 6% per clean
 * report and cut on a report with more than 2/256 lost, to 80% or to the share that arrived, whichever is lower (AIMD,
 * as TCP's congestion avoidance). A cut waits for
 * the next report before another: the report after a cut still covers packets sent at the old rate. A rise stays
 * within 1.5 times what the sender managed since the last report.
 */
export class ReceiverPacedRate implements SendInterceptor {
  readonly name = 'rate';
  private context!: SendContext;
  private rate: number;
  private peak: number;
  private slowStart = true;
  /** The report after a cut is skipped for cuts: it still covers packets sent at the rate before. */
  private holdCuts = false;
  private readonly counts = { increases: 0, decreases: 0, reports: 0 };
  /** Packets sent since the last report, and when that report came (µs; undefined before the first). */
  private sentSince = 0;
  private lastReportUs: number | undefined;

  constructor(private readonly options: ReceiverPacedRateOptions) {
    this.rate = options.initialPacketsPerSecond;
    this.peak = this.rate;
  }

  bind(context: SendContext): void {
    this.context = context;
  }

  onFrameOut(packets: OutgoingPackets, _frame: Frame): void {
    this.sentSince += packets.count;
  }

  onRtcpIn(message: RtcpMessage): void {
    for (const report of [...message.receiverReports, ...message.senderReports]) {
      for (const block of report.blocks) {
        if (block.ssrc === this.context.ssrc) this.onReport(block.fractionLost / 256);
      }
    }
  }

  report(): ReceiverPacedRateReport {
    return { packetsPerSecond: Math.round(this.rate), peakPacketsPerSecond: Math.round(this.peak), ...this.counts };
  }

  private onReport(lost: number): void {
    this.counts.reports++;
    const nowUs = this.options.nowUs();
    const sentRate = this.lastReportUs === undefined ? Infinity : this.sentSince / Math.max(1e-3, (nowUs - this.lastReportUs) / 1e6);
    this.sentSince = 0;
    this.lastReportUs = nowUs;
    if (lost > LOSS_TOLERATED) {
      if (this.holdCuts) {
        this.holdCuts = false;
        return;
      }
      this.slowStart = false;
      this.holdCuts = true;
      this.counts.decreases++;
      // Where the loss is an overflowing receiver, rate x (1 - lost) is about what it took: far below a cut of 80%
      // after an overshoot of slow start, where waiting for several reports of heavy loss would cost every frame.
      this.set(Math.max(MIN_PACKETS_PER_SECOND, this.rate * Math.min(DECREASE, 1 - lost)));
      return;
    }
    this.holdCuts = false;
    const raised = Math.min(this.rate * (this.slowStart ? SLOW_START : INCREASE), Math.max(this.rate, sentRate * HEADROOM));
    if (raised <= this.rate) return;
    this.counts.increases++;
    this.set(raised);
  }

  private set(rate: number): void {
    this.rate = rate;
    this.peak = Math.max(this.peak, rate);
    this.options.onRate(rate);
  }
}
