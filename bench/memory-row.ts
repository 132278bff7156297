/** A long framewire run that samples the receiver's resident memory every second, to show any growth. */
import { runFramewireRow } from './framewire-row.js';
import type { FramewireEngine } from './plan.js';
import { vmRssMb } from './proc.js';
import type { RowConfig, RunResult } from './row.js';

export interface MemoryResult {
  run: RunResult;
  /** VmRSS of the receiver, one sample a second from the moment it listens, in MB. */
  samplesMb: number[];
  firstMb: number;
  lastMb: number;
  /** Mean of the last window minus mean of the first; windows are 10 samples (less on short runs). */
  growthMb: number;
  windowSamples: number;
}

export async function runMemoryRow(row: RowConfig, engine: FramewireEngine): Promise<MemoryResult> {
  const samplesMb: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = await runFramewireRow(row, {
      engine,
      onReceiver: (pid) => {
        timer = setInterval(() => {
          void vmRssMb(pid).then((mb) => { if (mb !== undefined) samplesMb.push(mb); });
        }, 1000);
      },
    });
    return { run, samplesMb, ...growth(samplesMb) };
  } finally {
    clearInterval(timer);
  }
}

export function growth(samples: number[]): { firstMb: number; lastMb: number; growthMb: number; windowSamples: number } {
  const window = Math.max(1, Math.min(10, Math.floor(samples.length / 3)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const firstMb = mean(samples.slice(0, window));
  const lastMb = mean(samples.slice(-window));
  return { firstMb, lastMb, growthMb: lastMb - firstMb, windowSamples: window };
}
