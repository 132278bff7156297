import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { FFMPEG_MISSING } from '../devices/probe.js';
import type { Frame, FrameGeometry } from '../frame.js';
import { frameBytes, nowUs } from '../frame.js';
import { assertStampable, writeStamp } from '../stamp.js';
import { allocFrameData } from './generated-source.js';
import type { Source } from './source.js';

/**
 * Frames decoded ahead of the consumer. Three lets ffmpeg fill one while the consumer holds one and
 * one waits; more would only add latency to a live picture.
 */
const POOL_SIZE = 3;
/** Tail of ffmpeg's stderr kept for error messages; it is chatty only when something is wrong. */
const STDERR_KEEP = 2000;

const FFMPEG_PIX_FMT: Record<FrameGeometry['format'], string> = { rgb24: 'rgb24', uyvy: 'uyvy422' };

export interface FfmpegStreamOptions {
  geometry: FrameGeometry;
  description: string;
  /** Names the source in errors, e.g. "v4l2: /dev/video0". */
  label: string;
  /** ffmpeg's input arguments (everything up to and including `-i ...`), worked out when iteration starts. */
  inputArgs: () => Promise<string[]>;
  /**
   * A live device never ends by itself, so an exit even with status 0 means it went away; a finite
   * lavfi graph ending is the end of the stream.
   */
  endless: boolean;
  /** Turns ffmpeg's stderr (and how it exited) into the message the iteration ends with. */
  explainExit: (stderr: string, how: string) => string;
  stamp?: boolean;
}

/**
 * Streams raw frames from one long-lived ffmpeg child through a pipe: no process or file per frame.
 * stdout chunks are copied into a small pool of frame buffers (chunks split frames anywhere); when every
 * buffer is full or held by the consumer, stdout is paused so ffmpeg blocks on the pipe instead of
 * buffering without bound.
 */
export class FfmpegStreamSource implements Source {
  readonly geometry: FrameGeometry;
  readonly description: string;
  private readonly bytes: number;
  private readonly frames: Frame[];
  /** Indices into `frames`, a ring of complete frames in arrival order. */
  private readonly ready: number[] = new Array<number>(POOL_SIZE).fill(0);
  private readyHead = 0;
  private readyCount = 0;
  private readonly free: number[] = [];
  private filling = -1;
  private filled = 0;
  /** Frame the consumer holds; back to `free` when it asks for the next one. */
  private held = -1;
  private pending: Buffer | undefined;
  private pendingOffset = 0;
  private child: ChildProcess | undefined;
  private stdout: Readable | undefined;
  private stderrTail = '';
  private ended = false;
  private failure: Error | undefined;
  private closed = false;
  private started = false;
  private wake: (() => void) | undefined;
  private nextIndex = 0;

  constructor(private readonly options: FfmpegStreamOptions) {
    this.geometry = options.geometry;
    this.description = options.description;
    this.bytes = frameBytes(options.geometry);
    if (options.stamp) assertStampable(options.geometry);
    this.frames = [];
    for (let i = 0; i < POOL_SIZE; i++) {
      this.frames.push({ ...options.geometry, data: allocFrameData(options.geometry), index: 0, captureTimeUs: 0 });
      this.free.push(i);
    }
  }

  /** The ffmpeg child's pid while it runs (tests kill it to play an unplugged camera). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    if (this.started) throw new Error(`${this.options.label}: a source can be read only once`);
    this.started = true;
    try {
      await this.start();
      for (;;) {
        this.release();
        while (this.readyCount === 0 && !this.ended && !this.closed) {
          await new Promise<void>((resolve) => { this.wake = resolve; });
        }
        if (this.readyCount === 0 || this.closed) break;
        this.held = this.ready[this.readyHead];
        this.readyHead = (this.readyHead + 1) % POOL_SIZE;
        this.readyCount--;
        yield this.frames[this.held];
      }
      if (this.failure && !this.closed) throw this.failure;
    } finally {
      await this.stop();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.stop();
  }

  private async start(): Promise<void> {
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      ...(await this.options.inputArgs()),
      '-an',
      // Each captured frame goes out once, as it came: no duplicating or dropping to a nominal rate.
      '-fps_mode', 'passthrough',
      '-f', 'rawvideo', '-pix_fmt', FFMPEG_PIX_FMT[this.geometry.format],
      '-s', `${this.geometry.width}x${this.geometry.height}`,
      'pipe:1',
    ];
    if (this.closed) return;
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.stdout = child.stdout;
    child.stdout.on('data', this.onData);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_KEEP);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      this.finish(err.code === 'ENOENT' ? new Error(`${this.options.label}: ${FFMPEG_MISSING}`) : err);
    });
    // 'close' (not 'exit') so every byte ffmpeg wrote has been delivered to onData first.
    child.on('close', (code, signal) => this.onClose(code, signal));
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return this.finish(undefined);
    if (code === 0 && !this.options.endless) return this.finish(undefined);
    const how = signal ? `ffmpeg was killed by ${signal}` : `ffmpeg exited with status ${code}`;
    this.finish(new Error(this.options.explainExit(this.stderrTail.trim(), how)));
  }

  private finish(failure: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.wake?.();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.pending = chunk;
    this.pendingOffset = 0;
    this.fill();
  };

  /** Copies pending stdout bytes into frame buffers; pauses stdout when no buffer is free. */
  private fill(): void {
    while (this.pending) {
      if (this.filling < 0) {
        const next = this.free.pop();
        if (next === undefined) {
          this.stdout?.pause();
          return;
        }
        this.filling = next;
        this.filled = 0;
      }
      const copied = this.pending.copy(this.frames[this.filling].data, this.filled, this.pendingOffset);
      this.filled += copied;
      this.pendingOffset += copied;
      if (this.pendingOffset === this.pending.length) this.pending = undefined;
      if (this.filled === this.bytes) this.completeFrame();
    }
    this.stdout?.resume();
  }

  private completeFrame(): void {
    const frame = this.frames[this.filling];
    frame.index = this.nextIndex++;
    frame.captureTimeUs = nowUs();
    if (this.options.stamp) writeStamp(frame);
    this.ready[(this.readyHead + this.readyCount) % POOL_SIZE] = this.filling;
    this.readyCount++;
    this.filling = -1;
    this.wake?.();
  }

  /** Hands the consumer's previous frame back to the pool and resumes reading if ffmpeg was held up. */
  private release(): void {
    if (this.held < 0) return;
    this.free.push(this.held);
    this.held = -1;
    if (this.pending) this.fill();
  }

  private async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined || this.ended) return;
    this.closed = true;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    // A paused stdout holding unread bytes would keep 'close' from ever firing.
    child.stdout?.destroy();
    child.kill('SIGTERM');
    await exited;
  }
}
