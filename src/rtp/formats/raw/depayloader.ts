import type { FrameGeometry } from '../../../frame.js';
import { MAX_UDP_PAYLOAD } from '../../udp-limits.js';
import type { Depayloader } from '../payload-format.js';
import type { PayloadRuns } from '../payload-runs.js';
import { rawFrameBytes } from './frame-size.js';

/**
 * Takes each datagram of exactly one frame's size as the whole frame; any other size is malformed. A frame larger
 * than a datagram is refused up front, as the sender refuses it: no raw sender could send it.
 */
export class RawDepayloader implements Depayloader {
  readonly unitBytes: number;

  constructor(geometry: FrameGeometry) {
    this.unitBytes = rawFrameBytes(geometry, MAX_UDP_PAYLOAD);
  }

  locate(_datagram: Buffer, start: number, end: number, runs: PayloadRuns): boolean {
    if (end - start !== this.unitBytes) return false;
    runs.count = 0;
    return runs.add(0, start, this.unitBytes);
  }
}
