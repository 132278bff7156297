/** The soak's picture: RSS, CPU and delivered fps over the run, one line per process. */
import { machineLine } from './machine.js';
import { screenshot, uplotAssets } from './screenshot.js';
import type { SoakResults } from './soak.js';

const WIDTH = 1000;
const HEIGHT = 840;
const COLORS = { sender: '#1f77b4', relay: '#ff7f0e', receiver: '#2ca02c' } as const;

export function soakPage(r: SoakResults, uplotJs: string, uplotCss: string): string {
  const s = r.settings;
  const roles = Object.keys(COLORS) as Array<keyof typeof COLORS>;
  const x = r.samples.receiver.map((p) => p.tSec / 60);
  const at = (role: keyof typeof COLORS, field: 'rssMb' | 'cpuPct') =>
    x.map((_, i) => r.samples[role][i]?.[field] ?? null);
  const fps = x.map((_, i) => r.deliveredFps[i] ?? null);
  const subtitle = `${r.date.slice(0, 16).replace('T', ' ')} UTC · ${machineLine(r.machine)} · ${s.size} rgb24 at ${s.fps} fps, ` +
    `${s.loss} loss at the relay, NACK + RTX, latency ${s.latencyMs} ms · a sample every ${s.sampleSec} s`;
  const data = { x, rss: roles.map((role) => at(role, 'rssMb')), cpu: roles.map((role) => at(role, 'cpuPct')), fps };
  return `<!doctype html><html><head><meta charset="utf-8"><style>${uplotCss}
body { margin: 0; padding: 12px 16px; font: 14px sans-serif; background: #fff; }
h1 { font-size: 18px; margin: 0 0 2px; } p { margin: 0 0 6px; color: #555; font-size: 12px; }
</style><script>${uplotJs}</script></head><body>
<h1>Soak: ${s.minutes} min, sender → netsim relay → receiver as separate processes</h1><p>${subtitle}</p>
<div id="rss"></div><div id="cpu"></div>
<script>
const d = ${JSON.stringify(data)};
const roles = ${JSON.stringify(roles)};
const colors = ${JSON.stringify(COLORS)};
const common = { width: ${WIDTH - 40}, height: ${Math.floor((HEIGHT - 130) / 2)}, scales: { x: { time: false } }, cursor: { show: false }, legend: { live: false } };
new uPlot({ ...common, title: 'Resident memory (MB)',
  axes: [{ label: 'minutes' }, { label: 'RSS MB', size: 60 }],
  series: [{}, ...roles.map((r) => ({ label: r, stroke: colors[r], width: 2 }))] }, [d.x, ...d.rss], document.getElementById('rss'));
new uPlot({ ...common, title: 'CPU (% of one core) and delivered fps',
  scales: { x: { time: false }, fps: { range: [0, ${s.fps * 1.1}] } },
  axes: [{ label: 'minutes' }, { label: 'CPU %', size: 60 }, { scale: 'fps', side: 1, label: 'delivered fps', grid: { show: false } }],
  series: [{}, ...roles.map((r) => ({ label: r + ' CPU', stroke: colors[r], width: 2 })), { label: 'delivered fps', scale: 'fps', stroke: '#000', width: 1, dash: [4, 3] }] },
  [d.x, ...d.cpu, d.fps], document.getElementById('cpu'));
</script></body></html>`;
}

export async function renderSoakChart(results: SoakResults, pngPath: string): Promise<void> {
  const { js, css } = await uplotAssets();
  await screenshot(soakPage(results, js, css), pngPath, WIDTH, HEIGHT);
}
