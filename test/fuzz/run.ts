/**
 * `npm run fuzz -- [--target NAME[,NAME]] [--runs N] [--seed N] [--hang-sec S] [--list]`: the fuzz targets' properties
 * for as many inputs as asked (default 100,000 each), in batches of 10,000 with a line of progress each, each target
 * in a watched worker (test/fuzz/watchdog.ts). A failure prints fast-check's counterexample, shrunk, with the seed and
 * path that replay it (`fc.assert(prop, { seed, path })`); an input that runs longer than --hang-sec (default 10) is a
 * hang, printed as fast-check would print it. Either exits 1: turn it into a regression test beside the code it broke.
 */
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS } from './targets/index.js';
import { fuzzTarget } from './watchdog.js';
const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    runs: { type: 'string', default: '1e5' },
    seed: { type: 'string' },
    'hang-sec': { type: 'string', default: '10' },
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
const hangSec = Number(values['hang-sec']);
if (!(hangSec > 0)) {
  console.error(`--hang-sec: '${values['hang-sec']}' must be a number of seconds above 0`);
  process.exit(2);
}
const seed = values.seed === undefined ? Date.now() % 0x7fffffff : Number(values.seed);
console.log(`fuzz: seed ${seed}, ${runs} inputs per property`);

let failures = 0;
for (const target of FUZZ_TARGETS.filter((t) => names.includes(t.name))) {
  const outcomes = await fuzzTarget(target, {
    seed,
    runs,
    hangMs: hangSec * 1000,
    onBatch: (m) => process.stdout.write(`\r${target.name}: ${m.property}: ${m.done}/${m.runs} (${m.perSecond}/s)   ${m.done === m.runs ? '\n' : ''}`),
  });
  for (const o of outcomes.filter((o) => o.status !== 'passed')) {
    failures++;
    console.error(`\n${target.name}: ${o.property}: ${o.status.toUpperCase()}\n${o.report}`);
  }
}
if (failures > 0) process.exit(1);
console.log('fuzz: no failure');
