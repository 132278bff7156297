import type { PacingReport } from '../transport/frame-pacer.js';

function us(value: number): string {
  return value < 1000 ? `${value.toFixed(value < 10 ? 1 : 0)} µs` : `${(value / 1000).toFixed(1)} ms`;
}

/** The pacing line of a send summary: the mode, where it ran, and how closely the schedule was kept. */
export function pacingSummary(p: PacingReport): string {
  if (!p.path) return `pacing: ${p.mode} (each frame handed to the kernel at once)`;
  const late = p.latenessUs ? `lateness p50 ${us(p.latenessUs.p50)}, p99 ${us(p.latenessUs.p99)}, max ${us(p.latenessUs.max)}` : '';
  const thread = p.path === 'native thread'
    ? `; ${p.batches} batches, ${p.retries} waits for buffer room${p.realtime ? '' : ', not real-time (no right to SCHED_FIFO)'}`
    : ' (per 1 ms group of packets)';
  const rate = p.rate
    ? `; rate ${p.rate.packetsPerSecond} packets/s at the end (peak ${p.rate.peakPacketsPerSecond}), from ${p.rate.reports} ` +
      `receiver reports: ${p.rate.increases} raised it, ${p.rate.decreases} cut it for loss`
    : '';
  return `pacing: ${p.mode} on the ${p.path}, ${p.packets} packets, ${late}${thread}; ` +
    `${p.framesDelayed} frames started late, ${p.dropped} packets dropped${rate}`;
}
