import type { ChainStats } from './chain.js';
import { causeOfKey } from './fate.js';
import type { Summary } from '../histogram.js';

/** One line per direction, for status lines and exit summaries. Drop causes appear as traces name them. */
export function formatChainStats(stats: ChainStats): string {
  const causes = Object.entries(stats.dropped);
  const dropped = causes.reduce((sum, [, n]) => sum + n, 0);
  return (
    `received ${stats.received}, forwarded ${stats.forwarded}, ` +
    `dropped ${dropped} (${causes.map(([key, n]) => `${causeOfKey(key)} ${n}`).join(', ')}), ` +
    `duplicated ${stats.duplicated}, corrupted ${stats.corrupted}, reordered ${stats.reordered}, ` +
    `delay ${formatDelay(stats.delayUs)}` +
    (stats.discarded ? `, discarded in flight ${stats.discarded}` : '') +
    (stats.overflowed ? `, dropped by the relay (could not keep up) ${stats.overflowed}` : '') +
    (stats.unreplayed ? `, not in trace ${stats.unreplayed}` : '') +
    (stats.replayErrors ? `, replay errors ${stats.replayErrors}` : '')
  );
}

function formatDelay(s: Summary): string {
  return s.count === 0 ? 'n/a' : `p50 ${ms(s.p50)} p99 ${ms(s.p99)} max ${ms(s.max)}`;
}

/** To the 10 µs: a relay's delays are exact to well under a millisecond, and the report should show it. */
function ms(us: number): string {
  return `${(us / 1000).toFixed(2)}ms`;
}
