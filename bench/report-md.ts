/** The markdown table of a benchmark run (bench/results/*.md, and the numbers in docs/bench.md). */
import { machineLine } from './machine.js';
import type { Engine } from './plan.js';
import type { BenchResults, RowResult } from './results.js';
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

const ENGINE_NAMES: Record<Engine, string> = {
  framewire: 'framewire',
  'framewire-js': 'framewire (JS path)',
  gstreamer: 'GStreamer',
};

function throughputLines(results: BenchResults, row: RowResult): string[] {
  const lines: string[] = [];
  for (const [engine, r] of Object.entries(row.engines) as Array<[Engine, RowResult['engines'][Engine]]>) {
    const s = r?.summary;
    const ratio = engine === 'framewire-js' ? row.ratioJs : engine !== 'framewire' ? undefined : row.relay ? row.ratioDirect : row.ratio;
    const ceiling = results.ceiling && row.mtu === 1400 && s
      ? `${((100 * s.packetsPerSec.median) / results.ceiling.receivedPerSec).toFixed(0)}%` : '–';
    const failed = r?.failures.length ? ` ⚠ ${r.failures.length} failed` : '';
    lines.push(`| ${row.size} | ${row.format} | ${row.mtu} | ${row.relay ? 'relay' : 'direct'} | ${ENGINE_NAMES[engine]}${failed} | ` +
      `${spread(s?.deliveredFps)} | ${num(s?.completePct.median)} | ${num(s?.mbps.median)} | ${num(s?.packetsPerSec.median)} | ` +
      `${ceiling} | ${num(s?.senderCpuMsPerFrame.median)} | ${num(s?.receiverCpuMsPerFrame.median)} | ` +
      `${num(s?.receiverPeakRssMb.median)} | ${ratio === undefined ? '–' : `${ratio.toFixed(2)}x ${row.relay ? 'direct' : 'GStreamer'}`} |`);
  }
  return lines;
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
  if (results.ceiling) {
    const c = results.ceiling;
    out.push(`Ceiling: iperf3 moved ${num(c.receivedPerSec)} datagrams/s of ${c.datagramBytes} bytes over loopback ` +
      `(sent ${num(c.sentPerSec)}/s, ${c.lostPct.toFixed(1)}% lost).`);
  }
  // The header sentences are separate paragraphs.
  out.splice(0, out.length, out.join('\n\n'));
  const throughput = results.rows.filter((r) => r.kind === 'throughput');
  if (throughput.length) {
    out.push('', '### Throughput (unthrottled sender, separate processes over loopback)', '');
    out.push('| size | format | mtu | path | engine | delivered fps | complete % | Mbit/s | packets/s | of iperf3 | ' +
      'send CPU ms/frame | recv CPU ms/frame | recv peak RSS MB | fps ratio |');
    out.push('|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of throughput) out.push(...throughputLines(results, row));
  }
  const latency = results.rows.filter((r) => r.kind === 'latency');
  if (latency.length) {
    out.push('', '### Latency at 30 fps (capture stamp to complete frame at the receiver; GStreamer: n/a)', '');
    out.push('| size | format | mtu | engine | complete % | p50 ms | p99 ms |');
    out.push('|---|---|---|---|---:|---:|---:|');
    for (const row of latency) {
      for (const [engine, r] of Object.entries(row.engines) as Array<[Engine, RowResult['engines'][Engine]]>) {
        const s = r?.summary;
        out.push(`| ${row.size} | ${row.format} | ${row.mtu} | ${ENGINE_NAMES[engine]} | ${num(s?.completePct.median)} | ` +
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
