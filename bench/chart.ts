/**
 * The README's picture: delivered fps per frame size, framewire (with and without GSO/GRO, and its pure-JS path)
 * against GStreamer (rgb24, mtu 1400, unthrottled) on a log scale, drawn by uPlot in headless Chromium and saved
 * as a PNG.
 */
import { machineLine } from './machine.js';
import type { Engine } from './plan.js';
import type { BenchResults } from './results.js';
import { screenshot, uplotAssets } from './screenshot.js';
const WIDTH = 1000;
const HEIGHT = 560;

interface Series {
  label: string;
  color: string;
  values: Array<number | null>;
}

/** The headline rows (rgb24, mtu 1400) as one series per engine and path. */
export function chartSeries(results: BenchResults): { sizes: string[]; series: Series[] } {
  const headline = results.rows.filter((r) => r.kind === 'throughput' && r.format === 'rgb24' && r.mtu === 1400);
  const sizes = [...new Set(headline.map((r) => r.size))];
  const lines: Array<{ label: string; color: string; relay: boolean; engine: Engine }> = [
    { label: 'framewire', color: '#1f77b4', relay: false, engine: 'framewire' },
    { label: 'framewire, GSO off (sendmmsg)', color: '#ff7f0e', relay: false, engine: 'framewire-sendmmsg' },
    { label: 'framewire, pure-JS path', color: '#9467bd', relay: false, engine: 'framewire-js' },
    { label: 'framewire through netsim relay', color: '#17becf', relay: true, engine: 'framewire' },
    { label: 'GStreamer (rtpvrawpay/depay)', color: '#d62728', relay: false, engine: 'gstreamer' },
  ];
  const series = lines.map((l) => ({
    label: l.label,
    color: l.color,
    values: sizes.map((size) => {
      const row = headline.find((r) => r.size === size && !!r.relay === l.relay);
      const fps = row?.engines[l.engine]?.summary?.deliveredFps.median;
      // A log scale has no place for zero: a configuration that delivered nothing is left out of the picture.
      return fps !== undefined && fps > 0 ? fps : null;
    }),
  })).filter((s) => s.values.some((v) => v !== null));
  return { sizes, series };
}

export function chartPage(results: BenchResults, uplotJs: string, uplotCss: string): string {
  const { sizes, series } = chartSeries(results);
  const subtitle = `${results.date.slice(0, 16).replace('T', ' ')} UTC · ${machineLine(results.machine)} · ` +
    `median of ${results.settings.repeats} run(s) · loopback, separate processes, unthrottled`;
  return `<!doctype html><html><head><meta charset="utf-8"><style>${uplotCss}
body { margin: 0; padding: 12px 16px; font: 14px sans-serif; background: #fff; }
h1 { font-size: 18px; margin: 0 0 2px; } p { margin: 0 0 6px; color: #555; font-size: 12px; }
</style><script>${uplotJs}</script></head><body>
<h1>Delivered frames per second, rgb24, MTU 1400 (log scale; higher is better)</h1><p>${subtitle}</p><div id="chart"></div>
<script>
const sizes = ${JSON.stringify(sizes)};
const series = ${JSON.stringify(series)};
const fmt = (v) => v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
// Value labels right of each point, nudged apart where lines meet so none covers another.
const labels = (u) => {
  const ctx = u.ctx;
  const gap = 15 * devicePixelRatio;
  ctx.save();
  ctx.font = (12 * devicePixelRatio) + 'px sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  sizes.forEach((_, i) => {
    const marks = series.filter((s) => s.values[i] !== null)
      .map((s) => ({ color: s.color, text: fmt(s.values[i]), y: u.valToPos(s.values[i], 'y', true) }))
      .sort((a, b) => a.y - b.y);
    marks.forEach((m, k) => { if (k > 0) m.y = Math.max(m.y, marks[k - 1].y + gap); });
    const x = u.valToPos(i, 'x', true) + 9 * devicePixelRatio;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 4 * devicePixelRatio;
    for (const m of marks) {
      ctx.strokeText(m.text, x, m.y); // a white halo keeps the number legible where it crosses a line
      ctx.fillStyle = m.color;
      ctx.fillText(m.text, x, m.y);
    }
  });
  ctx.restore();
};
new uPlot({
  // Room below for the axis and a legend of two lines (five series).
  width: ${WIDTH - 40}, height: ${HEIGHT - 140},
  scales: { x: { time: false, range: [-0.3, sizes.length - 0.6] }, y: { distr: 3 } },
  axes: [
    { values: (u, ticks) => ticks.map((t) => Number.isInteger(t) ? (sizes[t] ?? '') : ''), splits: () => sizes.map((_, i) => i) },
    { label: 'delivered fps', values: (u, ticks) => ticks.map((t) => t == null ? '' : t.toLocaleString('en-US')), size: 70 },
  ],
  legend: { live: false },
  cursor: { show: false },
  hooks: { draw: [labels] },
  series: [{ label: 'size' }, ...series.map((s) => ({
    label: s.label, stroke: s.color, width: 2, points: { size: 9, fill: s.color }, value: (u, v) => v == null ? '' : fmt(v),
  }))],
}, [sizes.map((_, i) => i), ...series.map((s) => s.values)], document.getElementById('chart'));
</script></body></html>`;
}

export async function renderChart(results: BenchResults, pngPath: string): Promise<void> {
  const { js, css } = await uplotAssets();
  await screenshot(chartPage(results, js, css), pngPath, WIDTH, HEIGHT);
}
