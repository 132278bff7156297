import { frameBytes, geometryOf, type Frame, type FrameGeometry } from '../frame.js';
import { loadSharp } from '../load-sharp.js';
import { asRgb24, rgb24Bytes } from '../pixels.js';
import type { ReceivedFrameInfo, Sink } from '../sinks/sink.js';

/** A received frame kept for the report's strip of pictures. */
export interface SampleFrame {
  /** The frame's index as the receiver numbered it (its stamp's, for a frame whose stamp was read). */
  index: number;
  width: number;
  height: number;
  /** data:image/png;base64,... */
  png: string;
}

interface Held {
  index: number;
  geometry: FrameGeometry;
  data: Buffer;
}

/**
 * Keeps copies of a few received frames spread over the run (one every `frames / count` indices). Encoding
 * waits until the run is over, so the receive path only pays a copy, `count` times in all.
 */
export class SampleSink implements Sink {
  readonly description = 'samples';
  readonly dropped = 0;
  private readonly held: Held[] = [];
  private readonly spacing: number;
  private next = 0;

  constructor(
    frames: number,
    private readonly count = 6,
  ) {
    this.spacing = Math.max(1, Math.floor(frames / count));
  }

  write(frame: Frame, _info: ReceivedFrameInfo): void {
    const index = frame.index;
    if (this.held.length >= this.count || index < this.next) return;
    this.next = (Math.floor(index / this.spacing) + 1) * this.spacing;
    const geometry = geometryOf(frame);
    this.held.push({ index, geometry, data: Buffer.from(frame.data.subarray(0, frameBytes(geometry))) });
  }

  async close(): Promise<void> {}

  /** Encodes the kept frames as PNG data URIs. */
  async encode(): Promise<SampleFrame[]> {
    const sharp = await loadSharp();
    return Promise.all(this.held.map(async ({ index, geometry, data }) => {
      const rgb = asRgb24(geometry, data, Buffer.allocUnsafe(rgb24Bytes(geometry)));
      const png = await sharp(rgb, { raw: { width: geometry.width, height: geometry.height, channels: 3 } }).png().toBuffer();
      return { index, width: geometry.width, height: geometry.height, png: `data:image/png;base64,${png.toString('base64')}` };
    }));
  }
}
