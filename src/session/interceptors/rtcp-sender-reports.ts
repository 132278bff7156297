import type { Frame } from '../../frame.js';
import { nowUs } from '../../frame.js';
import { Histogram } from '../../histogram.js';
import { round } from '../../metrics.js';
import { ntpFromUs, roundTripUs } from '../../rtcp/ntp.js';
import { nextReportMs } from '../../rtcp/report-interval.js';
import { buildRtcp, type ReceptionBlock, type RtcpMessage } from '../../rtcp/rtcp-message.js';
import type { OutgoingPackets } from '../../rtp/outgoing-packets.js';
import { RTP_HEADER_BYTES } from '../../rtp/rtp-header.js';
import type { SendContext, SendInterceptor } from '../interceptor.js';

export interface SenderRtcpReport {
  reportsSent: number;
  /** Compound RTCP datagrams that came back and parsed. */
  reportsReceived: number;
  /** RTCP datagrams that did not parse (counted by the session, ignored). */
  malformed: number;
  /** Round-trip time from each reception report's LSR and DLSR (RFC 3550 section 6.4.1). */
  rttMs?: { p50: number; max: number; samples: number };
  /** What the receiver said of this stream in its latest report, beside what this sender knows it sent. */
  peer?: {
    fractionLost: number;
    cumulativeLost: number;
    highestSequence: number;
    jitterMs: number;
    cname?: string;
  };
  /** This sender's own count, to set beside the peer's loss: the receiver saw highestSequence of these. */
  packetsSent: number;
  byeReceived: boolean;
}

/**
 * A sender's RTCP (RFC 3550 section 6.4.1): a sender report with the SDES CNAME every interval (randomized), and a
 * last one with BYE when the stream ends; reads the reception reports that come back for this stream and keeps the
 * round-trip time each one gives, and the latest one's loss and jitter.
 */
export class RtcpSenderReports implements SendInterceptor {
  readonly name = 'rtcp';
  private context!: SendContext;
  private timer: NodeJS.Timeout | undefined;
  private packets = 0;
  private payloadOctets = 0;
  private sent = 0;
  private received = 0;
  private readonly rttUs = new Histogram();
  private latest: ReceptionBlock | undefined;
  private peerCname: string | undefined;
  private bye = false;
  private finished = false;

  constructor(private readonly intervalMs: number) {}

  bind(context: SendContext): void {
    this.context = context;
    this.schedule(true);
  }

  onFrameOut(packets: OutgoingPackets, _frame: Frame): void {
    this.packets += packets.count;
    // The octet count is of payload only, without the RTP headers (RFC 3550 section 6.4.1).
    this.payloadOctets += packets.bytes - packets.count * RTP_HEADER_BYTES;
  }

  onRtcpIn(message: RtcpMessage, arrivalUs: number): void {
    this.received++;
    const ssrc = this.context.ssrc;
    for (const report of [...message.receiverReports, ...message.senderReports]) {
      for (const block of report.blocks) {
        if (block.ssrc !== ssrc) continue;
        this.latest = block;
        const rtt = roundTripUs(arrivalUs, block.lsr, block.dlsr);
        if (rtt !== undefined) this.rttUs.record(rtt);
        this.peerCname = message.cnames.find((c) => c.ssrc === report.ssrc)?.cname ?? this.peerCname;
      }
    }
    if (message.byes.length > 0) this.bye = true;
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.send(true);
  }

  report(): SenderRtcpReport {
    const rtt = this.rttUs.summary();
    const latest = this.latest;
    return {
      reportsSent: this.sent,
      reportsReceived: this.received,
      malformed: this.context.rtcpMalformed,
      ...(rtt.count > 0 ? { rttMs: { p50: round(rtt.p50 / 1000), max: round(rtt.max / 1000), samples: rtt.count } } : {}),
      ...(latest
        ? {
            peer: {
              fractionLost: round(latest.fractionLost / 256, 4),
              cumulativeLost: latest.cumulativeLost,
              highestSequence: latest.highestSequence,
              jitterMs: round((latest.jitter / this.context.clockRate) * 1000),
              ...(this.peerCname ? { cname: this.peerCname } : {}),
            },
          }
        : {}),
      packetsSent: this.packets,
      byeReceived: this.bye,
    };
  }

  private schedule(first: boolean): void {
    this.timer = setTimeout(() => {
      this.send(false);
      this.schedule(false);
    }, nextReportMs(this.intervalMs, first));
    // Reports alone never keep a finished process alive.
    this.timer.unref();
  }

  private send(bye: boolean): void {
    const { ssrc } = this.context;
    if (ssrc === undefined) return;
    const now = nowUs();
    this.context.sendRtcp(buildRtcp({
      ssrc,
      senderInfo: {
        ntp: ntpFromUs(now),
        rtpTimestamp: this.context.rtpTimestampAt(now) ?? 0,
        packetCount: this.packets,
        octetCount: this.payloadOctets,
      },
      blocks: [],
      cname: this.context.cname,
      bye,
    }));
    this.sent++;
  }
}
