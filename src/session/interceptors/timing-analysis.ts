import { round } from '../../metrics.js';
import type { ParsedRtpHeader } from '../../rtp/rtp-header.js';
import type { ArrivalClock } from '../../transport/port.js';
import type { ReceiveContext, ReceiveInterceptor } from '../interceptor.js';
import { FramePeriodEstimate } from '../timing/frame-period.js';
import { measureFrame, scheduleOf } from '../timing/frame-timing.js';
import {
  RACTIVE_PROGRESSIVE, readSpacing, timingLimits, verdictOf, worseVerdict, type Schedule, type TimingLimits, type TimingVerdict,
} from '../timing/st2110-21.js';

/** One frame's timing, as its record in the frame log carries it. */
export interface FrameTiming {
  packets: number;
  cinstMax: number;
  vrxMax: number;
  /**
   * When the frame's first packet arrived, against when its RTP timestamp says the frame began, µs: relative to the
   * first analyzed frame (whose offset is 0), since sender and receiver share no PTP epoch. Drift and jitter of the
   * frame starts show here; EBU LIST's FPT and TRoffset need the common clock this does not have.
   */
  firstPacketOffsetUs: number;
  schedule: Schedule;
  verdict: TimingVerdict;
}

/** What the analyzer found over the whole stream (the receive report's `timing`). */
export interface TimingReport {
  /** The worst frame's verdict; 'not measured' while no frame was analyzed. */
  verdict: TimingVerdict | 'not measured';
  cinstMax: number;
  vrxMax: number;
  /** The limits of the latest analyzed frame (they depend on its packet count and the frame period). */
  cmaxNarrow?: number;
  cmaxWide?: number;
  vrxFullNarrow?: number;
  vrxFullWide?: number;
  framesAnalyzed: number;
  /** Frames by their own verdict. */
  frames: Record<TimingVerdict, number>;
  /**
   * Frames not analyzed: the first (it may have begun before the receiver did), those before the frame period was
   * known, and those with a lost, reordered or late packet or no marker (their arrival pattern is not the sender's).
   */
  framesSkipped: number;
  packetsPerFrame?: number;
  /** The frame rate the limits were taken with, and where it came from: the SDP, or measured from RTP timestamps. */
  fps?: number;
  fpsFrom: 'sdp' | 'rtp';
  /** Schedule of the latest analyzed frame, told from the share of the frame period it spans (see scheduleOf). */
  schedule?: Schedule;
  firstPacketOffsetUs?: { min: number; max: number };
  /** Kernel receive stamps (native receive path) or Node's clock (node:dgram): set by the receiver. */
  clock?: ArrivalClock;
}

export interface TimingAnalysisOptions {
  /** The stream's frame rate when an SDP says it (exactframerate); otherwise it is measured from RTP timestamps. */
  fps?: number;
}

/** Packets a frame may have and still be analyzed: 64 Ki arrival times, 512 KB (a 4K 4:2:2 10-bit frame has ~17,000). */
const MAX_PACKETS = 65536;

/**
 * The ST 2110-21 timing analysis of a received stream: for every frame, from its packets' receive times (the kernel's
 * stamps on the native path), Cinst and VRX maxima, its first-packet offset and packet count, and its verdict against
 * the narrow and wide limits (src/session/timing/). The stream's verdict is its worst frame's.
 *
 * It sees packets in arrival order before any repair (RTX and FEC come after it), follows the first media stream
 * (SSRC and payload type) it sees, and keeps one frame's arrival times in a preallocated array: per packet, a few
 * comparisons and one store; per frame, one pass over the frame. Nothing grows with the length of the run.
 */
export class TimingAnalysis implements ReceiveInterceptor {
  readonly name = 'timing';
  /** The latest analyzed frame, for its record in the frame log (matched by RTP timestamp). */
  latest: { rtpTimestamp: number; timing: FrameTiming } | undefined;
  private context: ReceiveContext | undefined;
  private readonly ractive = RACTIVE_PROGRESSIVE;
  private readonly period = new FramePeriodEstimate();
  private offsets = new Float64Array(1024);
  private ssrc: number | undefined;
  private payloadType = 0;
  // The frame being received (or the latest one, once closed).
  private started = false;
  private inFrame = false;
  private frameTimestamp = 0;
  private firstUs = 0;
  private count = 0;
  private nextSequence = 0;
  private broken = false;
  /** Frames of the followed stream that ended (the first is never analyzed: it may have begun before we did). */
  private framesEnded = 0;
  private anchor: { us: number; timestamp: number } | undefined;
  // Totals.
  private cinstMax = 0;
  private vrxMax = 0;
  private worst: TimingVerdict | undefined;
  private readonly frames: Record<TimingVerdict, number> = { narrow: 0, wide: 0, 'non-conformant': 0 };
  private framesSkipped = 0;
  private limits: TimingLimits | undefined;
  private limitsPeriodUs = 0;
  private packetsPerFrame: number | undefined;
  private schedule: Schedule | undefined;
  private offsetMin = Infinity;
  private offsetMax = -Infinity;
  private measuredFps: number | undefined;

  constructor(private readonly options: TimingAnalysisOptions) {}

  bind(context: ReceiveContext): void {
    this.context = context;
  }

  onPacketIn(_datagram: Buffer, h: ParsedRtpHeader | undefined, arrivalUs: number): void {
    if (!h) return;
    if (this.ssrc === undefined) this.follow(h);
    else if (h.ssrc !== this.ssrc) {
      // Another stream (RTX, a stray sender) is not this one's timing; a sender the reader took over to (a restart) is.
      if (h.ssrc !== this.context?.ssrc) return;
      this.follow(h);
    } else if (h.payloadType !== this.payloadType) return;
    if (!this.inFrame || h.timestamp !== this.frameTimestamp) {
      // A late packet of a frame already closed (or given up) is that frame's, not the start of another.
      if (this.started && ((h.timestamp - this.frameTimestamp) | 0) <= 0) return;
      if (this.inFrame) this.skip(); // the frame ended without its marker packet
      // A frame whose first packets were lost would look whole but short: it must start where the last one ended.
      this.broken = this.started && h.sequence !== this.nextSequence;
      this.started = true;
      this.inFrame = true;
      this.frameTimestamp = h.timestamp;
      this.firstUs = arrivalUs;
      this.count = 0;
    } else if (h.sequence !== this.nextSequence) {
      this.broken = true; // lost or reordered
    }
    this.nextSequence = (h.sequence + 1) & 0xffff;
    if (this.count === this.offsets.length) this.grow();
    if (this.count < this.offsets.length) this.offsets[this.count] = arrivalUs - this.firstUs;
    this.count++;
    if (h.marker) this.endFrame();
  }

  report(): TimingReport {
    const limits = this.limits;
    const analyzed = this.frames.narrow + this.frames.wide + this.frames['non-conformant'];
    const fps = this.options.fps ?? this.measuredFps;
    return {
      verdict: this.worst ?? 'not measured',
      cinstMax: this.cinstMax,
      vrxMax: this.vrxMax,
      ...(limits ?? {}),
      framesAnalyzed: analyzed,
      frames: { ...this.frames },
      framesSkipped: this.framesSkipped + (this.inFrame ? 1 : 0),
      ...(this.packetsPerFrame !== undefined ? { packetsPerFrame: this.packetsPerFrame } : {}),
      ...(fps !== undefined ? { fps: round(fps, 3) } : {}),
      fpsFrom: this.options.fps !== undefined ? 'sdp' : 'rtp',
      ...(this.schedule ? { schedule: this.schedule } : {}),
      ...(analyzed > 0 ? { firstPacketOffsetUs: { min: round(this.offsetMin, 1), max: round(this.offsetMax, 1) } } : {}),
    };
  }

  private follow(h: ParsedRtpHeader): void {
    this.ssrc = h.ssrc;
    this.payloadType = h.payloadType;
    this.started = false;
    this.inFrame = false;
    this.framesEnded = 0;
    this.anchor = undefined;
    this.period.reset();
  }

  /** Room for a frame larger than any before it (up to MAX_PACKETS; beyond, the frame is skipped). */
  private grow(): void {
    if (this.offsets.length >= MAX_PACKETS) {
      this.broken = true;
      return;
    }
    const larger = new Float64Array(Math.min(MAX_PACKETS, this.offsets.length * 2));
    larger.set(this.offsets);
    this.offsets = larger;
  }

  private skip(): void {
    this.framesSkipped++;
    this.framesEnded++;
    this.inFrame = false;
  }

  private endFrame(): void {
    const { count, frameTimestamp } = this;
    this.inFrame = false;
    this.period.add(frameTimestamp);
    const first = this.framesEnded++ === 0;
    const clockRate = this.context?.clockRate ?? 90000;
    const periodUs = this.options.fps !== undefined ? 1e6 / this.options.fps : this.measuredPeriodUs(clockRate);
    if (this.broken || first || periodUs === undefined || count < 2) {
      this.framesSkipped++;
      return;
    }
    const schedule = scheduleOf(this.offsets[count - 1]!, count, periodUs, this.ractive);
    const measures = measureFrame(this.offsets, count, readSpacing(periodUs, count, schedule, this.ractive));
    if (count !== this.packetsPerFrame || periodUs !== this.limitsPeriodUs) {
      this.limits = timingLimits(count, periodUs / 1e6, this.ractive);
      this.packetsPerFrame = count;
      this.limitsPeriodUs = periodUs;
    }
    const verdict = verdictOf(measures.cinstMax, measures.vrxMax, this.limits!);
    this.anchor ??= { us: this.firstUs, timestamp: frameTimestamp };
    const nominalUs = this.anchor.us + (((frameTimestamp - this.anchor.timestamp) | 0) * 1e6) / clockRate;
    const firstPacketOffsetUs = this.firstUs - nominalUs;
    this.frames[verdict]++;
    this.worst = this.worst === undefined ? verdict : worseVerdict(this.worst, verdict);
    this.cinstMax = Math.max(this.cinstMax, measures.cinstMax);
    this.vrxMax = Math.max(this.vrxMax, measures.vrxMax);
    this.offsetMin = Math.min(this.offsetMin, firstPacketOffsetUs);
    this.offsetMax = Math.max(this.offsetMax, firstPacketOffsetUs);
    this.schedule = schedule;
    this.latest = {
      rtpTimestamp: frameTimestamp,
      timing: { packets: count, ...measures, firstPacketOffsetUs: round(firstPacketOffsetUs, 1), schedule, verdict },
    };
  }

  private measuredPeriodUs(clockRate: number): number | undefined {
    const ticks = this.period.ticks();
    if (ticks === undefined) return undefined;
    this.measuredFps = clockRate / ticks;
    return (ticks * 1e6) / clockRate;
  }
}
