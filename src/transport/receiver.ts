import { nowUs, type Frame, type FrameGeometry } from '../frame.js';
import type { Percentiles } from '../metrics.js';
import { payloadFormat, type Wire } from '../rtp/formats/index.js';
import { defaultCname } from '../rtcp/cname.js';
import { isRtcp } from '../rtp/rtp-header.js';
import type { StreamStats } from '../rtp/stream-reader.js';
import type { AssemblyInfo } from '../session/assembler.js';
import type { ReceiveInterceptor } from '../session/interceptor.js';
import { NackGenerator, type NackReport } from '../session/interceptors/nack.js';
import { ReceiveRate, type RateReport } from '../session/interceptors/receive-rate.js';
import { RtcpReceiverReports, type ReceiverRtcpReport } from '../session/interceptors/rtcp-receiver-reports.js';
import { RtxReceive, type RtxReceiveReport } from '../session/interceptors/rtx-receive.js';
import { checkedInterval } from '../rtcp/report-interval.js';
import { DEFAULT_RTX_PAYLOAD_TYPE } from '../rtp/rtx.js';
import { DEFAULT_PAYLOAD_TYPE } from '../rtp/formats/rfc4175/wire.js';
import { StampCheck, type FrameRecord, type StampReport } from '../session/interceptors/stamp-check.js';
import { TimingAnalysis, type TimingReport } from '../session/interceptors/timing-analysis.js';
import { ReceiveSession } from '../session/receive-session.js';
import type { ReceivedFrameInfo, Sink } from '../sinks/sink.js';
import { SettingError } from '../usage-error.js';
import type { Endpoint } from './endpoint.js';
import { bindPort } from './open-port.js';
import { portErrors, type GroCounts, type OnDatagram, type UdpPort } from './port.js';
import type { SourceFilter } from './source-filter.js';

export type { FrameRecord } from '../session/interceptors/stamp-check.js';

export interface ReceiverOptions {
  listen: Endpoint;
  geometry: FrameGeometry;
  wire: Wire;
  sinks?: Sink[];
  /** End after this many complete frames. */
  frames?: number;
  /** End after this many seconds without a packet (counted from the start too). */
  timeoutSec?: number;
  /** Hand incomplete frames to sinks too. */
  partial?: boolean;
  /** Follow only this SSRC. */
  ssrc?: number;
  /** Take datagrams (RTP and RTCP) only from the hosts this allows; the rest are counted as packetsForeignSource. */
  from?: SourceFilter;
  /** How long a frame waits for missing packets once a newer frame has started, ms (default 10). */
  latencyMs?: number;
  /** RTCP on the RTP port (RFC 5761) instead of the next port up. */
  rtcpMux?: boolean;
  /** Where RTCP goes; by default back where the sender's RTCP comes from (or, before any has, its RTP source). */
  rtcpTo?: Endpoint;
  /** Milliseconds between RTCP receiver reports (randomized 0.5-1.5x, RFC 3550 section 6.3.1); default 200. */
  rtcpIntervalMs?: number;
  /**
   * Ask for lost packets with generic NACKs (RFC 4585) and take RFC 4588 retransmissions on this payload type (97 by
   * default) for the media's (96 by default), within the latency budget.
   */
  nack?: { rtxPayloadType?: number; mediaPayloadType?: number; onRecovered?: (rtpTimestamp: number) => void };
  /**
   * The stream's frame rate when known (an SDP's): the receiving window and the numbering of unstamped frames use
   * its period instead of measuring it.
   */
  fps?: number;
  /**
   * ST 2110-21 timing analysis of the stream (RTP wires; on by default): Cinst, VRX and a narrow / wide /
   * non-conformant verdict per frame, from the kernel's receive stamps on the native path (src/session/timing/).
   */
  timing?: boolean;
  /**
   * Features that see packets as the network delivered them, before retransmission repairs any (a harness's loss
   * map): after rate and stamp check, ahead of RTCP reports, RTX and NACK.
   */
  taps?: ReceiveInterceptor[];
  /** Features after the receiver's own (rate, stamp check, RTCP reports, RTX, NACK), in this order. */
  features?: ReceiveInterceptor[];
  signal?: AbortSignal;
  /** Told about every frame leaving reassembly (the record the report's frame log lists). */
  onFrame?: (record: FrameRecord) => void;
}

export interface ReceiverReport {
  framesComplete: number;
  framesIncomplete: number;
  /** Of those, frames whose last packet (the RTP marker) came with bytes still missing (src/rtp/stream-reader.ts). */
  framesShort: number;
  /** Of those, frames given up before their deadline because the reassembly pool was full (src/rtp/stream-reader.ts). */
  framesEvicted: number;
  /** Complete frames whose pixels do not match their stamp's CRC. */
  framesCorrupt: number;
  packetsReceived: number;
  packetsLost: number;
  packetsDuplicate: number;
  packetsMalformed: number;
  packetsLate: number;
  packetsForeignSsrc: number;
  /** Datagrams turned away unread because their sender is not in `from` (not in packetsReceived). */
  packetsForeignSource: number;
  ssrcChanges: number;
  bytesReceived: number;
  /** Complete frames per second of the receiving window (durationSec): N frames over N frame periods. */
  fps: number;
  bitrateMbps: number;
  durationSec: number;
  /** Capture-to-arrival latency of complete stamped frames (a histogram estimate, under 1.6% off). */
  latencyMs?: Percentiles;
  /** Frames sinks dropped because they could not keep up, by sink. */
  sinkDrops: Record<string, number>;
  /**
   * Frames a sink threw on or could not deliver later (a file it could not write), each counted while reception went
   * on, with the first error's message, by sink.
   */
  sinkErrors: Record<string, { count: number; first: string }>;
  /** Socket errors (an ICMP error for RTCP sent to a sender that is gone), and RTCP that had nowhere to go yet. */
  socketErrors: number;
  /** RTCP receiver reports: what this receiver measured and reported, beside what the sender said (RTP wires). */
  rtcp?: ReceiverRtcpReport;
  /** Generic NACK and RFC 4588 retransmission, when on. */
  nack?: NackReport;
  rtx?: RtxReceiveReport;
  /** ST 2110-21 timing analysis (RTP wires, unless turned off), with the clock its arrival times came from. */
  timing?: TimingReport;
  /** UDP GRO on the media socket (native path): datagrams that arrived coalesced, and the buffers they came in. */
  gro?: GroCounts;
  /** What each added feature reported, by name. */
  features?: Record<string, unknown>;
  /** Errors features threw on incoming RTCP (counted, with the first; reception went on). */
  featureErrors: { count: number; first: string };
  endReason: 'frames' | 'timeout' | 'stopped';
}

/** Live numbers for a status line. */
export interface ReceiverProgress {
  framesComplete: number;
  framesIncomplete: number;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  /** The worst frame's ST 2110-21 verdict so far, when the timing analysis is on. */
  timingVerdict?: TimingReport['verdict'];
}

/**
 * RTCP receiver reports on every RTP stream; with NACK, RTX ahead of the NACK generator, so a retransmitted packet is
 * an original again by the time the generator (and the reader) see it, while the reports still see the network's loss.
 */
function protectionFeatures(rtp: boolean, options: ReceiverOptions): ReceiveInterceptor[] {
  if (!rtp) return [];
  const features: ReceiveInterceptor[] = [new RtcpReceiverReports(checkedInterval(options.rtcpIntervalMs))];
  if (options.nack) {
    const rtxPayloadType = options.nack.rtxPayloadType ?? DEFAULT_RTX_PAYLOAD_TYPE;
    const mediaPayloadType = options.nack.mediaPayloadType ?? DEFAULT_PAYLOAD_TYPE;
    if (!Number.isInteger(rtxPayloadType) || rtxPayloadType < 96 || rtxPayloadType > 127 || rtxPayloadType === mediaPayloadType) {
      throw new SettingError('rtxPayloadType', `${rtxPayloadType} must be a dynamic payload type (96 to 127) other than the media's`);
    }
    features.push(new RtxReceive(rtxPayloadType, mediaPayloadType), new NackGenerator({ onRecovered: options.nack.onRecovered }));
  }
  return features;
}

/** How many times to try for an RTP port whose next port up is free for RTCP, when any port will do. */
const PORT_PAIR_TRIES = 20;

/**
 * Receives one stream: datagrams go through the receive features to the stream reader and its assembler, frames
 * come back through the features (rate, stamp check, ...) to the sinks (complete ones, or all with `partial`).
 * Per-frame records are handed to `onFrame` as they are made and not kept, so memory stays flat however long
 * it runs. RTCP comes in (and goes back) on the port above the RTP port, or on the RTP port when muxed.
 */
export class Receiver {
  address!: Endpoint;
  readonly done: Promise<ReceiverReport>;
  private readonly session: ReceiveSession;
  private readonly rate: ReceiveRate;
  private readonly stamp: StampCheck;
  private readonly timing: TimingAnalysis | undefined;
  private readonly sinks: Sink[];
  private readonly sinkErrors = new Map<Sink, { count: number; first: string }>();
  private readonly startUs = nowUs();
  private lastPacketUs = 0;
  private ended = false;
  private finish!: (reason: ReceiverReport['endReason']) => void;
  private media: UdpPort | undefined;
  private rtcp: UdpPort | undefined;
  private rtcpUnsent = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private expiryAtUs = Infinity;

  private constructor(private readonly options: ReceiverOptions) {
    this.sinks = options.sinks ?? [];
    const format = payloadFormat(options.wire);
    const fps = options.fps;
    this.rate = new ReceiveRate(fps === undefined ? undefined : 1e6 / fps);
    this.stamp = new StampCheck(
      (record) => this.onRecord(record),
      fps === undefined || format.framing !== 'rtp' ? undefined : format.clockRate / fps,
    );
    const rtp = format.framing === 'rtp';
    this.timing = rtp && options.timing !== false ? new TimingAnalysis({ fps }) : undefined;
    const latencyMs = options.latencyMs;
    this.session = new ReceiveSession(
      [
        this.rate, this.stamp, ...(this.timing ? [this.timing] : []), ...(options.taps ?? []), ...protectionFeatures(format.framing === 'rtp', options),
        ...(options.features ?? []),
      ],
      format,
      options.geometry,
      { ssrc: options.ssrc, latencyUs: latencyMs === undefined ? undefined : latencyMs * 1000 },
      { sendRtcp: (datagram) => this.sendRtcp(datagram) },
      this.toSinks,
      defaultCname(),
    );
    this.done = new Promise<ReceiverReport['endReason']>((resolve) => { this.finish = resolve; })
      .then((reason) => this.close(reason));
  }

  /** Validates the settings (a SettingError names the setting), then binds and starts receiving. */
  static async open(options: ReceiverOptions): Promise<Receiver> {
    const receiver = new Receiver(options);
    await receiver.listen();
    for (const sink of receiver.sinks) sink.attach?.(receiver);
    return receiver;
  }

  private async listen(): Promise<void> {
    const { options } = this;
    const rtp = payloadFormat(options.wire).framing === 'rtp';
    const onMedia: OnDatagram = rtp && options.rtcpMux
      ? (datagram, t) => (isRtcp(datagram) ? this.session.rtcpIn(datagram, t) : this.onPacket(datagram, t))
      : this.onPacket;
    if (!rtp || options.rtcpMux) {
      this.media = await bindPort(options.listen, onMedia, options.from);
    } else {
      [this.media, this.rtcp] = await bindPair(options.listen, onMedia, (d, t) => this.session.rtcpIn(d, t), options.from);
    }
    this.address = this.media.address;
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
    if (options.timeoutSec !== undefined) {
      const timeoutUs = options.timeoutSec * 1e6;
      // A timer checked a few times a second, rather than one re-armed per packet, keeps the receive path lean.
      this.watchdog = setInterval(() => {
        if (nowUs() - (this.lastPacketUs || this.startUs) >= timeoutUs) this.end('timeout');
      }, Math.min(100, options.timeoutSec * 250));
    }
  }

  /** Where RTCP from the sender arrives (undefined when muxed onto the RTP port, or on bare wires). */
  get rtcpAddress(): Endpoint | undefined {
    return this.rtcp?.address;
  }

  /** Ends reception now (like SIGINT); `done` then resolves with the report. */
  stop(): void {
    this.end('stopped');
  }

  progress(): ReceiverProgress {
    const s = this.session.reader.stats;
    return {
      framesComplete: s.framesComplete,
      framesIncomplete: s.framesIncomplete,
      packetsReceived: s.packetsReceived,
      packetsLost: s.packetsLost,
      bytesReceived: s.bytesReceived,
      ...(this.timing ? { timingVerdict: this.timing.report().verdict } : {}),
    };
  }

  /**
   * A frame's record, with its timing when the analysis measured it: the analyzer closes a frame at its marker packet,
   * before the assembler hands the frame over, so the latest analyzed frame is this one when their timestamps agree.
   */
  private onRecord(record: FrameRecord): void {
    const latest = this.timing?.latest;
    if (latest && latest.rtpTimestamp === record.rtpTimestamp) record.timing = latest.timing;
    this.options.onFrame?.(record);
  }

  private readonly onPacket = (datagram: Buffer, arrivalUs: number): void => {
    this.lastPacketUs = arrivalUs;
    this.session.packetIn(datagram, arrivalUs);
    if (this.session.reader.assembler.nextDeadlineUs !== this.expiryAtUs) this.armExpiry();
  };

  /** One timer for the earliest frame deadline, so an incomplete frame is given up on time even when no packet comes. */
  private armExpiry(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = undefined;
    const at = this.session.reader.assembler.nextDeadlineUs;
    this.expiryAtUs = at;
    if (at === Infinity || this.ended) return;
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      this.session.expire(nowUs());
      this.armExpiry();
    }, Math.max(0, Math.ceil((at - nowUs()) / 1000)));
  }

  /**
   * RTCP goes back where the sender's RTCP comes from (symmetric RTCP, RFC 4961), or, before any has come, to the
   * address its RTP comes from, whose socket reads RTCP too (told apart by packet type, RFC 5761 section 4).
   */
  private sendRtcp(datagram: Buffer): void {
    const to = this.options.rtcpTo;
    const sent = to
      ? (this.rtcp ?? this.media)!.send(datagram, to)
      : this.rtcp?.send(datagram) || this.media?.send(datagram);
    if (!sent) this.rtcpUnsent++;
  }

  private readonly toSinks = (frame: Frame, info: AssemblyInfo): void => {
    if (this.ended) return;
    const { record, stamp } = this.stamp.latest!;
    if (info.complete || this.options.partial) {
      const sinkInfo: ReceivedFrameInfo = {
        complete: info.complete,
        bytesMissing: info.bytesMissing,
        indexFrom: record.indexFrom,
        stamp,
      };
      const view: Frame = { ...frame, index: record.index, captureTimeUs: stamp?.captureTimeUs ?? frame.captureTimeUs };
      for (const sink of this.sinks) {
        try {
          sink.write(view, sinkInfo);
        } catch (err) {
          // A failing sink must not take the receive path (and every other sink) down with it.
          const seen = this.sinkErrors.get(sink);
          if (seen) seen.count++;
          else this.sinkErrors.set(sink, { count: 1, first: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    const target = this.options.frames;
    if (target !== undefined && this.session.reader.stats.framesComplete >= target) this.end('frames');
  };

  private end(reason: ReceiverReport['endReason']): void {
    if (this.ended) return;
    this.finish(reason);
  }

  private async close(reason: ReceiverReport['endReason']): Promise<ReceiverReport> {
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.expiry) clearTimeout(this.expiry);
    // Frames still in flight go to the sinks and the features send their last RTCP (BYE) while the sockets are open.
    this.session.finish();
    this.ended = true;
    await Promise.all([this.media?.close(), this.rtcp?.close()]);
    await Promise.all(this.sinks.map((s) => s.close()));
    return this.report(reason);
  }

  private report(endReason: ReceiverReport['endReason']): ReceiverReport {
    const s: StreamStats = this.session.reader.stats;
    const { rate, stamp, timing, rtcp, nack, rtx, ...features } = this.session.reports() as Record<string, unknown> & {
      rate: RateReport;
      stamp: StampReport;
      timing?: TimingReport;
      rtcp?: ReceiverRtcpReport;
      nack?: NackReport;
      rtx?: RtxReceiveReport;
    };
    const sinkDrops: Record<string, number> = {};
    for (const sink of this.sinks) sinkDrops[sink.description] = sink.dropped;
    const sinkErrors: ReceiverReport['sinkErrors'] = {};
    for (const sink of this.sinks) {
      const thrown = this.sinkErrors.get(sink);
      const later = sink.failures?.count ? sink.failures : undefined;
      if (thrown || later) {
        sinkErrors[sink.description] = { count: (thrown?.count ?? 0) + (later?.count ?? 0), first: thrown?.first ?? later!.first };
      }
    }
    return {
      framesComplete: s.framesComplete,
      framesIncomplete: s.framesIncomplete,
      framesShort: s.framesShort,
      framesEvicted: s.framesEvicted,
      framesCorrupt: stamp.framesCorrupt,
      packetsReceived: s.packetsReceived,
      packetsLost: s.packetsLost,
      packetsDuplicate: s.packetsDuplicate,
      packetsMalformed: s.packetsMalformed,
      packetsLate: s.packetsLate,
      packetsForeignSsrc: s.packetsForeignSsrc,
      packetsForeignSource: this.options.from?.rejected ?? 0,
      ssrcChanges: s.ssrcChanges,
      bytesReceived: s.bytesReceived,
      ...rate,
      ...(stamp.latencyMs ? { latencyMs: stamp.latencyMs } : {}),
      sinkDrops,
      sinkErrors,
      socketErrors: portErrors(this.media) + portErrors(this.rtcp) + this.rtcpUnsent,
      ...(rtcp ? { rtcp } : {}),
      ...(nack ? { nack } : {}),
      ...(rtx ? { rtx } : {}),
      ...(timing ? { timing: { ...timing, clock: this.media?.arrivalClock ?? 'node' } } : {}),
      ...(this.media?.gro ? { gro: { ...this.media.gro } } : {}),
      ...(Object.keys(features).length > 0 ? { features } : {}),
      featureErrors: { ...this.session.featureErrors },
      endReason,
    };
  }
}

/**
 * Binds the RTP port and the RTCP port right above it (RFC 3550 section 11). With port 0, tries ports the kernel
 * picks until one has its next port free.
 */
async function bindPair(
  listen: Endpoint,
  onMedia: OnDatagram,
  onRtcp: OnDatagram,
  from: SourceFilter | undefined,
): Promise<[UdpPort, UdpPort]> {
  if (listen.port === 65535) throw new SettingError('listen', 'port 65535 leaves no port above it for RTCP (use rtcp-mux)');
  for (let attempt = 1; ; attempt++) {
    const media = await bindPort(listen, onMedia, from);
    try {
      return [media, await bindPort({ host: listen.host, port: media.address.port + 1 }, onRtcp, from)];
    } catch (err) {
      await media.close();
      const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!taken || listen.port !== 0 || attempt === PORT_PAIR_TRIES) {
        throw taken
          ? new SettingError('listen', `port ${media.address.port + 1} (RTCP, the RTP port + 1) is in use (use rtcp-mux, or another port)`)
          : err;
      }
    }
  }
}
