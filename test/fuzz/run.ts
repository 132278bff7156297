/**
 * `npm run fuzz -- [--target NAME[,NAME]] [--runs N] [--seed N] [--list]`: the fuzz targets' properties for as
 * many inputs as asked (default 100,000 each), in batches of 10,000 with a line of progress each. A failure prints
 * fast-check's counterexample, shrunk, with the seed and path that replay it (`fc.assert(prop, { seed, path })`),
 * and exits 1: turn it into a regression test beside the code it broke.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { FUZZ_TARGETS } from './targets/index.js';

const BATCH = 10_000;
const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    runs: { type: 'string', default: '1e5' },
    seed: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
});

if (values.list) {
  for (const t of FUZZ_TARGETS) console.log(`${t.name.padEnd(10)} ${t.summary}`);
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: '${values.runs}' must be a whole number of inputs (1e6 is fine)`);
  process.exit(2);
}
const names = values.target?.split(',') ?? FUZZ_TARGETS.map((t) => t.name);
const unknown = names.filter((n) => !FUZZ_TARGETS.some((t) => t.name === n));
if (unknown.length > 0) {
  console.error(`--target: ${unknown.join(', ')} is not a fuzz target (one of ${FUZZ_TARGETS.map((t) => t.name).join(', ')})`);
  process.exit(2);
}
const seed = values.seed === undefined ? Date.now() % 0x7fffffff : Number(values.seed);
console.log(`fuzz: seed ${seed}, ${runs} inputs per property`);

for (const target of FUZZ_TARGETS.filter((t) => names.includes(t.name))) {
  for (const { name, property } of target.properties()) {
    const started = performance.now();
    for (let done = 0, batch = 0; done < runs; batch++) {
      const n = Math.min(BATCH, runs - done);
      const details = await fc.check(property, { seed: seed + batch, numRuns: n });
      if (details.failed) {
        console.error(`\n${target.name}: ${name}: FAILED (batch seed ${seed + batch})`);
        console.error(fc.defaultReportMessage(details));
        process.exit(1);
      }
      done += n;
      const perSec = Math.round(done / ((performance.now() - started) / 1000));
      process.stdout.write(`\r${target.name}: ${name}: ${done}/${runs} (${perSec}/s)   `);
    }
    process.stdout.write('\n');
  }
}
console.log('fuzz: no failure');
