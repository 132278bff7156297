/** Frame-to-frame RTP timestamp steps the estimate looks back over. */
const WINDOW = 15;

/**
 * A stream's frame period in RTP ticks, measured from its timestamps when no SDP says it: the median of the latest
 * steps between consecutive frames' timestamps. A median, because a sender that stamps frames with their capture time
 * (framewire, GStreamer from buffer times) has jittery steps, and a lost frame makes one step twice as long. Fixed
 * memory, nothing allocated per frame.
 */
export class FramePeriodEstimate {
  private readonly steps = new Float64Array(WINDOW);
  private readonly sorted = new Float64Array(WINDOW);
  private count = 0;
  private previous: number | undefined;
  /** The median as of `medianAt` steps: recomputed once the window has moved by half. */
  private median: number | undefined;
  private medianAt = 0;

  /** Adds the next frame's RTP timestamp (frames in order; a step back or a repeat is not a period and is skipped). */
  add(rtpTimestamp: number): void {
    const previous = this.previous;
    this.previous = rtpTimestamp;
    if (previous === undefined) return;
    const step = (rtpTimestamp - previous) | 0; // RTP timestamps wrap at 2^32 (RFC 1982 serial arithmetic)
    if (step <= 0) return;
    this.steps[this.count % WINDOW] = step;
    this.count++;
  }

  /**
   * The median step, ticks; undefined before two frames. Sorted anew while the window fills and then every half
   * window, so a stream of small frames does not sort once a frame.
   */
  ticks(): number | undefined {
    if (this.median !== undefined && this.count - this.medianAt < (this.count < WINDOW ? 1 : WINDOW >> 1)) return this.median;
    const n = Math.min(this.count, WINDOW);
    if (n === 0) return undefined;
    this.medianAt = this.count;
    const sorted = this.sorted.subarray(0, n);
    sorted.set(this.steps.subarray(0, n));
    sorted.sort();
    this.median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
    return this.median;
  }

  /** Forgets the stream (a new SSRC). */
  reset(): void {
    this.count = 0;
    this.previous = undefined;
    this.median = undefined;
    this.medianAt = 0;
  }
}
