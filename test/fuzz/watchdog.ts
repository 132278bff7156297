/**
 * Runs a fuzz target's properties in a worker thread (test/fuzz/fuzz-worker.ts) and watches it, so an input that
 * sends a parser into an endless loop is caught and shown instead of hanging the run (or CI) for good. A crash, a
 * broken invariant and a hang all come back as an outcome per property; `npm run fuzz` and the CI run use this alike.
 *
 *   main thread                              worker
 *   ───────────                              ──────
 *   start ──────────── job ────────────────▶ check property 0, 1, ...
 *   every POLL_MS: inputs counter moved? ◀── bumped before each input (shared memory)
 *   still for hangMs: terminate ────────────▶ ✕
 *   start another ──── show input i ───────▶ replay the batch's seed to input i, post it, stop
 *   outcome: hung, with the input
 */
import { Worker } from 'node:worker_threads';
import type { FuzzTarget } from './fuzz-target.js';

/** Slots of the shared Int32Array: the property, batch and input the worker is at, and every input so far. */
export const PROGRESS = { property: 0, batch: 1, input: 2, total: 3, slots: 4 } as const;

export interface WorkerJob {
  /** The module exporting the targets (a file URL) and the export's name: the real targets, or a test's. */
  module: string;
  exportName: string;
  target: string;
  /** fc.check's seed for batch b is seed + b. */
  seed: number;
  runs: number;
  batch: number;
  progress: SharedArrayBuffer;
  /** Instead of checking: replay property `property`'s batch `batch` up to input `input` and post it (a hang's input). */
  show?: { property: number; batch: number; input: number };
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'batch'; property: string; done: number; runs: number; perSecond: number }
  | { type: 'failed'; property: string; report: string }
  | { type: 'passed'; property: string }
  | { type: 'input'; text: string };

export interface PropertyOutcome {
  property: string;
  /** 'not run': a property after one that hung, in the worker that had to be stopped. */
  status: 'passed' | 'failed' | 'hung' | 'not run';
  /** What went wrong: fast-check's report, or the input that hung. */
  report?: string;
}

export interface FuzzOptions {
  seed: number;
  /** Inputs per property. */
  runs: number;
  /** Inputs per fc.check call (each with its own seed); default 10,000. */
  batch?: number;
  /** An input that runs this long without finishing is a hang. */
  hangMs: number;
  /** Where the targets come from: the real ones unless a test says otherwise. */
  source?: { module: string; exportName: string };
  onBatch?: (message: Extract<WorkerMessage, { type: 'batch' }>) => void;
}

const TARGETS = { module: new URL('./targets/index.ts', import.meta.url).href, exportName: 'FUZZ_TARGETS' };
const WORKER = new URL('./fuzz-worker.ts', import.meta.url).href;
const POLL_MS = 100;

/**
 * The worker runs TypeScript as the tests do: tsx's loader is registered in its own thread first (loader hooks are per
 * thread). The bare specifier resolves from the working directory, the repository's root under npm and mocha.
 */
function startWorker(job: WorkerJob): Worker {
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER)}); })`;
  return new Worker(code, { eval: true, workerData: job });
}

/** Checks every property of `target` in a worker; resolves to each one's outcome, in order. */
export async function fuzzTarget(target: FuzzTarget, options: FuzzOptions): Promise<PropertyOutcome[]> {
  const names = target.properties().map((p) => p.name);
  const progress = new SharedArrayBuffer(PROGRESS.slots * Int32Array.BYTES_PER_ELEMENT);
  const counters = new Int32Array(progress);
  const job: WorkerJob = {
    ...(options.source ?? TARGETS), target: target.name, seed: options.seed, runs: options.runs,
    batch: options.batch ?? 10_000, progress,
  };
  const outcomes: PropertyOutcome[] = [];
  const worker = startWorker(job);
  const hung = await new Promise<boolean>((resolve, reject) => {
    let watch: NodeJS.Timeout | undefined;
    const stop = (): void => clearInterval(watch);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') {
        // The clock starts once the worker has loaded its modules, which takes seconds on a loaded machine.
        let seen = -1;
        let stillSince = performance.now();
        watch = setInterval(() => {
          const total = Atomics.load(counters, PROGRESS.total);
          if (total !== seen) {
            seen = total;
            stillSince = performance.now();
          } else if (performance.now() - stillSince >= options.hangMs) {
            stop();
            resolve(true);
          }
        }, POLL_MS);
      } else if (m.type === 'batch') options.onBatch?.(m);
      else if (m.type === 'failed') outcomes.push({ property: m.property, status: 'failed', report: m.report });
      else if (m.type === 'passed') outcomes.push({ property: m.property, status: 'passed' });
    });
    worker.on('error', (err) => {
      stop();
      reject(err);
    });
    worker.on('exit', () => {
      stop();
      resolve(false);
    });
  });
  if (!hung) return outcomes;
  await worker.terminate();
  const at = { property: Atomics.load(counters, PROGRESS.property), batch: Atomics.load(counters, PROGRESS.batch), input: Atomics.load(counters, PROGRESS.input) };
  const input = await showInput({ ...job, show: at }, options.hangMs);
  const seconds = (options.hangMs / 1000).toFixed(0);
  outcomes.push({
    property: names[at.property]!,
    status: 'hung',
    report: `input ${at.input} of batch seed ${job.seed + at.batch} ran ${seconds} s without finishing: ${input}`,
  });
  for (const name of names.slice(at.property + 1)) {
    outcomes.push({ property: name, status: 'not run', report: `the worker was stopped after ${names[at.property]} hung` });
  }
  return outcomes;
}

/** Replays a hang's batch in a fresh worker up to the input that hung, and returns that input as fast-check prints it. */
async function showInput(job: WorkerJob, hangMs: number): Promise<string> {
  const worker = startWorker(job);
  try {
    return await new Promise<string>((resolve) => {
      // The inputs before it ran once already, each well under hangMs; a replay that does not get there in a few
      // times that is not the same run.
      const giveUp = setTimeout(() => resolve('(the replay did not reach it)'), 5 * hangMs);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type !== 'input') return;
        clearTimeout(giveUp);
        resolve(m.text);
      });
      worker.on('error', (err) => {
        clearTimeout(giveUp);
        resolve(`(the replay failed: ${err.message})`);
      });
    });
  } finally {
    await worker.terminate();
  }
}
