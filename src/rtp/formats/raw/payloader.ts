import { geometryOf, type Frame, type FrameGeometry } from '../../../frame.js';
import { assertFrameFits } from '../../frame-check.js';
import type { PayloadLayout, Payloader } from '../payload-format.js';
import { rawFrameBytes } from './frame-size.js';

const NO_HEADER = Buffer.alloc(0);

/** The original program's wire: one datagram carries one whole frame, with no header at all. */
export class RawPayloader implements Payloader {
  private readonly fixed: PayloadLayout;
  readonly packetsPerFrame: number;
  private readonly geometry: FrameGeometry;
  private readonly bytes: number;

  constructor(geometry: FrameGeometry, maxPayloadBytes: number) {
    this.geometry = geometryOf(geometry);
    this.bytes = rawFrameBytes(geometry, maxPayloadBytes);
    this.fixed = {
      packets: 1,
      headers: NO_HEADER,
      headerOffsets: Uint32Array.of(0, 0),
      dataOffsets: Uint32Array.of(0, this.bytes),
    };
    this.packetsPerFrame = 1;
  }

  layout(frame: Frame): PayloadLayout {
    assertFrameFits(frame, this.geometry, this.bytes);
    return this.fixed;
  }

  data(frame: Frame): Buffer {
    return frame.data;
  }
}
