import type { Frame } from '../../frame.js';
import { Histogram } from '../../histogram.js';
import type { Percentiles } from '../../metrics.js';
import { readStamp } from '../../stamp.js';
import type { AssemblyInfo } from '../assembler.js';
import { FrameNumbering, type IndexSource } from '../frame-identity.js';
import type { ReceiveInterceptor } from '../interceptor.js';
import type { FrameTiming } from './timing-analysis.js';

/** One frame seen by the receiver. */
export interface FrameRecord {
  /** The frame's number, unique in its stream (see FrameNumbering): its stamp's index when the stamp decoded. */
  index: number;
  /** What `index` came from: the stamp, the RTP timestamp and the frame period, or the receive ordinal. */
  indexFrom: IndexSource;
  complete: boolean;
  bytesMissing: number;
  /** The pixels matched the stamp's CRC (complete stamped frames only). */
  intact?: boolean;
  /** From the stamp's capture time to the arrival of the frame's last packet (complete stamped frames). */
  latencyMs?: number;
  rtpTimestamp?: number;
  /** Arrival of the frame's last packet, wall-clock microseconds. */
  arrivalUs: number;
  /** Its ST 2110-21 timing (Cinst, VRX, verdict), when the timing analysis measured it (src/transport/receiver.ts). */
  timing?: FrameTiming;
}

export type Stamp = NonNullable<ReturnType<typeof readStamp>>;

export interface StampReport {
  /** Complete frames whose pixels do not match their stamp's CRC. */
  framesCorrupt: number;
  /** Capture (stamp) to arrival of the last packet, complete stamped frames; histogram estimate, under 1.6% off. */
  latencyMs?: Percentiles;
}

/**
 * Reads each assembled frame's stamp (index, capture time, CRC of the pixels below it) and numbers the frame: a
 * complete frame whose CRC fails is corrupt, and a stamped one gives its capture-to-arrival latency. Latencies go to a fixed histogram, so
 * a receiver left running for days keeps no list that grows; each frame's record is handed on (`onRecord`) and not
 * kept here.
 */
export class StampCheck implements ReceiveInterceptor {
  readonly name = 'stamp';
  framesCorrupt = 0;
  /** The latest frame's record and stamp, for the receiver to give its sinks. */
  latest: { record: FrameRecord; stamp: Stamp | undefined } | undefined;
  private readonly latencyUs = new Histogram();
  private readonly numbering: FrameNumbering;

  /** `periodTicks`: the stream's nominal frame period in RTP clock ticks, when known. */
  constructor(private readonly onRecord: (record: FrameRecord) => void, periodTicks?: number) {
    this.numbering = new FrameNumbering(periodTicks);
  }

  onFrameIn(frame: Frame, info: AssemblyInfo): void {
    const stamp = readStamp(frame, info.complete);
    // frame.index is the assembler's count of frames handed over: the receive ordinal.
    const { index, indexFrom } = this.numbering.identify(stamp?.index, info.rtpTimestamp, info.ssrc, frame.index);
    const record: FrameRecord = {
      index,
      indexFrom,
      complete: info.complete,
      bytesMissing: info.bytesMissing,
      rtpTimestamp: info.rtpTimestamp,
      arrivalUs: info.lastArrivalUs,
    };
    if (stamp && info.complete) {
      record.intact = stamp.intact;
      if (!stamp.intact) this.framesCorrupt++;
      const latencyUs = info.lastArrivalUs - stamp.captureTimeUs;
      record.latencyMs = latencyUs / 1000;
      this.latencyUs.record(latencyUs);
    }
    this.latest = { record, stamp };
    this.onRecord(record);
  }

  report(): StampReport {
    const us = this.latencyUs.percentiles();
    const ms = (v: number): number => Math.round(v) / 1000;
    return {
      framesCorrupt: this.framesCorrupt,
      ...(us ? { latencyMs: { p50: ms(us.p50), p95: ms(us.p95), p99: ms(us.p99), max: ms(us.max) } } : {}),
    };
  }
}
