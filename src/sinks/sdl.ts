import { frameBytes, nowUs, type Frame, type FrameGeometry } from '../frame.js';
import { loadSharp } from '../load-sharp.js';
import { asRgb24, rgb24Bytes } from '../pixels.js';
import { SettingError } from '../usage-error.js';
import { openWindow, type SdlWindow } from './sdl-window.js';
import type { ReceivedFrameInfo, ReceiverHandle, Sink } from './sink.js';

export interface SdlSinkOptions {
  /** Window pixels per frame pixel (nearest neighbour), so a 160x120 stream is not a postage stamp. */
  scale: number;
  /** Shown after "framewire" in the title, e.g. the demo's network preset. */
  label?: string;
}

export const MAX_SCALE = 16;
/** A monitor shows no more than this; rendering more often would only take main-thread time from receiving. */
const MAX_RENDER_HZ = 60;
const TITLE_INTERVAL_MS = 1000;
/** Until the first frame says how big the picture is. */
const INITIAL_SIZE = { width: 320, height: 240 };

/** Counters over one title interval. */
interface Window1s {
  frames: number;
  latencyMsSum: number;
  latencyCount: number;
  packetsReceived: number;
  packetsLost: number;
}

/**
 * `sdl[:scale=N]` sink: shows frames in a window titled "framewire ..." with live fps, loss and latency.
 * write() only copies the frame; rendering runs on a timer at most {@link MAX_RENDER_HZ} times a second and shows
 * the newest frame, so frames replaced before they were shown are counted in `dropped`. Closing the window stops
 * the attached receiver, which then closes its sinks and writes its report as on SIGINT.
 */
export class SdlSink implements Sink {
  readonly description: string;
  dropped = 0;
  /** Frames rendered. */
  shown = 0;
  /** Frames that arrived while paused: not shown on purpose, so not counted as dropped. */
  frozen = 0;

  private paused = false;
  /** close() was called: the window's close event is ours, not the user's. */
  private closing = false;
  private geometry: FrameGeometry | undefined;
  /** The newest frame not yet shown, and the frame on screen; swapped on render so neither is reallocated. */
  private pending = Buffer.alloc(0);
  private showing = Buffer.alloc(0);
  private hasPending = false;
  /** uyvy frames are converted here; rgb24 frames are rendered as they are. */
  private rgb = Buffer.alloc(0);
  private renderTimer: NodeJS.Timeout | undefined;
  private lastRenderMs = 0;
  private readonly titleTimer: NodeJS.Timeout;
  private readonly interval: Window1s = { frames: 0, latencyMsSum: 0, latencyCount: 0, packetsReceived: 0, packetsLost: 0 };
  private receiver: ReceiverHandle | undefined;
  /** The numbers part of the title, refreshed once a second. */
  private numbers = '';

  private constructor(
    private readonly window: SdlWindow,
    private readonly options: SdlSinkOptions,
  ) {
    this.description = `sdl${options.scale === 1 ? '' : `:scale=${options.scale}`}`;
    window.on('close', this.onWindowClose);
    this.titleTimer = setInterval(this.tick, TITLE_INTERVAL_MS);
  }

  /** Opens the window now, so a missing display or SDL build fails before any frame is received. */
  static async open(options: SdlSinkOptions): Promise<SdlSink> {
    const window = await openWindow({ title: titleBase(options.label), ...INITIAL_SIZE });
    return new SdlSink(window, options);
  }

  write(frame: Frame, info: ReceivedFrameInfo): void {
    const s = this.interval;
    s.frames++;
    // As in the receiver's report: an incomplete frame is handed over late (when reassembly gives up on it).
    if (info.stamp && info.complete) {
      s.latencyMsSum += (nowUs() - info.stamp.captureTimeUs) / 1000;
      s.latencyCount++;
    }
    if (this.window.destroyed) return;
    if (this.paused) {
      this.frozen++;
      return;
    }
    if (this.hasPending) this.dropped++;
    const bytes = frameBytes(frame);
    if (this.pending.length < bytes) this.pending = Buffer.allocUnsafe(bytes);
    frame.data.copy(this.pending, 0, 0, bytes);
    this.hasPending = true;
    if (!sameGeometry(this.geometry, frame)) this.resize(frame);
    this.renderTimer ??= setTimeout(this.render, Math.max(0, this.lastRenderMs + 1000 / MAX_RENDER_HZ - performance.now()));
  }

  attach(receiver: ReceiverHandle): void {
    this.receiver = receiver;
    const p = receiver.progress();
    this.interval.packetsReceived = p.packetsReceived;
    this.interval.packetsLost = p.packetsLost;
  }

  /** Freezes the picture (frames keep arriving and counting) or lets it move again. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    this.showTitle();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Changes the label in the title at once. */
  setLabel(label: string): void {
    this.options.label = label;
    this.showTitle();
  }

  /** Keys pressed in the window, by SDL key name ('q', 'space', '1', ...). */
  onKey(listener: (key: string) => void): void {
    this.window.on('keyDown', (event) => {
      if (event.key !== null) listener(event.key);
    });
  }

  /** Writes the picture on screen, at the frame's own size, as a PNG. Resolves false when nothing was shown yet. */
  async snapshot(file: string): Promise<boolean> {
    const g = this.geometry;
    if (!g || this.shown === 0) return false;
    const pixels = Buffer.from(this.showingRgb(g));
    const sharp = await loadSharp();
    await sharp(pixels, { raw: { width: g.width, height: g.height, channels: 3 } }).png().toFile(file);
    return true;
  }

  async close(): Promise<void> {
    this.closing = true;
    // A frame still waiting for the next render will never be shown.
    if (this.hasPending) this.dropped++;
    this.hasPending = false;
    if (!this.window.destroyed) this.window.destroy();
  }

  private readonly onWindowClose = (): void => {
    clearInterval(this.titleTimer);
    clearTimeout(this.renderTimer);
    this.renderTimer = undefined;
    if (this.closing) return;
    this.receiver?.stop();
  };

  private resize(g: FrameGeometry): void {
    this.geometry = { width: g.width, height: g.height, format: g.format };
    this.window.setSize(g.width * this.options.scale, g.height * this.options.scale);
    if (g.format !== 'rgb24') this.rgb = Buffer.allocUnsafe(rgb24Bytes(g));
  }

  private readonly render = (): void => {
    this.renderTimer = undefined;
    const g = this.geometry;
    if (!this.hasPending || !g || this.window.destroyed) return;
    [this.pending, this.showing] = [this.showing, this.pending];
    this.hasPending = false;
    this.window.render(g.width, g.height, g.width * 3, 'rgb24', this.showingRgb(g), { scaling: 'nearest' });
    this.shown++;
    this.lastRenderMs = performance.now();
  };

  private showingRgb(g: FrameGeometry): Buffer {
    return asRgb24(g, this.showing, this.rgb);
  }

  /** Turns the last second's counters into the numbers shown in the title. */
  private readonly tick = (): void => {
    const s = this.interval;
    const parts: string[] = [];
    if (this.geometry) parts.push(`${this.geometry.width}x${this.geometry.height} ${this.geometry.format}`);
    parts.push(`${s.frames} fps`);
    if (this.receiver) {
      const p = this.receiver.progress();
      const received = p.packetsReceived - s.packetsReceived;
      const lost = p.packetsLost - s.packetsLost;
      parts.push(`loss ${received + lost > 0 ? ((100 * lost) / (received + lost)).toFixed(2) : '0.00'}%`);
      s.packetsReceived = p.packetsReceived;
      s.packetsLost = p.packetsLost;
    }
    if (s.latencyCount > 0) parts.push(`latency ${(s.latencyMsSum / s.latencyCount).toFixed(1)} ms`);
    s.frames = 0;
    s.latencyMsSum = 0;
    s.latencyCount = 0;
    this.numbers = parts.join(' | ');
    this.showTitle();
  };

  private showTitle(): void {
    if (this.window.destroyed) return;
    const parts = [titleBase(this.options.label)];
    if (this.numbers) parts.push(this.numbers);
    if (this.paused) parts.push('paused');
    this.window.setTitle(parts.join(' | '));
  }
}

function titleBase(label: string | undefined): string {
  return label ? `framewire ${label}` : 'framewire';
}

function sameGeometry(a: FrameGeometry | undefined, b: FrameGeometry): boolean {
  return a !== undefined && a.width === b.width && a.height === b.height && a.format === b.format;
}

/** Builds the sink from the arguments after `sdl:` in a `--sink` spec. */
export async function createSdlSink(args: string[]): Promise<SdlSink> {
  let scale = 1;
  for (const option of args) {
    const m = /^scale=(.*)$/.exec(option);
    if (!m) throw new SettingError('sink', `sdl option '${option}' is unknown (known: scale=N)`);
    const value = m[1]!;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_SCALE) {
      throw new SettingError('sink', `sdl scale=${value} must be a whole number from 1 to ${MAX_SCALE}`);
    }
    scale = Number(value);
  }
  return SdlSink.open({ scale });
}
