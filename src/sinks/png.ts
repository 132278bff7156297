import { join } from 'node:path';
import type { Frame, FrameGeometry } from '../frame.js';
import { frameBytes, geometryOf } from '../frame.js';
import { loadSharp, type Sharp } from '../load-sharp.js';
import { prepareOutputDir, writeFileAtomic } from '../output-file.js';
import { asRgb24, rgb24Bytes } from '../pixels.js';
import type { ReceivedFrameInfo, Sink } from './sink.js';

/** A frame copied off the receive path, waiting for (or under) encoding. */
interface Held {
  geometry: FrameGeometry;
  data: Buffer;
  number: number;
}

export interface PngSinkOptions {
  /** Write only frames whose number (the frame's index) is a multiple of this. */
  every: number;
  /** Frames that may wait for the encoder; default: as many as fit in {@link QUEUE_BUDGET_BYTES} (1 to 64). */
  queue?: number;
}

/**
 * Memory the default queue may hold: a short burst (a few frames at 100 fps) is all written, while a long stream
 * faster than the encoder is thinned to the newest frames instead of growing without bound.
 */
export const QUEUE_BUDGET_BYTES = 64 * 1024 * 1024;
export const MAX_QUEUE = 64;

/** File name for frame number `n`: frame-000042.png. */
export function pngFrameName(n: number): string {
  return `frame-${String(n).padStart(6, '0')}.png`;
}

/**
 * `png:DIR` sink: writes frames as DIR/frame-NNNNNN.png (RGB, 8-bit), numbered by the frame's index, which the
 * receiver makes unique in the stream (its stamp's, else derived from its RTP timestamp). write() only copies the frame; one encode runs at a time and frames wait
 * for it in a bounded queue: when the queue is full the oldest waiting frame gives way to the newest and is counted
 * in `dropped`, so the receive path never waits on the disk.
 */
export class PngSink implements Sink {
  readonly description: string;
  dropped = 0;
  /** Files written so far. */
  written = 0;
  /** Frames whose file could not be written (ENOSPC, a directory gone), with the first error; writing goes on. */
  readonly failures = { count: 0, first: '' };

  private encoding: Promise<void> | undefined;
  private readonly waiting: Held[] = [];
  /** Buffers not holding a frame; at most queue + 1 are ever in use (one encoding, the rest waiting). */
  private spare: Held[] = [];
  /** uyvy frames are converted here for the encoder; rgb24 frames go to it as held. */
  private rgb = Buffer.alloc(0);
  private sharp: Sharp | undefined;

  constructor(
    private readonly dir: string,
    private readonly options: PngSinkOptions,
  ) {
    this.description = `png:${dir}${options.every > 1 ? `:every=${options.every}` : ''}${options.queue ? `:queue=${options.queue}` : ''}`;
  }

  /** Creates the directory (checking it can be written in) and loads the encoder; call before the first write. */
  async open(): Promise<void> {
    await prepareOutputDir(this.dir, 'sink');
    this.sharp = await loadSharp();
  }

  write(frame: Frame, _info: ReceivedFrameInfo): void {
    const number = frame.index;
    if (number % this.options.every !== 0) return;
    if (this.encoding) {
      if (this.waiting.length >= this.queueLength(frameBytes(frame))) {
        this.dropped++;
        this.spare.push(this.waiting.shift()!);
      }
      this.waiting.push(this.hold(frame, number));
    } else {
      this.encoding = this.encodeUntilNoneWaits(this.hold(frame, number));
    }
  }

  /** Resolves once every frame taken is written or counted in `failures`. */
  async close(): Promise<void> {
    await this.encoding;
  }

  private queueLength(bytes: number): number {
    return this.options.queue ?? Math.max(1, Math.min(MAX_QUEUE, Math.floor(QUEUE_BUDGET_BYTES / bytes)));
  }

  private hold(frame: Frame, number: number): Held {
    const bytes = frameBytes(frame);
    const held = this.spare.pop();
    const data = held && held.data.length >= bytes ? held.data : Buffer.allocUnsafe(bytes);
    frame.data.copy(data, 0, 0, bytes);
    return { geometry: geometryOf(frame), data, number };
  }

  private async encodeUntilNoneWaits(first: Held): Promise<void> {
    // Let write() return before any conversion work starts.
    await Promise.resolve();
    let held: Held | undefined = first;
    while (held) {
      await this.encode(held);
      this.spare.push(held);
      held = this.waiting.shift();
    }
    this.encoding = undefined;
  }

  private async encode(held: Held): Promise<void> {
    const { width, height } = held.geometry;
    const bytes = rgb24Bytes(held.geometry);
    if (held.geometry.format !== 'rgb24' && this.rgb.length < bytes) this.rgb = Buffer.allocUnsafe(bytes);
    const pixels = asRgb24(held.geometry, held.data, this.rgb);
    const file = join(this.dir, pngFrameName(held.number));
    try {
      // Whole files or none: a disk that fills up mid-file leaves no truncated PNG behind.
      const png = await this.sharp!(pixels, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 3 }).toBuffer();
      await writeFileAtomic(file, png);
      this.written++;
    } catch (err) {
      // A full disk may free up again: count this frame and go on with the next.
      if (this.failures.count++ === 0) this.failures.first = (err as Error).message;
    }
  }
}
