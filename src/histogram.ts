import type { Percentiles } from './metrics.js';

/**
 * Fixed-size log-linear histogram of non-negative integers (microseconds here): exact below 128, then 64
 * buckets per power of two (under 1.6% error). Recording allocates nothing, so it can sit on the hot path.
 */
const LINEAR = 128;
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
const MAX_EXPONENT = 32 - SUB_BITS - 1;
const BUCKETS = LINEAR + MAX_EXPONENT * SUB;
const MAX_VALUE = 2 ** 31 - 1;

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private maximum = 0;

  record(value: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(value)));
    let index = v;
    if (v >= LINEAR) {
      const shift = 31 - Math.clz32(v) - SUB_BITS;
      index = LINEAR + (shift - 1) * SUB + ((v >>> shift) - SUB);
    }
    this.counts[index]!++;
    this.total++;
    if (v > this.maximum) this.maximum = v;
  }

  /** Nearest-rank percentile (bucket midpoint above the linear range); 0 when empty. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maximum, valueOf(i));
    }
    return this.maximum;
  }

  /** The percentiles reports use, or undefined when nothing was recorded. */
  percentiles(): Percentiles | undefined {
    if (this.total === 0) return undefined;
    return { p50: this.percentile(50), p95: this.percentile(95), p99: this.percentile(99), max: this.maximum };
  }

  summary(): Summary {
    return { count: this.total, p50: this.percentile(50), p99: this.percentile(99), max: this.maximum };
  }
}

function valueOf(index: number): number {
  if (index < LINEAR) return index;
  const shift = Math.floor((index - LINEAR) / SUB) + 1;
  const low = (SUB + ((index - LINEAR) % SUB)) * 2 ** shift;
  return low + (2 ** shift - 1) / 2;
}
