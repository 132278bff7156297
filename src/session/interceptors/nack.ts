import type { Frame } from '../../frame.js';
import { nowUs } from '../../frame.js';
import { round } from '../../metrics.js';
import { buildRtcp } from '../../rtcp/rtcp-message.js';
import type { ParsedRtpHeader } from '../../rtp/rtp-header.js';
import type { AssemblyInfo } from '../assembler.js';
import type { ReceiveContext, ReceiveInterceptor } from '../interceptor.js';

export interface NackReport {
  /** RTCP datagrams carrying NACKs (RFC 4585 generic NACK, in a compound with an RR and the CNAME). */
  nacksSent: number;
  /** Distinct packets asked for at least once. */
  packetsRequested: number;
  /** Requests in all, retries included. */
  requestsSent: number;
  /** Packets asked for that then arrived (retransmitted, or merely late). */
  retransmissionsReceived: number;
  /** Complete frames that needed a packet asked for: saved by the requests. */
  framesRecovered: number;
  /** Packets given up on: a request now could no longer be answered within the latency budget. */
  packetsTooLate: number;
  /** Sequence jumps too large to ask for (a restarted sender, or a forged packet): nothing requested. */
  jumpsIgnored: number;
  /** The round trip the requests are timed by (smoothed): measured from request to arrival, or the assumed start. */
  rttMs: number;
}

export interface NackOptions {
  /** The round trip assumed until requests measure one, µs. */
  initialRttUs?: number;
  /** Told the RTP timestamp of each frame that came out whole thanks to a packet asked for. */
  onRecovered?: (rtpTimestamp: number) => void;
}

/** How often outstanding packets are looked at: retries and give-ups happen on this grid. */
const TICK_MS = 2;
/** A gap wider than this is not loss to repair (a restart, or a forged sequence number). */
const MAX_GAP = 4096;
/** Packets tracked as missing at once; beyond this, new gaps are not asked for (memory stays bounded). */
const MAX_MISSING = 16_384;
/** Timestamps of frames a request helped, kept until the frame is handed over. */
const MAX_RECOVERED = 1024;
/** Packets asked for in one RTCP datagram, so it stays within one MTU; the rest go on the next tick. */
const MAX_PER_NACK = 250;
/** Round trips measured are smoothed as TCP's are (RFC 6298 section 2): SRTT with 1/8, RTTVAR with 1/4. */
const RTT_GAIN = 1 / 8;
const RTTVAR_GAIN = 1 / 4;

interface Missing {
  detectedUs: number;
  lastRequestUs: number;
  requests: number;
}

/**
 * Generic NACK (RFC 4585 section 6.2.1) on the receiving side. A sequence gap is asked for at once, batched per turn
 * of the event loop; a packet still missing is asked for again once its answer is overdue (smoothed round trip plus
 * four deviations, as TCP times a retransmission), never within a round trip, and given up when a retransmission
 * asked for now could not arrive within the latency budget (the time the assembler waits for a frame). The round
 * trip is measured from request to arrival, on packets asked for once (Karn). It follows the stream the reader follows and sees
 * packets after RTX has turned them back into originals, so a repaired packet ends its request.
 */
export class NackGenerator implements ReceiveInterceptor {
  readonly name = 'nack';
  private context!: ReceiveContext;
  private ssrc: number | undefined;
  /** Highest extended sequence number seen, -1 before the first packet. */
  private highest = -1;
  private readonly missing = new Map<number, Missing>();
  private readonly recovered = new Set<number>();
  private rttUs: number;
  /** Mean deviation of the round trip: a retry waits SRTT + 4 RTTVAR (TCP's RTO), so a slow answer is not asked again. */
  private rttVarUs: number;
  private flushing: NodeJS.Immediate | undefined;
  private ticking: NodeJS.Timeout | undefined;
  private finished = false;
  private readonly counts = {
    nacksSent: 0,
    packetsRequested: 0,
    requestsSent: 0,
    retransmissionsReceived: 0,
    framesRecovered: 0,
    packetsTooLate: 0,
    jumpsIgnored: 0,
  };

  constructor(private readonly options: NackOptions = {}) {
    this.rttUs = options.initialRttUs ?? 20_000;
    this.rttVarUs = this.rttUs / 2;
  }

  bind(context: ReceiveContext): void {
    this.context = context;
  }

  onPacketIn(_datagram: Buffer, h: ParsedRtpHeader | undefined, arrivalUs: number): void {
    if (h === undefined || this.finished) return;
    const followed = this.context.ssrc ?? h.ssrc;
    if (h.ssrc !== followed) return;
    if (this.ssrc !== followed) this.restart(followed);
    const seq = this.extend(h.sequence);
    if (this.highest < 0) {
      this.highest = seq;
      return;
    }
    const delta = seq - this.highest;
    if (delta > 0) {
      if (delta > MAX_GAP) {
        this.counts.jumpsIgnored++;
        this.missing.clear();
      } else {
        for (let s = this.highest + 1; s < seq && this.missing.size < MAX_MISSING; s++) {
          this.missing.set(s, { detectedUs: arrivalUs, lastRequestUs: 0, requests: 0 });
        }
        if (delta > 1) this.flushing ??= setImmediate(this.flush);
      }
      this.highest = seq;
      return;
    }
    const entry = this.missing.get(seq);
    if (!entry) return;
    this.missing.delete(seq);
    if (entry.requests === 0) return; // reordered, not lost: it came before anyone asked
    this.counts.retransmissionsReceived++;
    // Karn's rule: a packet asked for more than once could be answering any of the requests; time only the others.
    if (entry.requests === 1) {
      const sample = Math.max(TICK_MS * 1000, arrivalUs - entry.lastRequestUs);
      this.rttVarUs += (Math.abs(this.rttUs - sample) - this.rttVarUs) * RTTVAR_GAIN;
      this.rttUs += (sample - this.rttUs) * RTT_GAIN;
    }
    if (this.recovered.size < MAX_RECOVERED) this.recovered.add(h.timestamp);
  }

  onFrameIn(_frame: Frame, info: AssemblyInfo): void {
    if (info.rtpTimestamp === undefined || !this.recovered.delete(info.rtpTimestamp)) return;
    if (!info.complete) return;
    this.counts.framesRecovered++;
    this.options.onRecovered?.(info.rtpTimestamp);
  }

  finish(): void {
    this.finished = true;
    if (this.flushing) clearImmediate(this.flushing);
    if (this.ticking) clearTimeout(this.ticking);
    this.counts.packetsTooLate += this.missing.size > 0 ? [...this.missing.values()].filter((e) => e.requests > 0).length : 0;
    this.missing.clear();
  }

  report(): NackReport {
    return { ...this.counts, rttMs: round(this.rttUs / 1000) };
  }

  /** The 32-bit number nearest the highest seen whose low 16 bits are `sequence` (RFC 3550 appendix A.1). */
  private extend(sequence: number): number {
    if (this.highest < 0) return sequence;
    return this.highest + ((((sequence - this.highest) & 0xffff) << 16) >> 16);
  }

  private restart(ssrc: number): void {
    this.ssrc = ssrc;
    this.highest = -1;
    this.missing.clear();
    this.recovered.clear();
  }

  /** Asks for every missing packet that is due, gives up on those past hope, and comes back in a tick if any wait. */
  private readonly flush = (): void => {
    this.flushing = undefined;
    if (this.ticking) clearTimeout(this.ticking);
    this.ticking = undefined;
    if (this.finished || this.ssrc === undefined) return;
    const now = nowUs();
    const due: number[] = [];
    const retryUs = Math.max(this.rttUs + 4 * this.rttVarUs, TICK_MS * 1000);
    for (const [seq, e] of this.missing) {
      if (now + this.rttUs > e.detectedUs + this.context.latencyUs) {
        // A retransmission asked for now would arrive after the frame is given up.
        this.counts.packetsTooLate++;
        this.missing.delete(seq);
      } else if (due.length < MAX_PER_NACK && (e.requests === 0 || now - e.lastRequestUs >= retryUs)) {
        if (e.requests === 0) this.counts.packetsRequested++;
        e.requests++;
        e.lastRequestUs = now;
        due.push(seq);
      }
    }
    if (due.length > 0) {
      this.counts.requestsSent += due.length;
      this.counts.nacksSent++;
      const local = this.context.localSsrc;
      this.context.sendRtcp(buildRtcp({
        ssrc: local,
        blocks: [],
        cname: this.context.cname,
        nacks: [{ senderSsrc: local, mediaSsrc: this.ssrc, sequences: due }],
      }));
    }
    if (this.missing.size > 0) {
      this.ticking = setTimeout(this.flush, TICK_MS);
      this.ticking.unref();
    }
  };
}
