import fc from 'fast-check';
import { FUZZ_TARGETS } from './targets/index.js';

/*
 * The short fuzz run CI makes: every property of every target, a few hundred inputs each from a fixed seed, so a
 * failure here is the same failure on every machine (fast-check prints the seed and path that replay it).
 * `npm run fuzz` runs the same properties for as long as asked (docs/reliability.md).
 */
const CI_SEED = 0x5eed;
const CI_RUNS = 150;

describe('fuzz (short CI run, fixed seed)', function () {
  // Seconds on an idle machine; the file-writing properties take ten times that under two CPU hogs.
  this.timeout(180_000);
  for (const target of FUZZ_TARGETS) {
    describe(target.name, () => {
      for (const { name, property } of target.properties()) {
        it(name, async () => {
          await fc.assert(property, { seed: CI_SEED, numRuns: CI_RUNS });
        });
      }
    });
  }
});
