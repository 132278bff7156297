/** What the numbers were measured on, and how steady the machine was while they were. */
import { execFile } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { summarize, type Summary } from './stats.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  node: string;
  gstreamer?: string;
}

export function describeMachine(gstreamer: string | undefined): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: `Linux ${release()}`,
    node: process.version,
    gstreamer,
  };
}

export function machineLine(m: Machine): string {
  return `${m.cores} x ${m.cpu}, ${m.memoryGb} GB, ${m.kernel}, node ${m.node}${m.gstreamer ? `, ${m.gstreamer}` : ''}`;
}

/**
 * A fixed amount of single-threaded integer work, timed in a fresh process so JIT state carries nothing over:
 * the same work taking longer means something else wanted the CPU.
 */
const CALIBRATION_SCRIPT = `
let x = 1; const t = process.hrtime.bigint();
for (let i = 0; i < 50_000_000; i++) x = (x * 1103515245 + 12345) >>> 0;
process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6) + ' ' + x);
`;

export async function calibrationMs(rounds: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', CALIBRATION_SCRIPT]);
    times.push(Number(stdout.split(' ')[0]));
  }
  return times;
}

export interface Noise {
  calibrationMsBefore: number[];
  calibrationMsAfter: number[];
  /** Spread of all calibration rounds together. */
  calibration: Summary;
  /** How much slower (+) or faster (-) the median round was at the end than at the start. */
  driftPct: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

export function noise(before: number[], after: number[], loadBefore: number[]): Noise {
  const b = summarize(before).median;
  return {
    calibrationMsBefore: before,
    calibrationMsAfter: after,
    calibration: summarize([...before, ...after]),
    driftPct: (100 * (summarize(after).median - b)) / b,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
  };
}
