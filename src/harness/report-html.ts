import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { METRICS, type MetricName } from './metric-list.js';
import { interruption, type ScenarioReport } from './report.js';
import { escapeXml as escapeHtml } from './report-junit.js';

/** uPlot's script and stylesheet, inlined so the page works offline and from a CI artifact. */
let chartLibrary: { js: string; css: string } | undefined;
function uplot(): { js: string; css: string } {
  if (!chartLibrary) {
    const require = createRequire(import.meta.url);
    chartLibrary = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return chartLibrary;
}

/** Longest CDF drawn; longer runs are thinned evenly (the curve looks the same). */
const MAX_CDF_POINTS = 2000;

function latencyCdf(report: ScenarioReport): [number[], number[]] {
  const sorted = report.frames.flatMap((f) => (f.latencyMs !== undefined ? [f.latencyMs] : [])).sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(sorted.length / MAX_CDF_POINTS));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < sorted.length; i += step) {
    xs.push(sorted[i]!);
    ys.push((i + 1) / sorted.length);
  }
  if (sorted.length > 0 && xs[xs.length - 1] !== sorted[sorted.length - 1]) {
    xs.push(sorted[sorted.length - 1]!);
    ys.push(1);
  }
  return [xs, ys];
}

/**
 * Cinst and VRX of every frame the timing analysis measured, by frame index, with the narrow limits as flat lines;
 * undefined when the run had no timing analysis. The report's frames are its bounded run's, so this is too.
 */
function timingSeries(report: ScenarioReport): number[][] | undefined {
  const timing = report.receiver.timing;
  if (!timing || timing.framesAnalyzed === 0) return undefined;
  const measured = report.frames.filter((f) => f.cinstMax !== undefined);
  return [
    measured.map((f) => f.index),
    measured.map((f) => f.cinstMax!),
    measured.map((f) => f.vrxMax!),
    measured.map(() => timing.cmaxNarrow!),
    measured.map(() => timing.vrxFullNarrow!),
  ];
}

/** JSON safe inside a <script> element: nothing in it can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function formatValue(v: number | undefined): string {
  return v === undefined ? 'not measured' : String(v);
}

const SUMMARY: MetricName[] = [
  'framesSent', 'framesComplete', 'framesIncomplete', 'framesCorrupt', 'framesNeverSeen', 'framesDuplicate',
  'framesOutOfOrder', 'deliveredRatio', 'fps', 'fpsSent', 'latencyP50Ms', 'latencyP95Ms', 'latencyP99Ms',
  'latencyMaxMs', 'jitterMs', 'packetsSent', 'packetsLost', 'packetLossPct', 'maxLossBurst', 'throughputMbps',
];

/** Draws the charts once the page loads, then marks the body so a headless browser can tell they all rendered. */
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var drawn = 0;
  var expected = data.timing ? 5 : 4;
  var charts = [];
  function width(el) { return Math.max(320, el.clientWidth || 800); }
  function marks() {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = '#c0392b';
      ctx.fillStyle = '#c0392b';
      ctx.setLineDash([6, 4]);
      ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
      data.timeline.forEach(function (m) {
        var x = Math.round(u.valToPos(m.tSec, 'x', true));
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillText(m.label, x + 4, u.bbox.top + 12 * devicePixelRatio);
      });
      ctx.restore();
    }] } };
  }
  function chart(id, opts, series) {
    var el = document.getElementById(id);
    opts.width = width(el);
    opts.height = 240;
    opts.hooks = { ready: [function () { drawn++; if (drawn === expected) document.body.setAttribute('data-charts-ready', String(drawn)); }] };
    charts.push(new uPlot(opts, series, el));
  }
  try {
    var ts = data.timeSeries;
    chart('fps-chart', { title: 'Delivered fps', scales: { x: { time: false } },
      axes: [{ label: 's' }, { label: 'fps' }],
      series: [{ label: 't (s)' }, { label: 'fps', stroke: '#2c7be5', width: 2 }] }, [ts.tSec, ts.fps]);
    chart('latency-cdf-chart', { title: 'Latency CDF', scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ label: 'ms' }, { label: 'fraction of frames' }],
      series: [{ label: 'latency (ms)' }, { label: 'CDF', stroke: '#00a676', width: 2 }] }, data.latencyCdf);
    chart('loss-chart', { title: 'Packet loss (dashed lines: network timeline changes)', scales: { x: { time: false } },
      plugins: [marks()],
      axes: [{ label: 's' }, { label: '%' }],
      series: [{ label: 't (s)' }, { label: 'loss %', stroke: '#e55353', width: 2, spanGaps: false }] }, [ts.tSec, ts.lossPct]);
    chart('latency-chart', { title: 'Median latency', scales: { x: { time: false } },
      axes: [{ label: 's' }, { label: 'ms' }],
      series: [{ label: 't (s)' }, { label: 'latency (ms)', stroke: '#8e44ad', width: 2 }] }, [ts.tSec, ts.latencyMs]);
    if (data.timing) {
      chart('timing-chart', { title: 'ST 2110-21 per frame: Cinst and VRX maxima (dashed: narrow limits)',
        scales: { x: { time: false } }, axes: [{ label: 'frame' }, { label: 'packets' }],
        series: [{ label: 'frame' }, { label: 'Cinst max', stroke: '#2c7be5', width: 2 },
          { label: 'VRX max', stroke: '#e67e22', width: 2 },
          { label: 'CMAX narrow', stroke: '#2c7be5', dash: [6, 4] },
          { label: 'VRX_FULL narrow', stroke: '#e67e22', dash: [6, 4] }] }, data.timing);
    }
  } catch (err) {
    document.body.setAttribute('data-chart-error', String(err && err.message || err));
  }
})();
`;

/** What RTCP measured and what NACK recovered, as table rows; empty when the run carried neither. */
function feedbackRows(report: ScenarioReport): string {
  const rows: Array<[string, string]> = [];
  const ms = (p?: { p50: number; p99?: number; max?: number }): string =>
    p ? `p50 ${formatValue(p.p50)}${p.p99 !== undefined ? `, p99 ${formatValue(p.p99)}` : ''}${p.max !== undefined && p.p99 === undefined ? `, max ${formatValue(p.max)}` : ''}` : 'n/a';
  const { rtcp, nack } = report;
  if (rtcp) {
    rows.push(['round trip (sender, from RTCP reports), ms', ms(rtcp.rttMs)]);
    rows.push(['jitter (receiver), ms', formatValue(rtcp.jitterMs)]);
    rows.push(['packets lost: receiver measured / its last report said', `${rtcp.packetsLostMeasured} / ${rtcp.peerCumulativeLost ?? 'n/a'}`]);
    rows.push(['RTCP reports sent (sender / receiver), malformed', `${rtcp.senderReports} / ${rtcp.receiverReports}, ${rtcp.malformed}`]);
  }
  const timing = report.receiver.timing;
  if (timing) {
    rows.push(['ST 2110-21 timing (worst frame; frames narrow / wide / non-conformant)',
      `${timing.verdict}; ${timing.frames.narrow} / ${timing.frames.wide} / ${timing.frames['non-conformant']} (${timing.clock} clock)`]);
    rows.push(['Cinst max (CMAX narrow, wide)', `${timing.cinstMax} (${timing.cmaxNarrow ?? 'n/a'}, ${timing.cmaxWide ?? 'n/a'})`]);
    rows.push(['VRX max (VRX_FULL narrow, wide)', `${timing.vrxMax} (${timing.vrxFullNarrow ?? 'n/a'}, ${timing.vrxFullWide ?? 'n/a'})`]);
  }
  if (nack) {
    rows.push(['packets asked for (NACK datagrams, requests)', `${nack.packetsRequested} (${nack.nacksSent}, ${nack.requestsSent})`]);
    rows.push(['retransmitted / arrived / too late', `${nack.retransmitted} / ${nack.retransmissionsReceived} / ${nack.packetsTooLate}`]);
    rows.push(['frames recovered', String(nack.framesRecovered)]);
    rows.push(['retransmission overhead, % of media bytes', formatValue(nack.overheadPercent)]);
    rows.push(['latency of recovered frames, ms', ms(nack.latencyMs.recovered)]);
    rows.push(['latency of frames that needed no repair, ms', ms(nack.latencyMs.clean)]);
  }
  return rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
}

/** A self-contained page: summary, expectations, charts (uPlot, inlined) and a strip of received frames. */
export function toHtmlReport(report: ScenarioReport): string {
  const { js, css } = uplot();
  const data = {
    timeSeries: report.timeSeries, timeline: report.timeline, latencyCdf: latencyCdf(report), timing: timingSeries(report),
  };
  const verdict = report.passed ? 'PASS' : 'FAIL';
  const rows = SUMMARY.map((name) =>
    `<tr><th title="${escapeHtml(METRICS[name])}">${name}</th><td>${escapeHtml(formatValue(report[name]))}</td></tr>`).join('\n');
  const expectations = report.expectations.map((e) =>
    `<tr class="${e.passed ? 'pass' : 'fail'}"><td>${e.passed ? 'PASS' : 'FAIL'}</td><td>${e.metric}</td>` +
    `<td>${escapeHtml(e.expected)}${e.implicit ? ' (implicit)' : ''}</td><td>${escapeHtml(formatValue(e.measured))}</td></tr>`).join('\n');
  const samples = report.samples.length > 0
    ? report.samples.map((s) =>
      `<figure><img class="sample" src="${s.png}" width="${s.width}" height="${s.height}" alt="frame ${s.index}">` +
      `<figcaption>frame ${s.index}</figcaption></figure>`).join('\n')
    : '<p>No frame arrived whole.</p>';
  const bursts = Object.entries(report.lossBursts).map(([len, n]) => `${len}: ${n}`).join(', ') || 'none';
  const feedback = feedbackRows(report);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>framewire: ${escapeHtml(report.name)} — ${verdict}</title>
<style>${css}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 .verdict { padding: 0 .4em; border-radius: 4px; color: #fff; }
.PASS { background: #00a676; } .FAIL { background: #e55353; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { text-align: left; padding: 2px 10px; border-bottom: 1px solid #ddd; }
tr.fail td { color: #b00020; font-weight: bold; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1em; }
.strip { display: flex; flex-wrap: wrap; gap: .5em; }
figure { margin: 0; } figcaption { font-size: 12px; color: #555; }
</style>
</head>
<body>
<h1>${escapeHtml(report.name)} <span class="verdict ${verdict}">${verdict}</span></h1>
${report.interrupted ? `<p id="interrupted"><strong>${escapeHtml(interruption(report))}</strong>: the numbers cover what ran.</p>\n` : ''}
<p>seed ${report.seed} · ${escapeHtml(report.scenario.source)} ${report.scenario.size} ${report.scenario.format} ·
${report.scenario.fps} fps · ${report.scenario.frames} frames · wire ${report.scenario.wire} · started ${escapeHtml(report.startedAt)}</p>
<h2>Expectations</h2>
<table id="expectations"><tr><th></th><th>metric</th><th>expected</th><th>measured</th></tr>
${expectations}
</table>
<h2>Charts</h2>
<div class="charts">
<div id="fps-chart"></div>
<div id="latency-cdf-chart"></div>
<div id="loss-chart"></div>
<div id="latency-chart"></div>
${data.timing ? '<div id="timing-chart"></div>\n' : ''}</div>
<h2>Sample frames</h2>
<div class="strip">
${samples}
</div>
<h2>Totals</h2>
<table id="totals">
${rows}
<tr><th>loss bursts (length: count)</th><td>${escapeHtml(bursts)}</td></tr>
</table>
${feedback ? `<h2>RTCP, NACK and timing</h2>\n<table id="feedback">\n${feedback}\n</table>` : ''}
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${js}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
