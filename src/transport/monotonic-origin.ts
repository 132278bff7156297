/**
 * Where performance.now() starts on CLOCK_MONOTONIC, in ns: performance.now() x 1e6 + this = process.hrtime.bigint() =
 * the native pacer's clock. Both count the same clock, so the difference never drifts, but reading it from two calls
 * in a row is off by however long the thread was descheduled between them (3 ms once on a loaded machine here). So it
 * is read many times, each read bracketed by two hrtime reads, and the tightest bracket wins.
 */
let origin: number | undefined;

const READS = 50;

export function monotonicOriginNs(): number {
  if (origin !== undefined) return origin;
  let best = Infinity;
  let found = 0;
  for (let i = 0; i < READS; i++) {
    const before = process.hrtime.bigint();
    const now = performance.now();
    const after = process.hrtime.bigint();
    const bracket = Number(after - before);
    if (bracket < best) {
      best = bracket;
      found = Number(before) + bracket / 2 - now * 1e6;
    }
  }
  origin = found;
  return origin;
}
