import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { nowUs, type Frame } from '../frame.js';
import { FrameSpan, perSecond } from '../frame-rate.js';
import { defaultCname } from '../rtcp/cname.js';
import { payloadFormat, type Wire } from '../rtp/formats/index.js';
import { isRtcp, RTP_HEADER_BYTES } from '../rtp/rtp-header.js';
import { createStreamWriter, type StreamWriter } from '../rtp/stream-writer.js';
import { IPV4_UDP_OVERHEAD, MAX_UDP_PAYLOAD } from '../rtp/udp-limits.js';
import type { SendInterceptor } from '../session/interceptor.js';
import { RtcpSenderReports, type SenderRtcpReport } from '../session/interceptors/rtcp-sender-reports.js';
import { ReceiverPacedRate, type ReceiverPacedRateReport } from '../session/interceptors/receiver-paced-rate.js';
import { RtxSend, type RtxSendReport } from '../session/interceptors/rtx-send.js';
import { SendCount } from '../session/interceptors/send-count.js';
import { checkedInterval } from '../rtcp/report-interval.js';
import { DEFAULT_RTX_PAYLOAD_TYPE } from '../rtp/rtx.js';
import { DEFAULT_PAYLOAD_TYPE } from '../rtp/formats/rfc4175/wire.js';
import { SendSession } from '../session/send-session.js';
import type { Source } from '../sources/source.js';
import { SettingError } from '../usage-error.js';
import { isIpv6, isLoopback, socketHost, type Endpoint } from './endpoint.js';
import { openFramePacer, type FramePacer, type PacingReport } from './frame-pacer.js';
import { bindPort, connectFramePort } from './open-port.js';
import { monotonicNs, resolvePacing, type PacingMode } from './pacing.js';
import { portErrors, type FramePort, type OnDatagram, type SendPath, type UdpPort } from './port.js';

export interface SenderOptions {
  to: Endpoint;
  wire: Wire;
  mtu: number;
  /** Frames per second, or 'max' to send each frame as soon as the previous one left. */
  fps: number | 'max';
  /**
   * How each frame's packets are spread over its period (src/transport/pacing.ts): linear by default at a set fps;
   * at 'max', adaptive on RTP (as fast as the receiver's RTCP reports say it keeps up), burst on the raw wire. Pacing
   * comes after the send features: RTCP and retransmissions never wait behind a paced frame.
   */
  pacing?: PacingMode;
  /** Stop after this many frames. */
  frames?: number;
  /** Stop after this many seconds: at a set fps, after the duration x fps frames due in them. */
  durationSec?: number;
  ssrc?: number;
  payloadType?: number;
  /** First RTP sequence number (random when absent); a harness that tracks packet loss sets it. */
  initialSequence?: number;
  /** RTCP on the RTP port (RFC 5761) instead of a socket of its own. */
  rtcpMux?: boolean;
  /** Where this sender reads RTCP (when not muxed): default any free port on the address family of `to`. */
  rtcpListen?: Endpoint;
  /** Where this sender's RTCP goes (when not muxed): default the receiver's RTP port + 1 (RFC 3550 section 11). */
  rtcpTo?: Endpoint;
  /** Milliseconds between RTCP sender reports (randomized 0.5-1.5x, RFC 3550 section 6.3.1); default 200. */
  rtcpIntervalMs?: number;
  /** Answer NACKs with RFC 4588 retransmissions from a send history of this many ms, on this payload type. */
  rtx?: { payloadType?: number; historyMs?: number };
  /** Features after the sender's own (counting, RTCP reports, RTX), in this order. */
  features?: SendInterceptor[];
  signal?: AbortSignal;
  /** Told about each frame once all its packets left, e.g. so a harness can map RTP timestamps to frames. */
  onFrameSent?: (frame: SentFrame) => void;
}

/**
 * How far ahead of its time a paced frame is made and queued, at most (one frame period if that is shorter): the native
 * queue then holds it before its first packet is due, so the thread never waits for JS (whose timers are good to a
 * millisecond or so). At 5 ms a cold sender (JIT, first frames) started its first 3 frames late and squeezed them.
 */
const PACING_LEAD_US = 20_000;

/**
 * Where adaptive pacing (--fps max on RTP) starts, packets a second: what any receiver here takes, so the first frames
 * arrive whole while the first RTCP reports come back; slow start doubles it per clean report from there.
 */
const ADAPTIVE_START_PPS = 100_000;

/** How often the sender looks again at whether its features still want the sockets open after the last frame. */
const LINGER_POLL_MS = 20;

/** How long packets stay in the send history for RTX by default, and at most. */
export const DEFAULT_RTX_HISTORY_MS = 1000;
export const MAX_RTX_HISTORY_MS = 10_000;

export interface SentFrame {
  index: number;
  captureTimeUs: number;
  rtpTimestamp?: number;
  packets: number;
}

export interface SenderStats {
  framesSent: number;
  packetsSent: number;
  bytesSent: number;
  /**
   * Sends the OS refused, and ICMP errors the sockets reported (nobody listening yet, or any more): those packets
   * are lost. A lower bound: the kernel keeps one pending error per socket, however many packets drew one.
   */
  sendErrors: number;
  /** Frames sent after their due time because the previous frame took longer than 1/fps. */
  framesLate: number;
  /** How the packets of each frame were spread in time, and how closely the schedule was kept. */
  pacing: PacingReport;
  /** The window the rates are taken over: the frames' capture times, first to last, plus one frame period. */
  durationSec: number;
  /** frames / durationSec: N frames over N frame periods (src/frame-rate.ts). */
  fps: number;
  bitrateMbps: number;
  ssrc?: number;
  sendPath?: SendPath;
  /** Datagrams that came back to the sender: RTCP, and anything else (counted, ignored). */
  rtcpReceived: number;
  otherReceived: number;
  /** RTCP sender reports, and what the receiver reported back (RTP wires). */
  rtcp?: SenderRtcpReport;
  /** RFC 4588 retransmission, when on. */
  rtx?: RtxSendReport;
  /** What each added feature reported, by name. */
  features?: Record<string, unknown>;
  /** Errors features threw on incoming RTCP (counted, with the first; sending went on). */
  featureErrors: { count: number; first: string };
}

/** RTCP sender reports on every RTP stream, and retransmission when asked for, in that order. */
function protectionFeatures(rtp: boolean, options: SenderOptions): SendInterceptor[] {
  if (!rtp) return [];
  const features: SendInterceptor[] = [new RtcpSenderReports(checkedInterval(options.rtcpIntervalMs))];
  if (options.rtx) {
    const payloadType = options.rtx.payloadType ?? DEFAULT_RTX_PAYLOAD_TYPE;
    const historyMs = options.rtx.historyMs ?? DEFAULT_RTX_HISTORY_MS;
    if (!Number.isInteger(payloadType) || payloadType < 96 || payloadType > 127 || payloadType === (options.payloadType ?? DEFAULT_PAYLOAD_TYPE)) {
      throw new SettingError('rtxPayloadType', `${payloadType} must be a dynamic payload type (96 to 127) other than the media's`);
    }
    if (!Number.isFinite(historyMs) || historyMs <= 0 || historyMs > MAX_RTX_HISTORY_MS) {
      throw new SettingError('rtxHistory', `${historyMs} ms must be more than 0 and at most ${MAX_RTX_HISTORY_MS}`);
    }
    features.push(new RtxSend({ payloadType, historyMs }));
  }
  return features;
}

/**
 * Paces frames from a source onto the wire. One frame is in flight at a time: the stream writer's headers and the
 * source's pixels may be handed to the kernel without copying, so both stay untouched until the port is done.
 * Each frame's packets pass the send features (the counter, then any added) first. The sender reads its sockets
 * too: RTCP from the receiver arrives on a socket connected to the receiver's RTP port + 1, or on the media socket
 * when muxed, and goes to the features.
 */
export class Sender {
  private startUs = 0;
  private readonly span = new FrameSpan();
  /** Packets of frames the kernel refused. */
  private refused = 0;
  private framesLate = 0;
  private rtcpReceived = 0;
  private otherReceived = 0;
  private readonly counter = new SendCount();
  private session!: SendSession;
  private media!: FramePort;
  private rtcp: UdpPort | undefined;
  private rtcpTo: Endpoint | undefined;
  private readonly pacingMode: PacingMode;
  /** The frame pacer, unless the mode is burst. */
  private pacer: FramePacer | undefined;

  private constructor(
    private readonly writer: StreamWriter,
    private readonly source: Source,
    private readonly options: SenderOptions,
  ) {
    this.pacingMode = resolvePacing(options.pacing, options.fps, writer.format.framing === 'rtp');
  }

  /** Validates the settings (a SettingError names the setting) before opening the sockets. */
  static async open(source: Source, options: SenderOptions): Promise<Sender> {
    const format = payloadFormat(options.wire);
    const writer = createStreamWriter(format, source.geometry, {
      mtu: options.mtu, ssrc: options.ssrc, payloadType: options.payloadType, initialSequence: options.initialSequence,
    });
    const sender = new Sender(writer, source, options);
    await sender.connect(format.framing === 'rtp');
    return sender;
  }

  private async connect(rtp: boolean): Promise<void> {
    const { to, rtcpMux, rtcpListen, rtcpTo } = this.options;
    if (rtp && !rtcpMux && !rtcpTo && to.port === 65535) {
      throw new SettingError('to', 'port 65535 leaves no port above it for RTCP (use rtcp-mux, or rtcp-to)');
    }
    this.media = await connectFramePort(to, this.onMediaIn);
    if (rtp && !rtcpMux) {
      this.rtcpTo = rtcpTo ?? { host: to.host, port: to.port + 1 };
      // Bound, not connected: a receiver (GStreamer's, say) may send its RTCP from a port of its own.
      const listen = rtcpListen ?? { host: isLoopback(to.host) ? socketHost(to) : isIpv6(socketHost(to)) ? '::' : '0.0.0.0', port: 0 };
      try {
        this.rtcp = await bindPort(listen, this.onRtcpIn);
      } catch (err) {
        await this.media.close();
        throw err;
      }
    }
    const maxDatagramBytes = this.writer.format.framing === 'bare'
      ? MAX_UDP_PAYLOAD
      : Math.min(MAX_UDP_PAYLOAD, this.options.mtu - IPV4_UDP_OVERHEAD);
    try {
      this.openPacing(rtp, maxDatagramBytes);
    } catch (err) {
      // Nothing else will close the sockets: a sender that failed to start must not keep its process alive.
      await Promise.all([this.media.close(), this.rtcp?.close()]);
      throw err;
    }
  }

  /** The frame pacer the pacing mode asks for, and the session with every send feature. */
  private openPacing(rtp: boolean, maxDatagramBytes: number): void {
    const { fps } = this.options;
    const perFrame = this.writer.packetsPerFrame ?? 1;
    let rate: ReceiverPacedRate | undefined;
    if (this.pacingMode === 'adaptive') {
      const pacer = openFramePacer(this.media, 'adaptive', ADAPTIVE_START_PPS / perFrame, perFrame, Math.max(maxDatagramBytes, RTP_HEADER_BYTES));
      rate = new ReceiverPacedRate({
        initialPacketsPerSecond: ADAPTIVE_START_PPS,
        onRate: (packetsPerSecond) => pacer.setPeriodNs((perFrame / packetsPerSecond) * 1e9),
        nowUs,
      });
      this.pacer = pacer;
    } else if (this.pacingMode !== 'burst' && fps !== 'max') {
      this.pacer = openFramePacer(this.media, this.pacingMode, fps, this.writer.packetsPerFrame, Math.max(maxDatagramBytes, RTP_HEADER_BYTES));
    }
    this.session = new SendSession(
      [this.counter, ...protectionFeatures(rtp, this.options), ...(rate ? [rate] : []), ...(this.options.features ?? [])],
      {
        ssrc: this.writer.ssrc,
        payloadType: this.writer.payloadType,
        clockRate: this.writer.format.clockRate,
        cname: defaultCname(),
        packetRate: this.options.fps !== 'max' && this.writer.packetsPerFrame !== undefined
          ? this.options.fps * this.writer.packetsPerFrame
          : undefined,
        rtpTimestampAt: (timeUs) => this.writer.rtpTimestampAt(timeUs),
        maxDatagramBytes: Math.max(maxDatagramBytes, RTP_HEADER_BYTES),
      },
      // A single send that fails is counted by its port.
      {
        sendMedia: (datagram) => void this.media.send(datagram),
        sendRtcp: (datagram) => void (this.rtcp ? this.rtcp.send(datagram, this.rtcpTo) : this.media.send(datagram)),
      },
      nowUs,
    );
  }

  get stats(): SenderStats {
    return this.snapshot();
  }

  /** Where this sender reads RTCP (undefined when muxed onto the media socket, or on bare wires). */
  get rtcpAddress(): Endpoint | undefined {
    return this.rtcp?.address;
  }

  /** Packets handed to the socket so far: cheap enough to ask per received datagram (a harness's tap does). */
  get packetsSent(): number {
    return this.counter.counts.packetsSent;
  }

  /** Where the pacing runs (undefined for burst): what an SDP can honestly claim depends on it. */
  get pacingPath(): PacingReport['path'] {
    return this.pacer?.path;
  }

  /** Sends until frames/duration are reached, the source ends or the signal aborts; resolves to the final stats. */
  async run(): Promise<SenderStats> {
    const { fps, frames, durationSec, signal } = this.options;
    const intervalUs = fps === 'max' ? 0 : 1e6 / fps;
    // At a set rate a duration is a number of frames (1 s at 30 fps is 30), not a race against the clock.
    const due = durationSec !== undefined && fps !== 'max' ? Math.ceil(durationSec * fps - 1e-9) : Infinity;
    const limit = Math.min(frames ?? Infinity, due);
    const iterator = this.source[Symbol.asyncIterator]();
    this.startUs = nowUs();
    if (intervalUs > 0) this.source.followFrameClock?.(this.startUs, intervalUs);
    // A paced frame is made and queued this far ahead of its due time, so its first packet can leave exactly on time.
    const startNs = monotonicNs() + (this.pacer ? Math.min(intervalUs, PACING_LEAD_US) * 1000 : 0);
    try {
      for (let i = 0; i < limit; i++) {
        if (signal?.aborted) break;
        if (intervalUs > 0) {
          const waitUs = this.startUs + i * intervalUs - nowUs();
          if (waitUs > 1000) await sleep(waitUs / 1000, undefined, { signal }).catch(() => undefined);
          else if (waitUs < -intervalUs) this.framesLate++;
          if (signal?.aborted) break;
        }
        if (durationSec !== undefined && fps === 'max' && nowUs() - this.startUs >= durationSec * 1e6) break;
        const next = await iterator.next();
        if (next.done) break;
        await this.sendFrame(next.value, startNs + i * intervalUs * 1000);
        // At --fps max nothing else waits on the event loop: without this turn, signals and timers never run.
        await yieldToLoop();
      }
    } finally {
      try {
        // The last paced frame is still going out: the sockets stay open until it has (a signal cuts that short).
        await this.pacer?.drain(signal);
        // Features that answer for what was sent (RTX) keep the sockets open a while; a signal cuts that short.
        for (let wait = this.session.lingerMs(); wait > 0 && !signal?.aborted; wait = this.session.lingerMs()) {
          await sleep(Math.min(wait, LINGER_POLL_MS), undefined, { signal }).catch(() => undefined);
        }
        this.session.finish();
      } finally {
        await iterator.return?.();
        await Promise.all([this.media.close(), this.rtcp?.close()]);
      }
    }
    return this.snapshot();
  }

  snapshot(): SenderStats {
    const { framesSent, packetsSent, bytesSent } = this.counter.counts;
    const { fps } = this.options;
    const windowUs = this.span.windowUs(fps === 'max' ? undefined : 1e6 / fps);
    const { count: _count, rtcp, rtx, rate, ...features } = this.session.reports() as Record<string, unknown> & {
      rtcp?: SenderRtcpReport;
      rtx?: RtxSendReport;
      rate?: ReceiverPacedRateReport;
    };
    // Once: a pacer's report summarises its lateness histogram.
    const pacing = this.pacer?.report();
    return {
      framesSent,
      packetsSent,
      bytesSent,
      sendErrors: this.refused + (pacing?.dropped ?? 0) + portErrors(this.media) + portErrors(this.rtcp),
      framesLate: this.framesLate,
      pacing: pacing
        ? { ...pacing, ...(rate ? { rate } : {}) }
        : { mode: 'burst', packets: packetsSent, dropped: 0, framesDelayed: 0 },
      durationSec: windowUs / 1e6,
      fps: perSecond(framesSent, windowUs),
      bitrateMbps: perSecond(bytesSent * 8, windowUs) / 1e6,
      ...(this.writer.ssrc !== undefined ? { ssrc: this.writer.ssrc } : {}),
      sendPath: this.sendPath(pacing),
      rtcpReceived: this.rtcpReceived,
      otherReceived: this.otherReceived,
      ...(rtcp ? { rtcp } : {}),
      ...(rtx ? { rtx } : {}),
      ...(Object.keys(features).length > 0 ? { features } : {}),
      featureErrors: { ...this.session.featureErrors },
    };
  }

  /** How the media went out: the pacing thread's path when it paced (its `pacing` report), else the port's. */
  private sendPath(pacing: PacingReport | undefined): SendPath {
    if (pacing?.gso !== undefined) return pacing.gso ? 'gso' : 'sendmmsg';
    return this.media.path;
  }

  /** Sends a frame now (burst), or queues it paced from `frameNs` (CLOCK_MONOTONIC): then it is told as queued. */
  private async sendFrame(frame: Frame, frameNs: number): Promise<void> {
    const packets = this.writer.write(frame);
    this.span.add(frame.captureTimeUs);
    this.session.frameOut(packets, frame);
    if (this.pacer) await this.pacer.send(packets, frameNs, this.options.signal);
    else this.refused += await this.media.sendFrame(packets);
    this.options.onFrameSent?.({
      index: frame.index,
      captureTimeUs: frame.captureTimeUs,
      rtpTimestamp: this.writer.lastTimestamp,
      packets: packets.count,
    });
  }

  /**
   * What comes back on the media socket: RTCP when muxed, and also when not, from a receiver that has not heard
   * this sender's RTCP yet and answers its RTP source (told apart by packet type, RFC 5761 section 4); anything else
   * is counted and ignored.
   */
  private readonly onMediaIn: OnDatagram = (datagram, arrivalUs) => {
    if (isRtcp(datagram)) this.onRtcpIn(datagram, arrivalUs);
    else this.otherReceived++;
  };

  private readonly onRtcpIn: OnDatagram = (datagram, arrivalUs) => {
    this.rtcpReceived++;
    this.session.rtcpIn(datagram, arrivalUs);
  };
}
