/** The markdown table of a benchmark run (bench/results/*.md, and the numbers in docs/bench.md). */
import { machineLine } from './machine.js';
import { EXPECTED_SEND_PATH, type Engine } from './plan.js';
import type { BenchResults, RowResult, RunSummary } from './results.js';
import type { Summary } from './stats.js';

function num(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

function spread(s: Summary | undefined): string {
  if (!s || s.n === 0 || !Number.isFinite(s.median)) return 'n/a';
  return s.n > 1 ? `${num(s.median)} (${num(s.min)}–${num(s.max)})` : num(s.median);
}

/** A share in percent: whole above 10, one decimal below. */
function pct(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  return `${n >= 10 ? n.toFixed(0) : n.toFixed(1)}%`;
}

/** Complete %: two decimals below 100, since the targets are 99.9%. */
function completeText(s: Summary | undefined): string {
  if (!s || s.n === 0 || !Number.isFinite(s.median)) return 'n/a';
  const one = (n: number) => (n === 100 ? '100' : n.toFixed(2));
  return s.n > 1 && s.min !== s.max ? `${one(s.median)} (${one(s.min)}–${one(s.max)})` : one(s.median);
}

const ENGINE_NAMES: Record<Engine, string> = {
  framewire: 'framewire',
  'framewire-sendmmsg': 'framewire, GSO off (sendmmsg)',
  'framewire-js': 'framewire (JS path)',
  gstreamer: 'GStreamer',
};

type EngineSlot = NonNullable<RowResult['engines'][Engine]>;

/** The engine's name, with its failed runs and any run whose send path was not the engine's own (GSO refused). */
function engineCell(engine: Engine, r: EngineSlot | undefined): string {
  const failed = r?.failures.length ? ` ⚠ ${r.failures.length} failed` : '';
  const expected = engine === 'gstreamer' ? undefined : EXPECTED_SEND_PATH[engine];
  const paths = [...new Set((r?.runs ?? []).map((run) => run.sendPath).filter((p) => p !== undefined))];
  const strayPath = expected && paths.some((p) => p !== expected) ? ` ⚠ sent by ${paths.join(', ')}` : '';
  return `${ENGINE_NAMES[engine]}${failed}${strayPath}`;
}

/** UDP payload Gbit/s received, as a share of iperf3's 63,000-byte-datagram rate measured in the same run. */
function ofLoopbackBytes(results: BenchResults, s: RunSummary | undefined): string {
  return results.byteCeiling && s ? pct((100 * s.mbps.median) / 1000 / results.byteCeiling.receivedGbps) : '–';
}

function ratioCell(row: RowResult, engine: Engine): string {
  if (row.relay) return engine === 'framewire' && row.ratioDirect !== undefined ? `${row.ratioDirect.toFixed(2)}x direct` : '–';
  const parts: string[] = [];
  if (engine === 'framewire' && row.gsoGain !== undefined) parts.push(`${row.gsoGain.toFixed(2)}x sendmmsg`);
  const vsGst = row.vsGstreamer?.[engine];
  if (vsGst !== undefined) parts.push(`${vsGst.toFixed(2)}x GStreamer`);
  return parts.length ? parts.join(', ') : '–';
}

function engineEntries(row: RowResult): Array<[Engine, EngineSlot | undefined]> {
  return Object.entries(row.engines) as Array<[Engine, EngineSlot | undefined]>;
}

function throughputLines(results: BenchResults, row: RowResult): string[] {
  const lines: string[] = [];
  for (const [engine, r] of engineEntries(row)) {
    const s = r?.summary;
    const packets = results.ceiling && row.mtu === 1400 && s
      ? pct((100 * s.packetsPerSec.median) / results.ceiling.receivedPerSec) : '–';
    lines.push(`| ${row.size} | ${row.format} | ${row.mtu} | ${row.relay ? 'relay' : 'direct'} | ${engineCell(engine, r)} | ` +
      `${spread(s?.deliveredFps)} | ${completeText(s?.completePct)} | ${num(s ? s.mbps.median / 1000 : undefined)} | ` +
      `${num(s?.packetsPerSec.median)} | ${packets} | ${ofLoopbackBytes(results, s)} | ${num(s?.senderCpuMsPerFrame.median)} | ` +
      `${num(s?.receiverCpuMsPerFrame.median)} | ${num(s?.receiverPeakRssMb.median)} | ${ratioCell(row, engine)} |`);
  }
  return lines;
}

function pacedLines(results: BenchResults, row: RowResult): string[] {
  const lines: string[] = [];
  for (const [engine, r] of engineEntries(row)) {
    const s = r?.summary;
    const late = s?.latenessP50Us
      ? `${num(s.latenessP50Us.median)} / ${num(s.latenessP99Us?.median)} / ${num(s.latenessMaxUs?.median)}` : 'n/a';
    const gro = s?.groDatagrams && s.groBuffers
      ? `${num(s.groDatagrams.median)} in ${num(s.groBuffers.median)} (${num(s.groDatagrams.median / s.groBuffers.median)} each)` : 'off';
    lines.push(`| ${row.size} | ${row.format} | ${row.mtu} | ${row.fps} | ${engineCell(engine, r)} | ` +
      `${completeText(s?.completePct)} | ${spread(s?.deliveredFps)} | ${num(s ? s.mbps.median / 1000 : undefined)} | ` +
      `${ofLoopbackBytes(results, s)} | ${spreadPct(s?.senderCpuPct)} | ${spreadPct(s?.receiverCpuPct)} | ${late} | ` +
      `${num(s?.framesDelayed?.median)} | ${gro} |`);
  }
  return lines;
}

function spreadPct(s: Summary | undefined): string {
  if (!s || s.n === 0 || !Number.isFinite(s.median)) return 'n/a';
  return s.n > 1 ? `${pct(s.median)} (${pct(s.min)}–${pct(s.max)})` : pct(s.median);
}

export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [];
  const n = results.noise;
  out.push(`Measured ${results.date} on ${machineLine(results.machine)}.`);
  out.push(`Each row ran ${results.settings.repeats} time(s) (engines alternating), ${results.settings.durationSec} s a run; ` +
    'the median is shown, with min–max in brackets.' + (results.settings.quick ? ' **Quick mode: a smoke check, not a measurement.**' : ''));
  out.push(`Machine noise: a fixed CPU loop took ${num(n.calibration.median)} ms median over ${n.calibration.n} rounds ` +
    `(CV ${n.calibration.cvPct.toFixed(1)}%, ${num(n.calibration.min)}–${num(n.calibration.max)} ms); ` +
    `the end of the run was ${n.driftPct >= 0 ? '+' : ''}${n.driftPct.toFixed(1)}% against the start. ` +
    `Load average ${n.loadAverageBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
    `${n.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')} after.`);
  const ceilings = [results.ceiling, results.byteCeiling].filter((c) => c !== undefined).map((c) =>
    `${num(c.receivedPerSec)} datagrams/s of ${c.datagramBytes.toLocaleString('en-US')} bytes, ${num(c.receivedGbps)} Gbit/s ` +
    `(sent ${num(c.sentPerSec)}/s, ${c.lostPct.toFixed(1)}% lost)`);
  if (ceilings.length) out.push(`Ceilings: iperf3 moved ${ceilings.join(', and ')} over loopback.`);
  // The header sentences are separate paragraphs.
  out.splice(0, out.length, out.join('\n\n'));
  const throughput = results.rows.filter((r) => r.kind === 'throughput');
  if (throughput.length) {
    out.push('', '### Throughput (unthrottled sender, separate processes over loopback)', '');
    out.push('| size | format | mtu | path | engine | delivered fps | complete % | Gbit/s | packets/s | of loopback packets | ' +
      'of loopback bytes | send CPU ms/frame | recv CPU ms/frame | recv peak RSS MB | fps ratio |');
    out.push('|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of throughput) out.push(...throughputLines(results, row));
  }
  const paced = results.rows.filter((r) => r.kind === 'paced');
  if (paced.length) {
    const sec = results.settings.pacedSec ?? paced[0]!.durationSec;
    out.push('', `### Paced (default linear pacing at a set fps, ${sec} s a run, separate processes over loopback)`, '');
    out.push('| size | format | mtu | fps | engine | complete % | delivered fps | Gbit/s | of loopback bytes | ' +
      'send CPU % of a core | recv CPU % of a core | pacing lateness p50 / p99 / max µs | frames started late | GRO datagrams in buffers |');
    out.push('|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of paced) out.push(...pacedLines(results, row));
  }
  const latency = results.rows.filter((r) => r.kind === 'latency');
  if (latency.length) {
    out.push('', '### Latency at 30 fps (capture stamp to complete frame at the receiver; GStreamer: n/a)', '');
    out.push('| size | format | mtu | engine | complete % | p50 ms | p99 ms |');
    out.push('|---|---|---|---|---:|---:|---:|');
    for (const row of latency) {
      for (const [engine, r] of engineEntries(row)) {
        const s = r?.summary;
        out.push(`| ${row.size} | ${row.format} | ${row.mtu} | ${ENGINE_NAMES[engine]} | ${completeText(s?.completePct)} | ` +
          `${spread(s?.latencyP50Ms)} | ${spread(s?.latencyP99Ms)} |`);
      }
    }
  }
  for (const m of results.memory) {
    out.push('', `### Receiver memory over ${m.row.durationSec} s at ${m.row.size} ${m.row.format} (unthrottled)`, '');
    out.push('| peak RSS MB | mean RSS first window MB | mean RSS last window MB | growth MB | window | delivered fps | complete % |');
    out.push('|---:|---:|---:|---:|---:|---:|---:|');
    out.push(`| ${num(m.run.receiverPeakRssMb)} | ${num(m.firstMb)} | ${num(m.lastMb)} | ${num(m.growthMb)} | ` +
      `${m.windowSamples} s | ${num(m.run.deliveredFps)} | ${num(m.run.completePct)} |`);
  }
  if (results.failures.length) {
    out.push('', '### Failures', '', ...results.failures.map((f) => `- ${f.split('\n')[0]}`));
  }
  return `${out.join('\n')}\n`;
}
