/**
 * What a soak run must show (docs/reliability.md): after a warm-up, no process's RSS grows by 5 MB or more and none
 * opens more fds, and the receiver delivers as many frames a second at the end as at the start.
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

/** The warm-up a run of `durationSec` is given before memory is judged: 20% of it, at most 2 minutes. */
export function warmUpSec(durationSec: number): number {
  return Math.min(120, durationSec * 0.2);
}

/** The windows delivered fps is compared over: the first and the last 5 minutes, or a third of a shorter run. */
export function fpsWindowSec(durationSec: number): number {
  return Math.min(300, durationSec / 3);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** RSS growth: the mean of the last three samples less the mean of the first three after the warm-up. */
export function memoryChecks(name: string, points: SoakPoint[], warmSec: number): SoakCheck[] {
  const after = points.filter((p) => p.tSec >= warmSec);
  const first = after.slice(0, 3);
  const last = after.slice(-3);
  const growth = mean(last.map((p) => p.rssMb)) - mean(first.map((p) => p.rssMb));
  const fdGrowth = Math.max(...after.map((p) => p.fds)) - (first[0]?.fds ?? 0);
  return [
    {
      name: `${name} RSS growth after warm-up (MB)`, value: round(growth), limit: RSS_GROWTH_LIMIT_MB, ok: after.length >= 4 && growth < RSS_GROWTH_LIMIT_MB,
      detail: `${round(mean(first.map((p) => p.rssMb)))} -> ${round(mean(last.map((p) => p.rssMb)))} MB over ${after.length} samples`,
    },
    {
      name: `${name} open fds added after warm-up`, value: fdGrowth, limit: 0, ok: after.length >= 4 && fdGrowth <= 0,
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

/** Delivered fps of the first and last windows (complete frames' arrivals, sorted), and whether it drifted. */
export function fpsDriftCheck(arrivalsUs: number[], windowSec: number): SoakCheck {
  const start = arrivalsUs[0] ?? 0;
  const end = arrivalsUs.at(-1) ?? 0;
  const first = arrivalsUs.filter((t) => t < start + windowSec * 1e6).length / windowSec;
  const last = arrivalsUs.filter((t) => t > end - windowSec * 1e6).length / windowSec;
  const drift = first > 0 ? Math.abs(last - first) / first : 1;
  return {
    name: 'delivered fps drift, first vs last window', value: round(drift * 100), limit: FPS_DRIFT_LIMIT * 100,
    ok: first > 0 && drift < FPS_DRIFT_LIMIT, detail: `${round(first)} fps in the first ${round(windowSec)} s, ${round(last)} in the last (drift in %)`,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
