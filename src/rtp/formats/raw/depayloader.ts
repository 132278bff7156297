import { frameBytes, type FrameGeometry } from '../../../frame.js';
import type { Depayloader } from '../payload-format.js';
import type { PayloadRuns } from '../payload-runs.js';

/** Takes each datagram of exactly one frame's size as the whole frame; any other size is malformed. */
export class RawDepayloader implements Depayloader {
  readonly unitBytes: number;

  constructor(geometry: FrameGeometry) {
    this.unitBytes = frameBytes(geometry);
  }

  locate(_datagram: Buffer, start: number, end: number, runs: PayloadRuns): boolean {
    if (end - start !== this.unitBytes) return false;
    runs.count = 0;
    return runs.add(0, start, this.unitBytes);
  }
}
