/** The median of repeated measurements and how far apart they were. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Coefficient of variation (standard deviation / mean), in percent. */
  cvPct: number;
  n: number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, cvPct: NaN, n: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    cvPct: mean === 0 ? 0 : (100 * Math.sqrt(variance)) / mean,
    n: values.length,
  };
}
