import { frameBytes, geometryOf, type Frame, type FrameGeometry } from '../../../frame.js';
import { SettingError } from '../../../usage-error.js';
import { assertFrameFits } from '../../frame-check.js';
import type { PayloadLayout, Payloader } from '../payload-format.js';

const NO_HEADER = Buffer.alloc(0);

/** The original program's wire: one datagram carries one whole frame, with no header at all. */
export class RawPayloader implements Payloader {
  private readonly fixed: PayloadLayout;
  readonly packetsPerFrame: number;
  private readonly geometry: FrameGeometry;
  private readonly bytes: number;

  constructor(geometry: FrameGeometry, maxPayloadBytes: number) {
    this.geometry = geometryOf(geometry);
    this.bytes = frameBytes(geometry);
    if (this.bytes > maxPayloadBytes) {
      const { width, height, format } = geometry;
      throw new SettingError(
        'wire',
        `raw sends a frame as one datagram, and a ${width}x${height} ${format} frame is ${this.bytes} bytes, more ` +
          `than the ${maxPayloadBytes} one UDP datagram can carry (use rtp)`,
      );
    }
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
