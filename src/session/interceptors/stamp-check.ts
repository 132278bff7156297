import type { Frame } from '../../frame.js';
import { Histogram } from '../../histogram.js';
import type { Percentiles } from '../../metrics.js';
import { readStamp } from '../../stamp.js';
import type { AssemblyInfo } from '../assembler.js';
import type { ReceiveInterceptor } from '../interceptor.js';

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

export type Stamp = NonNullable<ReturnType<typeof readStamp>>;

export interface StampReport {
  /** Complete frames whose pixels do not match their stamp's CRC. */
  framesCorrupt: number;
  /** Capture (stamp) to arrival of the last packet, complete stamped frames; histogram estimate, under 1.6% off. */
  latencyMs?: Percentiles;
}

/**
 * Reads each assembled frame's stamp (index, capture time, CRC of the pixels below it): a complete frame whose CRC
 * fails is corrupt, and a stamped one gives its capture-to-arrival latency. Latencies go to a fixed histogram, so
 * a receiver left running for days keeps no list that grows; each frame's record is handed on (`onRecord`) and not
 * kept here.
 */
export class StampCheck implements ReceiveInterceptor {
  readonly name = 'stamp';
  framesCorrupt = 0;
  /** The latest frame's record and stamp, for the receiver to give its sinks. */
  latest: { record: FrameRecord; stamp: Stamp | undefined } | undefined;
  private readonly latencyUs = new Histogram();

  constructor(private readonly onRecord: (record: FrameRecord) => void) {}

  onFrameIn(frame: Frame, info: AssemblyInfo): void {
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
