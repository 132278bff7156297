/** The shape of bench/results/*.json, which the markdown table and the chart are made from. */
import type { Ceiling } from './iperf.js';
import type { GstWire } from './gstreamer-row.js';
import type { Machine, Noise } from './machine.js';
import type { MemoryResult } from './memory-row.js';
import type { Engine, RowKind } from './plan.js';
import type { RowConfig, RunNumber, RunResult } from './row.js';
import { summarize, type Summary } from './stats.js';

/** Each number over the runs; one a run did not report (GStreamer has no CPU %) summarizes only those that did. */
export type RunSummary = Record<RunNumber, Summary>;

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
  /** Each framewire engine's median delivered fps over GStreamer's on this row. */
  vsGstreamer?: Partial<Record<Engine, number>>;
  /** framewire's median delivered fps with GSO/GRO over the same with them off (framewire-sendmmsg). */
  gsoGain?: number;
  /** Relay rows: framewire's median delivered fps over the same configuration's direct row. */
  ratioDirect?: number;
}

export interface BenchResults {
  date: string;
  machine: Machine;
  settings: { quick: boolean; repeats: number; durationSec: number; pacedSec?: number; filters: string[][] };
  noise: Noise;
  /** iperf3 over loopback: 1372-byte datagrams (a packet rate), and 63,000-byte ones (a byte rate). */
  ceiling?: Ceiling;
  byteCeiling?: Ceiling;
  rows: RowResult[];
  memory: Array<MemoryResult & { row: RowConfig }>;
  failures: string[];
}

export function summarizeRuns(runs: RunResult[]): RunSummary | undefined {
  if (runs.length === 0) return undefined;
  const keys = new Set(runs.flatMap((r) => Object.keys(r)) as Array<keyof RunResult>);
  const out = {} as RunSummary;
  for (const k of keys) {
    const values = runs.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
    if (values.length > 0) out[k as RunNumber] = summarize(values);
  }
  return out;
}

/** Median delivered fps of `engine` over that of `against` on the same row, when both ran. */
export function fpsRatio(row: RowResult, engine: Engine, against: Engine): number | undefined {
  const a = row.engines[engine]?.summary?.deliveredFps.median;
  const b = row.engines[against]?.summary?.deliveredFps.median;
  return a !== undefined && b ? a / b : undefined;
}

/** Sets a row's ratios: each framewire engine against GStreamer, and GSO against the sendmmsg path. */
export function addRatios(row: RowResult): void {
  const vsGstreamer: Partial<Record<Engine, number>> = {};
  for (const engine of Object.keys(row.engines) as Engine[]) {
    const ratio = engine === 'gstreamer' ? undefined : fpsRatio(row, engine, 'gstreamer');
    if (ratio !== undefined) vsGstreamer[engine] = ratio;
  }
  if (Object.keys(vsGstreamer).length > 0) row.vsGstreamer = vsGstreamer;
  row.gsoGain = fpsRatio(row, 'framewire', 'framewire-sendmmsg');
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
