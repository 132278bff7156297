#!/usr/bin/env node
// Runs the whole test suite N times in a row and prints which tests failed in which run, so a flake shows up
// cheaply instead of one CI run in ten. Usage:
//   npm run test:repeat -- 10            ten runs
//   npm run test:repeat -- 10 --load 5   ten runs, the last five with two CPU hogs (stress-ng, else busy loops)
//   npm run test:repeat -- 3 --grep relay   only tests whose title matches
// Each run's mocha JSON report is kept under $TMPDIR/framewire-repeat-*/run-K.json for a closer look.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function usage(message) {
  console.error(`test:repeat: ${message}\nusage: npm run test:repeat -- N [--load K] [--grep PATTERN]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let runs = 10;
let loaded = 0;
let grep;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--load') loaded = Number(args[++i]);
  else if (a === '--grep') grep = args[++i];
  else if (/^\d+$/.test(a)) runs = Number(a);
  else usage(`unknown argument '${a}'`);
}
if (!Number.isInteger(runs) || runs < 1) usage('N must be a whole number of runs, at least 1');
if (!Number.isInteger(loaded) || loaded < 0 || loaded > runs) usage(`--load must be 0..${runs}`);
if (grep === undefined && args.includes('--grep')) usage('--grep needs a pattern');

/** Two CPU hogs for the loaded runs: stress-ng when installed, else two node busy loops. */
function startLoad() {
  const stressNg = ['/usr/bin/stress-ng', '/usr/local/bin/stress-ng'].find((p) => existsSync(p));
  if (stressNg) return [spawn(stressNg, ['--cpu', '2', '--quiet'], { stdio: 'ignore' })];
  return [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

/** The assertion itself: chai puts a test's own message (often a process's whole output) before it. */
function headline(message) {
  const lines = String(message ?? '').split('\n').filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? '').slice(0, 300);
}

function runOnce(outFile) {
  // A subset cannot meet the coverage thresholds, so c8 runs only around the whole suite.
  const mochaArgs = [...(grep ? [] : ['c8', '--reporter=text-summary']), 'mocha', '--reporter', 'json', '--reporter-option', `output=${outFile}`];
  if (grep) mochaArgs.push('--grep', grep);
  mochaArgs.push('test/**/*.test.ts');
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('npx', mochaArgs, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code, seconds: (Date.now() - started) / 1000, stderr }));
  });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'framewire-repeat-'));
const failures = new Map(); // full title -> [{ run, message }]
const summary = [];
for (let run = 1; run <= runs; run++) {
  const underLoad = run > runs - loaded;
  const hogs = underLoad ? startLoad() : [];
  // The hogs are detached from nothing: killed with this script (SIGTERM, Ctrl-C) they would spin on for everyone.
  const stopHogs = () => { for (const hog of hogs) hog.kill('SIGKILL'); process.exit(143); };
  process.once('SIGTERM', stopHogs).once('SIGINT', stopHogs);
  const outFile = path.join(dir, `run-${run}.json`);
  const { code, seconds, stderr } = await runOnce(outFile);
  for (const hog of hogs) hog.kill('SIGKILL');
  process.off('SIGTERM', stopHogs).off('SIGINT', stopHogs);
  let stats = { passes: 0, failures: 0, pending: 0 };
  let failed = [];
  try {
    const report = JSON.parse(readFileSync(outFile, 'utf8'));
    stats = report.stats;
    failed = report.failures;
  } catch {
    failed = [{ fullTitle: '(mocha wrote no report)', err: { message: stderr.slice(-2000) } }];
  }
  for (const f of failed) {
    const list = failures.get(f.fullTitle) ?? [];
    list.push({ run, message: headline(f.err?.message) });
    failures.set(f.fullTitle, list);
  }
  const line = `run ${run}/${runs}${underLoad ? ' (under load)' : ''}: ${stats.passes} passing, ${stats.failures} failing, ` +
    `${stats.pending} pending, exit ${code}, ${seconds.toFixed(0)} s`;
  summary.push(line);
  console.log(line);
  for (const f of failed) console.log(`  ✗ ${f.fullTitle}\n      ${headline(f.err?.message)}`);
}

console.log(`\n${runs} runs, ${loaded} under load; reports in ${dir}`);
if (failures.size === 0) {
  console.log('every run green');
} else {
  console.log(`${failures.size} test(s) failed at least once:`);
  for (const [title, list] of failures) {
    console.log(`- ${title}: runs ${list.map((f) => f.run).join(', ')}`);
    for (const f of list) console.log(`    run ${f.run}: ${f.message}`);
  }
}
process.exitCode = failures.size === 0 ? 0 : 1;
