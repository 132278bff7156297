import type { ChainStats } from './chain.js';
import type { Summary } from '../histogram.js';

/** One line per direction, for status lines and exit summaries. */
export function formatChainStats(stats: ChainStats): string {
  const d = stats.dropped;
  const dropped = d.loss + d.queue + d.dropList;
  return (
    `received ${stats.received}, forwarded ${stats.forwarded}, ` +
    `dropped ${dropped} (loss ${d.loss}, queue ${d.queue}, drop-list ${d.dropList}), ` +
    `duplicated ${stats.duplicated}, corrupted ${stats.corrupted}, reordered ${stats.reordered}, ` +
    `delay ${formatDelay(stats.delayUs)}` +
    (stats.discarded ? `, discarded in flight ${stats.discarded}` : '') +
    (stats.unreplayed ? `, not in trace ${stats.unreplayed}` : '')
  );
}

function formatDelay(s: Summary): string {
  return s.count === 0 ? 'n/a' : `p50 ${ms(s.p50)} p99 ${ms(s.p99)}`;
}

function ms(us: number): string {
  return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`;
}
