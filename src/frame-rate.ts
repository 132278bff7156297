/**
 * What "fps" means everywhere in framewire (send, receive, the harness, the benchmark): N frames over N frame
 * periods. The window a rate is taken over runs from the first frame of the stream to the last, plus one frame
 * period, so a paced stream of N frames at R fps spans exactly N / R seconds and measures R, whether it is 1 frame
 * or a million. The frame period is the stream's nominal one (1 / --fps) when it is known, else the mean interval
 * between its frames, span / (N - 1), which makes the rate (N - 1) / span. A single frame with no known period has
 * no window, and its rate is not measurable (0).
 */
export function frameWindowUs(frames: number, spanUs: number, periodUs?: number): number {
  if (frames === 0) return 0;
  if (periodUs !== undefined) return spanUs + periodUs;
  return frames > 1 ? (spanUs * frames) / (frames - 1) : 0;
}

/** `count` per second over a window from {@link frameWindowUs}; 0 when there is no window. */
export function perSecond(count: number, windowUs: number): number {
  return windowUs > 0 ? (count * 1e6) / windowUs : 0;
}

/** The times of a stream's frames, as far as a rate needs them: how many, the earliest and the latest. */
export class FrameSpan {
  frames = 0;
  private firstUs = Infinity;
  private lastUs = -Infinity;

  /** Frames may come out of order (an incomplete one is handed over late): the span is from earliest to latest. */
  add(timeUs: number): void {
    this.frames++;
    if (timeUs < this.firstUs) this.firstUs = timeUs;
    if (timeUs > this.lastUs) this.lastUs = timeUs;
  }

  /** The window the stream's rates are taken over, µs; `periodUs` is the nominal frame period when known. */
  windowUs(periodUs?: number): number {
    return frameWindowUs(this.frames, this.frames > 0 ? this.lastUs - this.firstUs : 0, periodUs);
  }
}
