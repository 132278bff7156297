import type { Frame, FrameGeometry } from '../frame.js';
import { frameBytes, nowUs } from '../frame.js';
import type { Source } from './source.js';

/** Fills `frame.data` for `frame.index` (already set, with the capture time) and stamps it if it should. */
export type FrameProducer = (frame: Frame) => void;

/**
 * An endless source whose frames are computed, not captured: one reused buffer per iteration, frame indices from 0,
 * capture time the frame's slot on the sender's frame clock when it gives one (followFrameClock), else taken as each
 * frame is produced. The sender paces and stops it.
 */
export class GeneratedSource implements Source {
  private closed = false;
  private clock: { startUs: number; intervalUs: number } | undefined;

  constructor(
    readonly geometry: FrameGeometry,
    readonly description: string,
    private readonly produce: FrameProducer,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    const data = allocFrameData(this.geometry);
    for (let index = 0; !this.closed; index++) {
      const captureTimeUs = this.clock ? Math.round(this.clock.startUs + index * this.clock.intervalUs) : nowUs();
      const frame: Frame = { ...this.geometry, data, index, captureTimeUs };
      this.produce(frame);
      yield frame;
    }
  }

  followFrameClock(startUs: number, intervalUs: number): void {
    this.clock = { startUs, intervalUs };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A zeroed frame buffer on its own ArrayBuffer, so producers may view it as 32-bit words. */
export function allocFrameData(g: FrameGeometry): Buffer {
  return Buffer.from(new ArrayBuffer(frameBytes(g)));
}
