import type { Frame } from '../frame.js';
import type { ReceivedFrameInfo, Sink } from './sink.js';

/** Discards frames and counts them: for measuring the transport alone. */
export class NullSink implements Sink {
  readonly description = 'null';
  readonly dropped = 0;
  /** Frames written. */
  frames = 0;

  write(_frame: Frame, _info: ReceivedFrameInfo): void {
    this.frames++;
  }

  async close(): Promise<void> {}
}
