/**
 * The thread a target's properties run in (started by test/fuzz/watchdog.ts). A parser caught in an endless loop
 * blocks its own thread for good: fast-check's timeouts only reach asynchronous properties, and mocha's cannot
 * interrupt a synchronous test. Here the loop blocks only this thread; the main thread sees the input count stand
 * still, terminates it, and asks a fresh one to replay the same seed up to that input and show it.
 *
 * Every input bumps shared counters before the predicate runs (PROGRESS, in watchdog.ts), so the main thread knows which input
 * is the one that never finished without a message having to get through.
 */
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import type { FuzzTarget } from './fuzz-target.js';
import { PROGRESS, type WorkerJob, type WorkerMessage } from './watchdog.js';

/** The same property, but `before` sees each input (and its number in this check) before the predicate runs. */
function watched<T>(property: fc.IRawProperty<T, boolean>, before: (value: T, input: number) => void): fc.IRawProperty<T, boolean> {
  let input = 0;
  return {
    isAsync: () => property.isAsync(),
    generate: (mrng, runId) => property.generate(mrng, runId),
    shrink: (value) => property.shrink(value),
    run: (value) => {
      before(value, input++);
      return property.run(value);
    },
    runBeforeEach: () => property.runBeforeEach(),
    runAfterEach: () => property.runAfterEach(),
  } as fc.IRawProperty<T, boolean>;
}

const job = workerData as WorkerJob;
const progress = new Int32Array(job.progress);
const targets = (await import(job.module))[job.exportName] as readonly FuzzTarget[];
const target = targets.find((t) => t.name === job.target);
if (!target) throw new Error(`fuzz worker: no target ${job.target} in ${job.module}`);
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);
const properties = target.properties();
post({ type: 'ready' });

if (job.show) {
  const { property, batch, input } = job.show;
  const shown = watched(properties[property]!.property, (value, n) => {
    if (n !== input) return;
    post({ type: 'input', text: fc.stringify(value) });
    // Never run it: it is the one that hangs. The main thread ends this thread once it has the message.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
  await fc.check(shown, { seed: job.seed + batch, numRuns: input + 1 });
} else {
  for (let p = 0; p < properties.length; p++) {
    const { name, property } = properties[p]!;
    Atomics.store(progress, PROGRESS.property, p);
    const started = performance.now();
    let failed = false;
    for (let done = 0, batch = 0; done < job.runs && !failed; batch++) {
      const numRuns = Math.min(job.batch, job.runs - done);
      Atomics.store(progress, PROGRESS.batch, batch);
      const counted = watched(property, (_, input) => {
        Atomics.store(progress, PROGRESS.input, input);
        Atomics.add(progress, PROGRESS.total, 1);
      });
      const details = await fc.check(counted, { seed: job.seed + batch, numRuns });
      if (details.failed) {
        post({ type: 'failed', property: name, report: `batch seed ${job.seed + batch}\n${fc.defaultReportMessage(details)}` });
        failed = true;
      }
      done += numRuns;
      post({ type: 'batch', property: name, done, runs: job.runs, perSecond: Math.round(done / ((performance.now() - started) / 1000)) });
    }
    if (!failed) post({ type: 'passed', property: name });
  }
}
