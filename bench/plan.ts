/** Which rows a benchmark run measures, from its flags and environment. */
import { parseArgs } from 'node:util';
import { UsageError } from '../src/usage-error.js';
import type { RowConfig } from './row.js';

/** framewire as shipped (native addon, UDP GSO/GRO), the same with GSO/GRO off (FRAMEWIRE_GSO=0), its pure-JS path. */
export const ENGINES = ['framewire', 'framewire-sendmmsg', 'framewire-js', 'gstreamer'] as const;
export type Engine = (typeof ENGINES)[number];
export type FramewireEngine = Exclude<Engine, 'gstreamer'>;

/** The send path each framewire engine is meant to run, as its sender report names it (sendPath). */
export const EXPECTED_SEND_PATH: Record<FramewireEngine, string> = {
  framewire: 'gso',
  'framewire-sendmmsg': 'sendmmsg',
  'framewire-js': 'dgram',
};

export interface BenchOptions {
  quick: boolean;
  repeats: number;
  durationSec: number;
  memorySec: number;
  /** Length of each run of the paced 4K row. */
  pacedSec: number;
  /** Any filter may match; a filter matches a row when all its tokens do. Empty: every row. */
  filters: string[][];
  engines?: Engine[];
  /** Name of the result files under bench/results/. */
  out: string;
}

const USAGE = `npm run bench -- [--quick] [--rows FILTER[,FILTER...]] [--repeats N] [--duration SEC]
                     [--engines framewire,framewire-sendmmsg,framewire-js,gstreamer] [--memory-sec SEC]
                     [--paced-sec SEC] [--out NAME]
  FILTER: tokens joined by '+', all of which a row must match: a size (1280x720), a format (rgb24, uyvy),
          an mtu (1400, 8972), direct or relay, or a kind (throughput, paced, latency, memory, ceiling).
  Environment: BENCH_QUICK=1, BENCH_ROWS, BENCH_REPEATS, BENCH_DURATION, BENCH_MEMORY_SEC, BENCH_PACED_SEC.`;

function positive(text: string, flag: string, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: '${text}' must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        rows: { type: 'string' },
        repeats: { type: 'string' },
        duration: { type: 'string' },
        'memory-sec': { type: 'string' },
        'paced-sec': { type: 'string' },
        engines: { type: 'string' },
        out: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const quick = values.quick ?? env.BENCH_QUICK === '1';
  const rows = values.rows ?? env.BENCH_ROWS ?? '';
  const filters = rows.split(',').map((f) => f.split('+').map((t) => t.trim().toLowerCase()).filter(Boolean))
    .filter((f) => f.length > 0);
  const engines = values.engines?.split(',').map((e) => e.trim());
  for (const e of engines ?? []) {
    if (!(ENGINES as readonly string[]).includes(e)) throw new UsageError(`--engines: '${e}' is not one of ${ENGINES.join(', ')}`);
  }
  const out = values.out ?? (quick ? 'quick' : filters.length ? 'partial' : 'latest');
  if (!/^[\w.-]+$/.test(out)) throw new UsageError(`--out: '${out}' must be a plain file name (letters, digits, . _ -)`);
  const flagOrEnv = (flag: string, value: string | undefined, name: string, fallback: number, integer: boolean) =>
    value !== undefined ? positive(value, flag, integer) : env[name] !== undefined ? positive(env[name]!, name, integer) : fallback;
  return {
    quick,
    repeats: flagOrEnv('--repeats', values.repeats, 'BENCH_REPEATS', quick ? 1 : 3, true),
    durationSec: flagOrEnv('--duration', values.duration, 'BENCH_DURATION', quick ? 2 : 3, false),
    memorySec: flagOrEnv('--memory-sec', values['memory-sec'], 'BENCH_MEMORY_SEC', 60, false),
    pacedSec: flagOrEnv('--paced-sec', values['paced-sec'], 'BENCH_PACED_SEC', 60, false),
    filters,
    engines: engines as Engine[] | undefined,
    out,
  };
}

export type RowKind = 'throughput' | 'paced' | 'latency' | 'memory' | 'ceiling';

export interface PlannedRow extends RowConfig {
  kind: RowKind;
  /** Who runs it, in the order runs alternate. */
  engines: Engine[];
}

export function rowLabel(row: PlannedRow): string {
  if (row.kind === 'ceiling') return 'iperf3 ceilings';
  return `${row.kind} ${row.size} ${row.format} mtu ${row.mtu} ${row.relay ? 'relay' : 'direct'}` +
    (row.fps === 'max' ? '' : ` @${row.fps} fps`);
}

function matches(row: PlannedRow, filter: string[]): boolean {
  const tokens = new Set([row.kind, row.size, row.format, String(row.mtu), row.relay ? 'relay' : 'direct']);
  return filter.every((t) => tokens.has(t));
}

const SIZES = ['160x120', '640x480', '1280x720', '1920x1080'];
/** 4K only in the headline configuration: the other formats and mtus add time, not a different answer. */
const HEADLINE_SIZES = [...SIZES, '3840x2160'];
const QUICK_SIZES = ['160x120', '640x480'];
const MEMORY_SIZES = ['1920x1080', '160x120'];
/** The paced row: uncompressed 4K at 60 fps, what ST 2110 users test, on the default (linear) pacing. */
const PACED_SIZE = '3840x2160';
const PACED_FPS = 60;

/**
 * The suite: every size x format x mtu directly (and 4K in the headline configuration, rgb24 at mtu 1400), the
 * headline configuration through the relay, 4K paced at 60 fps, latency at 30 fps per size, one long memory run
 * and the iperf3 ceilings. When the native addon exists the headline rows also run framewire with GSO/GRO off
 * (the sendmmsg path) and its pure-JS path, so all show side by side with GStreamer.
 */
export function planRows(opts: BenchOptions, have: { gstreamer: boolean; nativeAddon: boolean }): PlannedRow[] {
  const d = opts.durationSec;
  const pick = (wanted: Engine[]): Engine[] =>
    (opts.engines ?? wanted).filter((e) => e !== 'gstreamer' || have.gstreamer);
  const framewireOnly = (opts.engines ?? ['framewire']).filter((e) => e !== 'gstreamer');
  const headline = (size: string, relay: boolean): PlannedRow => ({
    kind: 'throughput', size, format: 'rgb24', mtu: 1400, fps: 'max', durationSec: d, relay,
    // The relay is framewire's own; its rows show what it costs framewire against the direct row.
    engines: relay ? framewireOnly : pick(have.nativeAddon
      ? ['framewire', 'framewire-sendmmsg', 'framewire-js', 'gstreamer']
      : ['framewire', 'gstreamer']),
  });
  const rows: PlannedRow[] = [];
  for (const size of opts.quick ? QUICK_SIZES : HEADLINE_SIZES) {
    rows.push(headline(size, false));
    if (opts.quick || !SIZES.includes(size)) continue;
    for (const [format, mtu] of [['rgb24', 8972], ['uyvy', 1400], ['uyvy', 8972]] as const) {
      rows.push({ kind: 'throughput', size, format, mtu, fps: 'max', durationSec: d, engines: pick(['framewire', 'gstreamer']) });
    }
  }
  for (const size of opts.quick ? ['160x120'] : HEADLINE_SIZES) rows.push(headline(size, true));
  if (!opts.quick) {
    rows.push({ kind: 'paced', size: PACED_SIZE, format: 'rgb24', mtu: 1400, fps: PACED_FPS, durationSec: opts.pacedSec, engines: framewireOnly });
  }
  for (const size of opts.quick ? ['160x120'] : SIZES) {
    rows.push({ kind: 'latency', size, format: 'rgb24', mtu: 1400, fps: 30, durationSec: Math.max(d, 3), engines: framewireOnly });
  }
  if (!opts.quick) {
    // Large frames show the buffers; small frames at thousands a second show anything kept per frame.
    for (const size of MEMORY_SIZES) {
      rows.push({ kind: 'memory', size, format: 'rgb24', mtu: 1400, fps: 'max', durationSec: opts.memorySec, engines: framewireOnly.slice(0, 1) });
    }
  }
  rows.push({ kind: 'ceiling', size: '-', format: 'rgb24', mtu: 1400, fps: 'max', durationSec: opts.quick ? 1 : 3, engines: [] });
  const wanted = opts.filters.length ? rows.filter((r) => opts.filters.some((f) => matches(r, f))) : rows;
  return wanted.filter((r) => r.kind === 'ceiling' || r.engines.length > 0);
}
