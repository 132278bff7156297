/**
 * What a soak run must show (docs/reliability.md): after a warm-up, no process's RSS grows by 5 MB or more and none
 * opens more fds, and the receiver delivers as many frames a second at the end as at the start. Everything is
 * computed from the samples a results file keeps, so a finished run can be checked again.
 */

export const RSS_GROWTH_LIMIT_MB = 5;
/** Delivered fps of the last window within this share of the first window's. */
export const FPS_DRIFT_LIMIT = 0.02;

export interface SoakPoint {
  tSec: number;
  rssMb: number;
  cpuPct: number;
  fds: number;
}

export interface SoakCheck {
  name: string;
  value: number;
  limit: number;
  ok: boolean;
  detail: string;
}

/** The warm-up a run of `durationSec` is given before memory is judged: its first 20% (6 of 30 minutes). */
export function warmUpSec(durationSec: number): number {
  return durationSec * 0.2;
}

/** The windows delivered fps is compared over: the first and the last 5 minutes, or a third of a shorter run. */
export function fpsWindowSec(durationSec: number): number {
  return Math.min(300, durationSec / 3);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * RSS growth: the floor (lowest sample) of the last sixth of the samples after the warm-up less the floor of the
 * first sixth (at least 3 samples each). A garbage-collected heap saws up and down by tens of MB between
 * collections; what a leak raises is the floor after them, so the floors are compared, not single samples or means.
 */
export function memoryChecks(name: string, points: SoakPoint[], warmSec: number): SoakCheck[] {
  const after = points.filter((p) => p.tSec >= warmSec);
  const window = Math.max(3, Math.floor(after.length / 6));
  const floor = (ps: SoakPoint[]): number => Math.min(...ps.map((p) => p.rssMb));
  const first = after.slice(0, window);
  const last = after.slice(-window);
  const growth = floor(last) - floor(first);
  const fdGrowth = Math.max(...after.map((p) => p.fds)) - (first[0]?.fds ?? 0);
  const enough = after.length >= 2 * window;
  return [
    {
      name: `${name} RSS growth after warm-up (MB)`, value: round(growth), limit: RSS_GROWTH_LIMIT_MB, ok: enough && growth < RSS_GROWTH_LIMIT_MB,
      detail: `floor ${round(floor(first))} MB in the first ${window} samples after warm-up, ${round(floor(last))} MB in the last ${window}`,
    },
    {
      name: `${name} open fds added after warm-up`, value: fdGrowth, limit: 0, ok: enough && fdGrowth <= 0,
      detail: `${first[0]?.fds ?? '?'} at warm-up, at most ${Math.max(...after.map((p) => p.fds))} after`,
    },
  ];
}

/** Complete frames a second in consecutive windows of `windowSec` from the first frame's arrival (partial last one dropped). */
export function fpsSeries(arrivalsUs: number[], windowSec: number): number[] {
  if (arrivalsUs.length === 0) return [];
  const start = arrivalsUs[0]!;
  const windows = Math.floor((arrivalsUs.at(-1)! - start) / 1e6 / windowSec);
  const counts = new Array<number>(windows).fill(0);
  for (const t of arrivalsUs) {
    const w = Math.floor((t - start) / 1e6 / windowSec);
    if (w < windows) counts[w]!++;
  }
  return counts.map((c) => c / windowSec);
}

/** Delivered fps over the first and the last `windowSec` of a series sampled every `sampleSec`, and whether it drifted. */
export function fpsDriftCheck(series: number[], sampleSec: number, windowSec: number): SoakCheck {
  const n = Math.max(1, Math.round(windowSec / sampleSec));
  const first = mean(series.slice(0, n));
  const last = mean(series.slice(-n));
  const drift = first > 0 ? Math.abs(last - first) / first : 1;
  return {
    name: 'delivered fps drift, first vs last window (%)', value: round(drift * 100), limit: FPS_DRIFT_LIMIT * 100,
    ok: series.length >= 2 * n && first > 0 && drift < FPS_DRIFT_LIMIT,
    detail: `${round(first)} fps in the first ${n * sampleSec} s, ${round(last)} in the last`,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
