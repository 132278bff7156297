import { readFile } from 'node:fs/promises';
import type { FrameRecord } from '../../src/transport/receiver.js';

/** The records of a receiver's frame log (`receive --report FILE` writes FILE.frames.jsonl), as far as written. */
export async function readFrameLog(file: string): Promise<FrameRecord[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as FrameRecord);
}

/**
 * When the sender captured each stamped frame, on the sender's clock: arrival less capture-to-arrival latency.
 * The earliest schedule (capture - index x period) over complete stamped frames is where a paced sender that has
 * not fallen behind would have put frame 0; a frame `i` was captured no earlier than that + i x period.
 */
export function earliestSchedule(records: FrameRecord[], periodUs: number): number {
  let t0 = Infinity;
  for (const r of records) {
    if (r.indexFrom === 'stamp' && r.complete && r.latencyMs !== undefined) {
      t0 = Math.min(t0, r.arrivalUs - r.latencyMs * 1000 - r.index * periodUs);
    }
  }
  return t0;
}
