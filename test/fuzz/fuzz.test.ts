import { FUZZ_TARGETS } from './targets/index.js';
import { fuzzTarget, type PropertyOutcome } from './watchdog.js';

/*
 * The short fuzz run CI makes: every property of every target, a few hundred inputs each from a fixed seed, so a
 * failure here is the same failure on every machine (fast-check prints the seed and path that replay it). Each target
 * runs in a watched worker (test/fuzz/watchdog.ts): an input that never finishes fails its property, with the input,
 * instead of hanging CI. `npm run fuzz` runs the same properties for as long as asked (docs/reliability.md).
 */
const CI_SEED = 0x5eed;
const CI_RUNS = 150;
/** Far beyond any one input here, also under two CPU hogs (the file-writing properties take tens of ms each then). */
const HANG_MS = 20_000;

describe('fuzz (short CI run, fixed seed)', function () {
  // Seconds on an idle machine; the file-writing properties take ten times that under two CPU hogs.
  this.timeout(180_000);
  for (const target of FUZZ_TARGETS) {
    describe(target.name, () => {
      let outcomes: Promise<PropertyOutcome[]>;
      before(() => {
        outcomes = fuzzTarget(target, { seed: CI_SEED, runs: CI_RUNS, hangMs: HANG_MS });
      });
      for (const { name } of target.properties()) {
        it(name, async () => {
          const outcome = (await outcomes).find((o) => o.property === name);
          if (outcome?.status !== 'passed') throw new Error(outcome ? `${outcome.status}: ${outcome.report}` : 'no outcome');
        });
      }
    });
  }
});
