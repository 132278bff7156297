import type { Schedule } from './st2110-21.js';
import { BETA } from './st2110-21.js';

/** What one frame's packet arrivals measure against the ST 2110-21 models. */
export interface FrameMeasures {
  /** Largest Cinst: packets arrived beyond what the network compatibility model's bucket had drained. */
  cinstMax: number;
  /** Largest VRX: packets waiting in the virtual receive buffer, against the earliest read schedule that never runs dry. */
  vrxMax: number;
}

/**
 * Cinst and VRX maxima of one frame, from its packets' arrival times `offsetsUs[0..count)`, µs after its first
 * packet, in arrival order (as EBU LIST takes them), with read spacing `trsUs`.
 *
 * Cinst (ST 2110-21's network compatibility model): a leaky bucket that drains one packet every TRS / β
 * while it holds any, empty before the frame's first packet. Each arrival adds one packet after the bucket drained
 * (t_j − t_{j−1}) × β / TRS since the last:
 *
 *   level_j = max(0, level_{j−1} − (t_j − t_{j−1}) × β / TRS) + 1,   Cinst_j = floor(level_j) − 1
 *
 * the packets queued ahead of packet j: 0 for a sender that keeps to its schedule, count − 1 for a frame sent in one
 * burst. The Media Transport Library counts drains from the frame's first packet instead (Cinst_j = j −
 * floor((t_j − t_0) × β / TRS)), which lets a stall earn drain credit a bucket cannot hold and hides the burst that
 * follows it; both agree while the bucket never runs empty.
 *
 * VRX (ST 2110-21's virtual receiver buffer model): the receiver reads packet j at TVD + (j + 1) × TRS. The standard puts
 * TVD at the frame's epoch-aligned start plus TRO, which needs the sender and this receiver locked to one PTP clock;
 * they never are here. So TVD is taken as the earliest datum whose schedule never reads a packet before it arrived,
 * the buffer an ideally aligned receiver would need:
 *
 *   a_j = t_j − (j + 1) × TRS,   TVD = max_j a_j,   VRX_j = min(j, floor((TVD − a_j) / TRS))
 *
 * the packets ahead of packet j in the buffer when it arrives: how many reads it waits for (the Media Transport
 * Library's (TVD + (j + 1) × TRS − t_j) / TRS), but never more than the j packets there are ahead of it (a packet
 * that arrives before the schedule starts waits longer than its predecessors take to read). 0 for a sender exactly on
 * its schedule, count − 1 for one burst. Underruns cannot be measured without a common clock, and are not claimed.
 */
export function measureFrame(offsetsUs: Float64Array, count: number, trsUs: number): FrameMeasures {
  let cinstMax = 0;
  let level = 0;
  let previous = 0;
  let datum = -Infinity;
  const drainPerUs = BETA / trsUs;
  for (let j = 0; j < count; j++) {
    const t = offsetsUs[j]!;
    level = Math.max(0, level - (t - previous) * drainPerUs) + 1;
    previous = t;
    const cinst = Math.floor(level) - 1;
    if (cinst > cinstMax) cinstMax = cinst;
    datum = Math.max(datum, t - (j + 1) * trsUs);
  }
  let vrxMax = 0;
  for (let j = 0; j < count; j++) {
    const vrx = Math.min(j, Math.floor((datum - (offsetsUs[j]! - (j + 1) * trsUs)) / trsUs));
    if (vrx > vrxMax) vrxMax = vrx;
  }
  return { cinstMax, vrxMax };
}

/**
 * Whether a sender leaves a vertical blanking gap, told from how much of the frame period its packets span: a linear
 * schedule spans (count − 1) / count of it, a gapped one RACTIVE times that; the frame is gapped when it spans less
 * than halfway between. EBU LIST's rule (gapped when the gap before the frame is at least 10 packet spacings) is not
 * used because it cannot see the gap of a small frame: the blanking of a gapped frame of N packets is N / 24 spacings
 * (RACTIVE 0.96), under 10 below 240 packets, as at 640x480 and smaller.
 */
export function scheduleOf(spanUs: number, count: number, periodUs: number, ractive: number): Schedule {
  if (count < 2) return 'linear';
  const linearSpan = (periodUs * (count - 1)) / count;
  return spanUs < (linearSpan * (1 + ractive)) / 2 ? 'gapped' : 'linear';
}
