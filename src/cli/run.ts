import { Command } from 'commander';
import type { ExpectationResult } from '../harness/expectations.js';
import { interruption, type ScenarioReport } from '../harness/report.js';
import { withExitCode } from './command.js';
import { parseSeed } from './options.js';
import { plural } from './plural.js';
import { onInterrupt } from './status-line.js';

export function runCommand(): Command {
  const command = new Command('run')
    .argument('[scenario]', 'scenario JSON file')
    .option('--seed <n>', 'network seed (overrides the scenario\'s network.seed)', parseSeed)
    .option('--report <file>', 'write the JSON report')
    .option('--junit <file>', 'write JUnit XML, one testcase per expectation')
    .option('--html <file>', 'write a self-contained HTML report with charts')
    .option('--out <dir>', 'write report.json, junit.xml and report.html into DIR');
  return withExitCode(command, async (file: string | undefined, opts: RunFlags) => runRun(file, opts));
}

interface RunFlags {
  seed?: number;
  report?: string;
  junit?: string;
  html?: string;
  out?: string;
}

/** A progress bar on a terminal; nothing when stderr is a pipe or a file (CI logs stay clean, cli-progress unloaded). */
async function progressBar(total: number): Promise<{ update(sent: number): void; stop(): void }> {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'framewire run [{bar}] {value}/{total} frames', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (sent) => bar.update(sent), stop: () => bar.stop() };
}

function show(v: number | undefined): string {
  return v === undefined ? 'not measured' : String(v);
}

function summaryTable(r: ScenarioReport): string {
  const rows: Array<[string, string]> = [
    ['frames sent', String(r.framesSent)],
    ['complete', `${r.framesComplete} (deliveredRatio ${r.deliveredRatio})`],
    ['incomplete', String(r.framesIncomplete)],
    ['corrupt', String(r.framesCorrupt)],
    ['never seen', String(r.framesNeverSeen)],
    ['duplicate / out of order', `${r.framesDuplicate} / ${r.framesOutOfOrder}`],
    ['fps delivered / sent', `${r.fps} / ${r.fpsSent}`],
    ['latency p50/p95/p99/max ms',
      `${show(r.latencyP50Ms)} / ${show(r.latencyP95Ms)} / ${show(r.latencyP99Ms)} / ${show(r.latencyMaxMs)}`],
    ['jitter ms', show(r.jitterMs)],
    ['packets sent / lost', `${r.packetsSent} / ${r.packetsLost} (${r.packetLossPct}%)`],
    ['loss bursts (length: count)', Object.entries(r.lossBursts).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'],
    ['throughput Mbit/s', String(r.throughputMbps)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}\n`).join('');
}

function expectationLine(e: ExpectationResult): string {
  return `  ${e.passed ? 'PASS' : 'FAIL'}  ${e.metric} ${e.expected}${e.implicit ? ' (implicit)' : ''}: measured ${show(e.measured)}\n`;
}

async function runRun(file: string | undefined, opts: RunFlags): Promise<number> {
  // The harness (zod, sharp, the sockets) is loaded by a run, not by `run --help`.
  const [{ DEFAULT_SCENARIO, loadScenario, parseScenario }, { runScenario, scenarioSeed }, files] = await Promise.all([
    import('../harness/scenario.js'), import('../harness/run-scenario.js'), import('../harness/report-files.js'),
  ]);
  // Validate everything before any socket opens, so a bad file or an unwritable output path exits 2 at once.
  const scenario = file === undefined ? parseScenario(DEFAULT_SCENARIO) : await loadScenario(file);
  const paths = { dir: opts.out, json: opts.report, junit: opts.junit, html: opts.html };
  await files.prepareReports(paths);
  const seed = scenarioSeed(scenario, opts.seed);
  const out = process.stdout;
  out.write(`framewire run: ${scenario.name}\n`);
  out.write(`seed ${seed} (repeat with --seed ${seed})\n`);
  const interrupt = new AbortController();
  const removeInterrupt = onInterrupt(() => interrupt.abort());
  const bar = await progressBar(scenario.frames);
  let report: ScenarioReport;
  try {
    report = await runScenario(scenario, { seed, signal: interrupt.signal, onProgress: (p) => bar.update(p.framesSent) });
  } finally {
    bar.stop();
    // A second Ctrl-C from here ends the process at once: reports are written whole or not at all.
    removeInterrupt();
  }
  out.write(summaryTable(report));
  if (report.network.undelivered > 0) {
    out.write(`warning: ${plural(report.network.undelivered, 'packet')} had not arrived when the run stopped waiting for ` +
      `them (${report.interrupted ? 'it was interrupted' : 'the longest delay the network could give, plus 300 ms'}); ` +
      'they count as lost\n');
  }
  if (report.network.lostOnHost > 0) {
    out.write(`warning: this machine lost ${plural(report.network.lostOnHost, 'packet')} the simulator forwarded; ` +
      'the delivery map will not repeat for this seed\n');
  }
  out.write('expectations:\n');
  for (const e of report.expectations) out.write(expectationLine(e));
  let written: string[];
  let unwritten: string[] = [];
  try {
    written = await files.writeReports(report, paths);
  } catch (err) {
    if (!(err instanceof files.ReportWriteError)) throw err;
    ({ written, failures: unwritten } = err);
  }
  for (const path of written) out.write(`wrote ${path}\n`);
  for (const failure of unwritten) process.stderr.write(`framewire run: ${failure}\n`);
  const failed = report.expectations.filter((e) => !e.passed).map((e) => e.metric);
  if (report.interrupted) out.write(`INTERRUPTED: ${interruption(report)}\n`);
  else out.write(report.passed ? 'PASS\n' : `FAIL: ${failed.join(', ')}\n`);
  if (report.interrupted) return 130;
  return report.passed && unwritten.length === 0 ? 0 : 1;
}
