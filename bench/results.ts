/** The shape of bench/results/*.json, which the markdown table and the chart are made from. */
import type { Ceiling } from './iperf.js';
import type { GstWire } from './gstreamer-row.js';
import type { Machine, Noise } from './machine.js';
import type { MemoryResult } from './memory-row.js';
import type { Engine, RowKind } from './plan.js';
import type { RowConfig, RunResult } from './row.js';
import { summarize, type Summary } from './stats.js';

export type RunSummary = { [K in keyof RunResult]-?: Summary };

export interface EngineResult {
  runs: RunResult[];
  summary?: RunSummary;
  failures: string[];
}

export interface RowResult extends RowConfig {
  kind: Exclude<RowKind, 'memory' | 'ceiling'>;
  label: string;
  engines: Partial<Record<Engine, EngineResult>>;
  gstWire?: GstWire;
  /** Median delivered fps of framewire (and of its JS path) over GStreamer's. */
  ratio?: number;
  ratioJs?: number;
  /** Relay rows: framewire's median delivered fps over the same configuration's direct row. */
  ratioDirect?: number;
}

export interface BenchResults {
  date: string;
  machine: Machine;
  settings: { quick: boolean; repeats: number; durationSec: number; filters: string[][] };
  noise: Noise;
  ceiling?: Ceiling;
  rows: RowResult[];
  memory: Array<MemoryResult & { row: RowConfig }>;
  failures: string[];
}

export function summarizeRuns(runs: RunResult[]): RunSummary | undefined {
  if (runs.length === 0) return undefined;
  const keys = Object.keys(runs[0]!) as Array<keyof RunResult>;
  const out = {} as RunSummary;
  for (const k of keys) {
    const values = runs.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
    out[k] = summarize(values);
  }
  return out;
}

export function fpsRatio(row: RowResult, engine: Engine): number | undefined {
  const a = row.engines[engine]?.summary?.deliveredFps.median;
  const b = row.engines.gstreamer?.summary?.deliveredFps.median;
  return a !== undefined && b ? a / b : undefined;
}

/** Sets each relay row's ratio to its direct twin, when the run measured both. */
export function addRelayCost(rows: RowResult[]): void {
  for (const row of rows.filter((r) => r.kind === 'throughput' && r.relay)) {
    const direct = rows.find((r) => r.kind === 'throughput' && !r.relay && r.size === row.size &&
      r.format === row.format && r.mtu === row.mtu);
    const a = row.engines.framewire?.summary?.deliveredFps.median;
    const b = direct?.engines.framewire?.summary?.deliveredFps.median;
    if (a !== undefined && b) row.ratioDirect = a / b;
  }
}
