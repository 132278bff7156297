import type { Frame, FrameGeometry } from '../frame.js';

/**
 * A source yields frames of one geometry. Pacing belongs to the sender (`--fps`) or to the device.
 * A yielded frame's `data` may be reused by the source once the consumer asks for the next frame,
 * so a consumer that keeps pixels longer must copy them.
 */
export interface Source extends AsyncIterable<Frame> {
  readonly geometry: FrameGeometry;
  /** Short human description, e.g. "pattern:smpte 160x120 rgb24". */
  readonly description: string;
  /**
   * For a source whose frames are computed, not captured: the sender's frame clock, so frame i is stamped with the
   * capture time of its slot (startUs + i x intervalUs) however late a busy machine made it. Its RTP timestamp then
   * follows the stream's frame clock, as a camera's sampling instants would, and stays a frame's identity when its
   * stamp rows are lost.
   */
  followFrameClock?(startUs: number, intervalUs: number): void;
  close(): Promise<void>;
}

export interface SourceOptions extends FrameGeometry {
  /** Stamp frames (patterns always do; png only when asked). */
  stamp?: boolean;
  /** Requested rate for devices that pace themselves (v4l2, webcam); undefined means "as fast as it goes". */
  fps?: number;
  /** Seed for sources with randomness (pattern:noise). */
  seed?: number;
}
