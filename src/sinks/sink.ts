import type { Frame } from '../frame.js';
import type { IndexSource } from '../session/frame-identity.js';

/** What the receiver knows about a frame it hands to sinks, beside the pixels. */
export interface ReceivedFrameInfo {
  /** All bytes of the frame arrived. */
  complete: boolean;
  /** Bytes of the frame that never arrived. */
  bytesMissing: number;
  /** What the frame's `index` (its number, unique in the stream) came from: its stamp, its RTP timestamp, or the receive order. */
  indexFrom: IndexSource;
  /** Stamp decoded from the pixels, when the frame carries one and it decoded. */
  stamp?: { index: number; captureTimeUs: number; intact: boolean };
}

/**
 * A sink consumes received frames. `write` is called on the receive path and must return quickly:
 * the frame's buffer is only valid during the call (the receiver pools buffers), so a sink that does slow
 * work (encoding, display) copies the newest frame, drops what it cannot keep up with, and counts drops.
 */
export interface Sink {
  readonly description: string;
  write(frame: Frame, info: ReceivedFrameInfo): void;
  /** Flushes pending work; resolves when the sink is done. */
  close(): Promise<void>;
  /** Frames this sink had to drop because it could not keep up. */
  readonly dropped: number;
  /**
   * Frames it took but could not deliver later, off the receive path (a file it could not write: a full disk), with
   * the first error's message; it goes on with the next frame. The receiver reports these with the frames `write`
   * threw on.
   */
  readonly failures?: { count: number; first: string };
  /**
   * Called once by the receiver before the first write, for sinks that show live numbers (packet loss is only
   * known to the receiver) or that can end the run (a window the user closes).
   */
  attach?(receiver: ReceiverHandle): void;
}

/** What a sink may use of the receiver feeding it. */
export interface ReceiverHandle {
  /** Live counters since the start. */
  progress(): { framesComplete: number; framesIncomplete: number; packetsReceived: number; packetsLost: number };
  /** Ends reception as SIGINT does: sinks are closed and the report is still made. */
  stop(): void;
}
