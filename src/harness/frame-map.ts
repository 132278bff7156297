import type { FrameRecord } from '../transport/receiver.js';
import type { SentFrame } from '../transport/sender.js';

export type FrameFate = 'complete' | 'incomplete' | 'corrupt' | 'never-seen';

/** What became of one sent frame. */
export interface FrameOutcome {
  /** The sender's frame index (the stamp's index). */
  index: number;
  /** All bytes arrived (as in `receive`'s report); a corrupt frame is complete but not delivered. */
  complete: boolean;
  fate: FrameFate;
  /** Capture to arrival of the last packet, for complete stamped frames. */
  latencyMs?: number;
  bytesMissing: number;
  /** Arrival of the last packet of the best copy, wall-clock microseconds. */
  arrivalUs?: number;
  /** ST 2110-21 Cinst and VRX maxima of the copy, when the receiver's timing analysis measured it. */
  cinstMax?: number;
  vrxMax?: number;
}

export interface FrameMap {
  /** One outcome per sent frame, in sending order. */
  frames: FrameOutcome[];
  /** Receiver records that were a second copy of a frame already assembled. */
  duplicates: number;
  /** Whole frames assembled after a later whole frame. */
  outOfOrder: number;
  /** Receiver records that match no sent frame (a stale stamp with no RTP timestamp, or garbage). */
  unmatched: number;
}

export interface FrameMapInput {
  sent: readonly SentFrame[];
  /** The receiver's records, in the order frames left reassembly. */
  records: readonly FrameRecord[];
  /** Bytes in one frame: a never-seen frame misses all of them. */
  frameBytes: number;
  /**
   * The source stamps its frames, so a complete frame without a readable stamp has damaged pixels. When it
   * cannot (too small a frame), complete frames cannot be verified and count as delivered.
   */
  stamped: boolean;
}

/** Ranks the copies of one frame: a verified whole copy beats a damaged one, which beats a partial one. */
function rank(o: FrameOutcome): number {
  if (o.fate === 'complete') return 3;
  if (o.fate === 'corrupt') return 2;
  return 1;
}

function outcomeOf(record: FrameRecord, index: number, stamped: boolean): FrameOutcome {
  const verified = record.indexFrom === 'stamp' ? record.intact === true : !stamped;
  const fate: FrameFate = !record.complete ? 'incomplete' : verified ? 'complete' : 'corrupt';
  const outcome: FrameOutcome = { index, complete: record.complete, fate, bytesMissing: record.bytesMissing, arrivalUs: record.arrivalUs };
  if (fate === 'complete' && record.latencyMs !== undefined) outcome.latencyMs = record.latencyMs;
  if (record.timing) {
    outcome.cinstMax = record.timing.cinstMax;
    outcome.vrxMax = record.timing.vrxMax;
  }
  return outcome;
}

/**
 * Matches the receiver's records to the frames sent. The RTP timestamp is tried first: it comes from the packet
 * headers, whereas the stamp of a frame whose top rows were lost may be a stale one left in a pooled buffer.
 * The stamp index matches frames on the raw wire, which has no timestamp.
 */
export function buildFrameMap({ sent, records, frameBytes, stamped }: FrameMapInput): FrameMap {
  const byTimestamp = new Map<number, number>();
  const byIndex = new Map<number, number>();
  sent.forEach((f, position) => {
    if (f.rtpTimestamp !== undefined) byTimestamp.set(f.rtpTimestamp, position);
    byIndex.set(f.index, position);
  });
  const best: (FrameOutcome | undefined)[] = new Array(sent.length).fill(undefined);
  let duplicates = 0;
  let outOfOrder = 0;
  let unmatched = 0;
  let latest = -1;
  for (const record of records) {
    const position = (record.rtpTimestamp !== undefined ? byTimestamp.get(record.rtpTimestamp) : undefined)
      ?? (record.indexFrom === 'stamp' ? byIndex.get(record.index) : undefined);
    if (position === undefined) {
      unmatched++;
      continue;
    }
    const outcome = outcomeOf(record, sent[position]!.index, stamped);
    const previous = best[position];
    if (previous) duplicates++;
    else if (record.complete) {
      // Only whole frames count: reassembly hands an incomplete frame over late by design, once it gives up on it.
      if (position < latest) outOfOrder++;
      latest = Math.max(latest, position);
    }
    if (!previous || rank(outcome) > rank(previous) || (rank(outcome) === rank(previous) && outcome.bytesMissing < previous.bytesMissing)) {
      best[position] = outcome;
    }
  }
  const frames = sent.map((f, position): FrameOutcome =>
    best[position] ?? { index: f.index, complete: false, fate: 'never-seen', bytesMissing: frameBytes });
  return { frames, duplicates, outOfOrder, unmatched };
}
