/**
 * `npm run bench:startup`: how long framewire takes to start, beside bare `node -e 0` on the same machine in the
 * same hyperfine run (no shell, warmed up), and which npm packages each command loads.
 * The goal (issue 13): `--version` and `--help` within 100 ms of `node -e 0`. Writes bench/results/startup.json
 * and .md, and prints the table. See docs/bench.md ("Start-up").
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { UsageError } from '../src/usage-error.js';
import { loadedPackages } from './loaded-packages.js';
import { describeMachine, machineLine, type Machine } from './machine.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/framewire.js', import.meta.url));
/** What `--version` and `--help` may cost over bare node. */
const BUDGET_MS = 100;

/** The framewire command lines measured; the first two are held to the budget. */
const COMMANDS: string[][] = [
  ['--version'],
  ['--help'],
  ['send', '--help'],
  ['receive', '--help'],
  ['run', '--help'],
  ['netsim', '--help'],
  ['demo', '--help'],
  ['devices', '--help'],
  // Real work from start to exit: one frame to a loopback port nobody listens on (the ICMP error is counted).
  ['send', '--frames', '1', '--to', '127.0.0.1:9'],
];

interface HyperfineResult {
  command: string;
  mean: number;
  stddev: number;
  median: number;
  min: number;
  max: number;
  times: number[];
}

interface Row {
  args: string[];
  medianMs: number;
  meanMs: number;
  stddevMs: number;
  minMs: number;
  maxMs: number;
  /** Median over bare node's median, and minimum over its minimum (less moved by a busy machine). */
  overNodeMs: number;
  minOverNodeMs: number;
  packages: string[];
}

interface StartupResults {
  date: string;
  machine: Machine;
  runs: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  node: Omit<Row, 'args' | 'overNodeMs' | 'minOverNodeMs' | 'packages'>;
  rows: Row[];
}

function options(argv: string[]): { runs: number; warmup: number } {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string' }, warmup: { type: 'string' } } });
  const count = (text: string | undefined, flag: string, fallback: number): number => {
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag}: '${text}' must be a whole number >= 1`);
    return Number(text);
  };
  return { runs: count(values.runs, '--runs', 40), warmup: count(values.warmup, '--warmup', 5) };
}

async function hyperfine(commands: string[], runs: number, warmup: number): Promise<HyperfineResult[]> {
  const file = join(tmpdir(), `framewire-startup-${process.pid}.json`);
  try {
    await promisify(execFile)('hyperfine', [
      '-N', '--style', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', file, ...commands,
    ], { maxBuffer: 64 << 20 });
    return (JSON.parse(await readFile(file, 'utf8')) as { results: HyperfineResult[] }).results;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('hyperfine is not installed (apt-get install hyperfine)');
    throw err;
  } finally {
    await rm(file, { force: true });
  }
}

const ms = (sec: number): number => Math.round(sec * 10_000) / 10;
const tenths = (v: number): number => Math.round(v * 10) / 10;
const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v}`;

function markdown(r: StartupResults): string {
  const lines = [
    `Measured ${r.date} on ${machineLine(r.machine)}; hyperfine, ${r.runs} runs each after warm-up, no shell. ` +
      `Load average ${r.loadAverageBefore.map((v) => v.toFixed(2)).join(' ')} before, ` +
      `${r.loadAverageAfter.map((v) => v.toFixed(2)).join(' ')} after.`,
    '',
    `\`node -e 0\`: median ${r.node.medianMs} ms (mean ${r.node.meanMs} ± ${r.node.stddevMs}, min ${r.node.minMs}).`,
    '',
    '| command | median ms | mean ± σ ms | min ms | over `node -e 0`: median, min | packages loaded |',
    '|---|--:|--:|--:|--:|---|',
    ...r.rows.map((row, i) => {
      const budget = i < 2 ? (row.overNodeMs <= BUDGET_MS ? ' (within 100)' : ' (over 100)') : '';
      return `| \`framewire ${row.args.join(' ')}\` | ${row.medianMs} | ${row.meanMs} ± ${row.stddevMs} | ${row.minMs} | ` +
        `${signed(row.overNodeMs)}, ${signed(row.minOverNodeMs)} ms${budget} | ${row.packages.join(', ') || '–'} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { runs, warmup } = options(process.argv.slice(2));
  const loadAverageBefore = loadavg();
  const lines = [`${process.execPath} -e 0`, ...COMMANDS.map((args) => `${process.execPath} ${BIN} ${args.join(' ')}`)];
  const results = await hyperfine(lines, runs, warmup);
  const summary = (h: HyperfineResult) => ({
    medianMs: ms(h.median), meanMs: ms(h.mean), stddevMs: ms(h.stddev), minMs: ms(h.min), maxMs: ms(h.max),
  });
  const node = summary(results[0]!);
  const rows: Row[] = [];
  for (const [i, args] of COMMANDS.entries()) {
    const s = summary(results[i + 1]!);
    const { packages } = await loadedPackages(BIN, args);
    rows.push({
      args, ...s, overNodeMs: tenths(s.medianMs - node.medianMs), minOverNodeMs: tenths(s.minMs - node.minMs), packages,
    });
  }
  const out: StartupResults = {
    date: new Date().toISOString(), machine: describeMachine(undefined), runs, loadAverageBefore,
    loadAverageAfter: loadavg(), node, rows,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, 'startup.json'), `${JSON.stringify(out, null, 2)}\n`);
  const md = markdown(out);
  await writeFile(join(RESULTS_DIR, 'startup.md'), md);
  process.stdout.write(md);
}

await main().catch((err: unknown) => {
  process.stderr.write(`bench startup: ${(err as Error).message}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
