/**
 * `npm run bench`: framewire (with UDP GSO/GRO, without, and its pure-JS path) against GStreamer on the same
 * raw-video RTP wire, sender and receiver as separate processes over loopback, engines alternating run by run; plus
 * 4K paced at 60 fps, latency at 30 fps, a long memory run and the iperf3 packet-rate and byte-rate ceilings. Writes bench/results/<name>.json and .md, and the README chart (docs/bench-fps.png)
 * for a full run. See docs/bench.md. `--soak` runs the soak instead (bench/soak.ts, docs/reliability.md).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../src/usage-error.js';
import { renderChart } from './chart.js';
import { runFramewireRow } from './framewire-row.js';
import { gstreamerVersion, measureGstWire, runGstreamerRow, type GstWire } from './gstreamer-row.js';
import { BYTE_DATAGRAM_BYTES, measureCeiling, PACKET_DATAGRAM_BYTES } from './iperf.js';
import { calibrationMs, describeMachine, machineLine, noise } from './machine.js';
import { runMemoryRow } from './memory-row.js';
import { parseOptions, planRows, rowLabel, type BenchOptions, type Engine, type FramewireEngine, type PlannedRow } from './plan.js';
import { renderMarkdown } from './report-md.js';
import { addRatios, addRelayCost, summarizeRuns, type BenchResults, type RowResult } from './results.js';
import { frameBytes, type RunResult } from './row.js';
import { runSoak } from './soak.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const DOCS_CHART = fileURLToPath(new URL('../docs/bench-fps.png', import.meta.url));
const DOCS_PAGE = fileURLToPath(new URL('../docs/bench.md', import.meta.url));
const NATIVE_ADDON = fileURLToPath(new URL('../native/build/Release/framewire_native.node', import.meta.url));
const CALIBRATION_ROUNDS = 5;

/** GStreamer runs a frame count, not a duration: a first guess from its usual ~300 MB/s, then its measured rate. */
const gstFrameRate = new Map<string, number>();
function gstFrames(row: PlannedRow): number {
  const rate = gstFrameRate.get(rowLabel(row)) ?? 300e6 / frameBytes(row);
  return Math.max(30, Math.round(rate * row.durationSec));
}

/** Puts a full run's tables into docs/bench.md between its markers. */
async function updateDocs(markdown: string): Promise<void> {
  const page = await readFile(DOCS_PAGE, 'utf8');
  const start = page.indexOf('<!-- bench:latest');
  const end = page.indexOf('<!-- /bench:latest -->');
  if (start < 0 || end < start) throw new Error(`${DOCS_PAGE}: the bench:latest markers are missing`);
  const open = page.indexOf('\n', start) + 1;
  await writeFile(DOCS_PAGE, `${page.slice(0, open)}${markdown}${page.slice(end)}`);
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function runOnce(row: PlannedRow, engine: Engine, wire: GstWire | undefined): Promise<RunResult> {
  if (engine !== 'gstreamer') return runFramewireRow(row, { engine });
  const result = await runGstreamerRow(row, gstFrames(row), wire!);
  gstFrameRate.set(rowLabel(row), result.framesSent / result.senderSec);
  return result;
}

async function runRow(row: PlannedRow, opts: BenchOptions, failures: string[]): Promise<RowResult> {
  const label = rowLabel(row);
  const result: RowResult = {
    kind: row.kind as RowResult['kind'], label, size: row.size, format: row.format, mtu: row.mtu,
    durationSec: row.durationSec, fps: row.fps, relay: row.relay, engines: {},
  };
  for (const e of row.engines) result.engines[e] = { runs: [], failures: [] };
  if (row.engines.includes('gstreamer')) result.gstWire = await measureGstWire(row);
  // A/B/A/B: each repeat runs every engine once, so drift in the machine hits all of them alike.
  for (let i = 0; i < opts.repeats; i++) {
    for (const engine of row.engines) {
      const slot = result.engines[engine]!;
      try {
        const run = await runOnce(row, engine, result.gstWire);
        slot.runs.push(run);
        say(`  ${engine.padEnd(18)} run ${i + 1}/${opts.repeats}: ${run.deliveredFps.toFixed(1)} fps, ` +
          `${run.completePct.toFixed(1)}% complete, ${Math.round(run.packetsPerSec)} packets/s, ${(run.mbps / 1000).toFixed(2)} Gbit/s` +
          (run.sendPath ? ` (${run.sendPath})` : '') +
          (run.senderCpuPct !== undefined ? `, CPU send ${run.senderCpuPct.toFixed(0)}% recv ${run.receiverCpuPct?.toFixed(0)}% of a core` : '') +
          (run.latencyP50Ms !== undefined && row.kind === 'latency' ? `, latency p50 ${run.latencyP50Ms} p99 ${run.latencyP99Ms} ms` : '') +
          (run.latenessP50Us !== undefined && row.kind === 'paced'
            ? `, lateness p50 ${run.latenessP50Us.toFixed(0)} p99 ${run.latenessP99Us?.toFixed(0)} µs, ${run.framesDelayed} frames started late` : ''));
      } catch (err) {
        const message = `${label} ${engine} run ${i + 1}: ${(err as Error).message}`;
        slot.failures.push(message);
        failures.push(message);
        say(`  ${message}`);
      }
    }
  }
  for (const slot of Object.values(result.engines)) slot.summary = summarizeRuns(slot.runs);
  addRatios(result);
  return result;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), process.env);
  const gstreamer = await gstreamerVersion();
  const machine = describeMachine(gstreamer);
  const rows = planRows(opts, { gstreamer: gstreamer !== undefined, nativeAddon: existsSync(NATIVE_ADDON) });
  if (rows.length === 0) throw new UsageError(`--rows: no row matches '${opts.filters.map((f) => f.join('+')).join(',')}'`);
  say(`framewire bench: ${machineLine(machine)}`);
  if (!gstreamer) say('GStreamer (gst-launch-1.0) or /usr/bin/time not found: framewire rows only');
  say(`${rows.length} rows, ${opts.repeats} run(s) each, ${opts.durationSec} s a run` +
    `${rows.some((r) => r.kind === 'paced') ? ` (paced: ${opts.pacedSec} s)` : ''}${opts.quick ? ' (quick)' : ''}`);

  const loadBefore = loadavg();
  const calibrationBefore = await calibrationMs(CALIBRATION_ROUNDS);
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine,
    settings: { quick: opts.quick, repeats: opts.repeats, durationSec: opts.durationSec, pacedSec: opts.pacedSec, filters: opts.filters },
    noise: noise(calibrationBefore, calibrationBefore, loadBefore),
    rows: [],
    memory: [],
    failures: [],
  };
  for (const [i, row] of rows.entries()) {
    say(`[${i + 1}/${rows.length}] ${rowLabel(row)}`);
    try {
      if (row.kind === 'ceiling') {
        results.ceiling = await measureCeiling(row.durationSec, PACKET_DATAGRAM_BYTES);
        results.byteCeiling = await measureCeiling(row.durationSec, BYTE_DATAGRAM_BYTES);
        say(`  ${Math.round(results.ceiling.receivedPerSec)} datagrams/s of ${PACKET_DATAGRAM_BYTES} bytes, ` +
          `${results.byteCeiling.receivedGbps.toFixed(1)} Gbit/s in datagrams of ${BYTE_DATAGRAM_BYTES} bytes`);
      } else if (row.kind === 'memory') {
        const memory = { row, ...(await runMemoryRow(row, row.engines[0] as FramewireEngine)) };
        results.memory.push(memory);
        say(`  peak RSS ${memory.run.receiverPeakRssMb.toFixed(0)} MB, growth ${memory.growthMb.toFixed(1)} MB`);
      } else results.rows.push(await runRow(row, opts, results.failures));
    } catch (err) {
      results.failures.push(`${rowLabel(row)}: ${(err as Error).message}`);
      say(`  failed: ${(err as Error).message}`);
    }
  }
  addRelayCost(results.rows);
  results.noise = noise(calibrationBefore, await calibrationMs(CALIBRATION_ROUNDS), loadBefore);

  await mkdir(RESULTS_DIR, { recursive: true });
  const markdown = renderMarkdown(results);
  await writeFile(`${RESULTS_DIR}${opts.out}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${RESULTS_DIR}${opts.out}.md`, markdown);
  const chart = opts.out === 'latest' ? DOCS_CHART : `${RESULTS_DIR}${opts.out}-fps.png`;
  await renderChart(results, chart).catch((err: Error) => say(`chart not drawn: ${err.message}`));
  if (opts.out === 'latest') await updateDocs(markdown);
  process.stdout.write(markdown);
  say(`wrote bench/results/${opts.out}.json, bench/results/${opts.out}.md and ${chart}` +
    (opts.out === 'latest' ? ', and the tables in docs/bench.md' : ''));
  if (results.failures.length) process.exitCode = 1;
}

// The soak is a run of its own (30 minutes by default), not a row of the comparison.
const run = process.argv.includes('--soak') ? () => runSoak(process.argv.slice(2)) : main;
await run().catch((err: unknown) => {
  say(err instanceof UsageError ? err.message : (err as Error).stack ?? String(err));
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
