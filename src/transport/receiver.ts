import { nowUs, type Frame, type FrameGeometry } from '../frame.js';
import { round, summarize, type Percentiles } from '../metrics.js';
import { createDepacketizer } from '../rtp/index.js';
import type { AssemblyInfo, Depacketizer, DepacketizerStats, Wire } from '../rtp/payload-format.js';
import type { ReceivedFrameInfo, Sink } from '../sinks/sink.js';
import { readStamp } from '../stamp.js';
import type { Endpoint } from './endpoint.js';
import { bindNativeInput } from './native-udp.js';
import { bindDgramInput, type DatagramInput } from './udp.js';

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
  signal?: AbortSignal;
  /** Told about every frame leaving reassembly (the same record the report lists). */
  onFrame?: (record: FrameRecord) => void;
  /** Shown every datagram before reassembly (unparsed, hostile), e.g. so a harness can map lost sequence runs. */
  onDatagram?: (datagram: Buffer) => void;
}

/** One frame seen by the receiver. */
export interface FrameRecord {
  /** The stamped frame index when the stamp decoded, else the receive ordinal. */
  index: number;
  complete: boolean;
  bytesMissing: number;
  /** Whether `index` came from a stamp. */
  stamped: boolean;
  /** The pixels matched the stamp's CRC (complete stamped frames only). */
  intact?: boolean;
  /** From the stamp's capture time to the arrival of the frame's last packet (complete stamped frames). */
  latencyMs?: number;
  rtpTimestamp?: number;
  /** Arrival of the frame's last packet, wall-clock microseconds. */
  arrivalUs: number;
}

export interface ReceiverReport {
  framesComplete: number;
  framesIncomplete: number;
  /** Complete frames whose pixels do not match their stamp's CRC. */
  framesCorrupt: number;
  packetsReceived: number;
  packetsLost: number;
  packetsDuplicate: number;
  packetsMalformed: number;
  packetsLate: number;
  packetsForeignSsrc: number;
  ssrcChanges: number;
  bytesReceived: number;
  /** Complete frames per second between the first and the last packet. */
  fps: number;
  bitrateMbps: number;
  durationSec: number;
  latencyMs?: Percentiles;
  /** Frames sinks dropped because they could not keep up, by sink. */
  sinkDrops: Record<string, number>;
  /** Frames a sink threw on (each counted, reception went on), with the first error's message, by sink. */
  sinkErrors: Record<string, { count: number; first: string }>;
  endReason: 'frames' | 'timeout' | 'stopped';
  frames: FrameRecord[];
}

/** Live numbers for a status line. */
export interface ReceiverProgress {
  framesComplete: number;
  framesIncomplete: number;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
}

/**
 * Receives one stream: datagrams are depacketized into pooled frames, stamps are verified, frames go to sinks
 * (complete ones, or all with `partial`) and every frame is recorded for the report.
 */
export class Receiver {
  address!: Endpoint;
  readonly done: Promise<ReceiverReport>;
  private readonly depacketizer: Depacketizer;
  private readonly records: FrameRecord[] = [];
  private readonly latencies: number[] = [];
  private readonly sinks: Sink[];
  private framesCorrupt = 0;
  private readonly sinkErrors = new Map<Sink, { count: number; first: string }>();
  private firstPacketUs = 0;
  private lastPacketUs = 0;
  private readonly startUs = nowUs();
  private ended = false;
  private finish!: (reason: ReceiverReport['endReason']) => void;
  private input!: DatagramInput;
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(private readonly options: ReceiverOptions) {
    this.sinks = options.sinks ?? [];
    this.depacketizer = createDepacketizer(options.wire, options.geometry, this.onFrame, { ssrc: options.ssrc });
    this.done = new Promise<ReceiverReport['endReason']>((resolve) => { this.finish = resolve; })
      .then((reason) => this.close(reason));
  }

  /** Validates the settings (a usage error names the flag), then binds and starts receiving. */
  static async open(options: ReceiverOptions): Promise<Receiver> {
    const receiver = new Receiver(options);
    await receiver.listen();
    for (const sink of receiver.sinks) sink.attach?.(receiver);
    return receiver;
  }

  private async listen(): Promise<void> {
    const { options } = this;
    // recvmmsg when the addon is built (one call into JS per batch of datagrams), else node:dgram.
    this.input =
      bindNativeInput(options.listen, this.onMessage) ?? (await bindDgramInput(options.listen, this.onMessage));
    this.address = this.input.address;
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
    if (options.timeoutSec !== undefined) {
      const timeoutUs = options.timeoutSec * 1e6;
      // A timer checked a few times a second, rather than one re-armed per packet, keeps the receive path lean.
      this.watchdog = setInterval(() => {
        if (nowUs() - (this.lastPacketUs || this.startUs) >= timeoutUs) this.end('timeout');
      }, Math.min(100, options.timeoutSec * 250));
    }
  }

  /** Ends reception now (like SIGINT); `done` then resolves with the report. */
  stop(): void {
    this.end('stopped');
  }

  progress(): ReceiverProgress {
    const s = this.depacketizer.stats;
    return {
      framesComplete: s.framesComplete,
      framesIncomplete: s.framesIncomplete,
      packetsReceived: s.packetsReceived,
      packetsLost: s.packetsLost,
      bytesReceived: s.bytesReceived,
    };
  }

  private readonly onMessage = (datagram: Buffer): void => {
    const t = nowUs();
    if (this.firstPacketUs === 0) this.firstPacketUs = t;
    this.lastPacketUs = t;
    this.options.onDatagram?.(datagram);
    this.depacketizer.push(datagram, t);
  };

  private readonly onFrame = (frame: Frame, info: AssemblyInfo): void => {
    if (this.ended) return;
    const stamp = readStamp(frame, info.complete);
    const record: FrameRecord = {
      index: stamp ? stamp.index : frame.index,
      complete: info.complete,
      bytesMissing: info.bytesMissing,
      stamped: stamp !== undefined,
      rtpTimestamp: info.rtpTimestamp,
      arrivalUs: info.lastArrivalUs,
    };
    if (stamp && info.complete) {
      record.intact = stamp.intact;
      if (!stamp.intact) this.framesCorrupt++;
      record.latencyMs = (info.lastArrivalUs - stamp.captureTimeUs) / 1000;
      this.latencies.push(record.latencyMs);
    }
    this.records.push(record);
    this.options.onFrame?.(record);
    if (info.complete || this.options.partial) {
      const sinkInfo: ReceivedFrameInfo = {
        complete: info.complete,
        bytesMissing: info.bytesMissing,
        ordinal: frame.index,
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
    if (target !== undefined && this.depacketizer.stats.framesComplete >= target) this.end('frames');
  };

  private end(reason: ReceiverReport['endReason']): void {
    if (this.ended) return;
    this.finish(reason);
  }

  private async close(reason: ReceiverReport['endReason']): Promise<ReceiverReport> {
    if (this.watchdog) clearInterval(this.watchdog);
    const closed = this.input.close();
    this.depacketizer.flush();
    this.ended = true;
    await closed;
    await Promise.all(this.sinks.map((s) => s.close()));
    return this.report(reason);
  }

  private report(endReason: ReceiverReport['endReason']): ReceiverReport {
    const s: DepacketizerStats = this.depacketizer.stats;
    const durationSec = this.firstPacketUs ? (this.lastPacketUs - this.firstPacketUs) / 1e6 : 0;
    const sinkDrops: Record<string, number> = {};
    for (const sink of this.sinks) sinkDrops[sink.description] = sink.dropped;
    const sinkErrors: ReceiverReport['sinkErrors'] = {};
    for (const [sink, errors] of this.sinkErrors) sinkErrors[sink.description] = errors;
    return {
      framesComplete: s.framesComplete,
      framesIncomplete: s.framesIncomplete,
      framesCorrupt: this.framesCorrupt,
      packetsReceived: s.packetsReceived,
      packetsLost: s.packetsLost,
      packetsDuplicate: s.packetsDuplicate,
      packetsMalformed: s.packetsMalformed,
      packetsLate: s.packetsLate,
      packetsForeignSsrc: s.packetsForeignSsrc,
      ssrcChanges: s.ssrcChanges,
      bytesReceived: s.bytesReceived,
      fps: durationSec > 0 ? round(s.framesComplete / durationSec, 2) : 0,
      bitrateMbps: durationSec > 0 ? round((s.bytesReceived * 8) / durationSec / 1e6, 3) : 0,
      durationSec: round(durationSec, 3),
      latencyMs: summarize(this.latencies),
      sinkDrops,
      sinkErrors,
      endReason,
      frames: this.records,
    };
  }
}
