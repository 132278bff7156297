/**
 * `npm run bench`: delivered frames per second, sender -> receiver as separate processes over loopback.
 * Each row runs several times and the median is reported, with the spread so a noisy machine shows.
 */
import { cpus } from 'node:os';
import { runFramewireRow, type RowConfig, type RowResult } from './framewire-row.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const DURATION_SEC = Number(process.env.BENCH_DURATION ?? 3);

const ROWS: RowConfig[] = ['160x120', '640x480', '1280x720'].map((size) => ({
  size, format: 'rgb24', mtu: 1400, fps: 'max', durationSec: DURATION_SEC,
}));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  console.log(`framewire bench: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ` +
    `${REPEATS} runs of ${DURATION_SEC} s per row, median shown`);
  console.log('| size | format | mtu | delivered fps (min-max) | complete % | Mbit/s | packets/s | send ms/frame | recv ms/frame | recv RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of ROWS) {
    const runs: RowResult[] = [];
    for (let i = 0; i < REPEATS; i++) runs.push(await runFramewireRow(row));
    const m = (k: keyof RowResult) => median(runs.map((r) => r[k] as number));
    const fps = runs.map((r) => r.deliveredFps);
    console.log(`| ${row.size} | ${row.format} | ${row.mtu} | ${m('deliveredFps').toFixed(0)} ` +
      `(${Math.min(...fps).toFixed(0)}-${Math.max(...fps).toFixed(0)}) | ${m('completePct').toFixed(1)} | ` +
      `${m('mbps').toFixed(0)} | ${m('packetsPerSec').toFixed(0)} | ${m('senderCpuMsPerFrame').toFixed(3)} | ` +
      `${m('receiverCpuMsPerFrame').toFixed(3)} | ${m('receiverPeakRssMb').toFixed(0)} |`);
  }
}

await main();
