import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { z } from 'zod';
import { UsageError } from '../usage-error.js';
import type { PacketFate } from './fate.js';
import { dropCauses, maxDelayUs } from './stages/index.js';

/**
 * Traces: one JSON line per packet, `{"direction":"forward","ordinal":0,"fate":"forwarded",...}`. Replaying a
 * trace gives every ordinal exactly its recorded fate, including the drops and queueing delay of the rate
 * limit, which timing alone could change.
 */

export type TraceDirection = 'forward' | 'reverse';

export interface Trace {
  forward: Map<number, PacketFate>;
  reverse: Map<number, PacketFate>;
}

export interface TraceWriter {
  record(direction: TraceDirection, fate: PacketFate): void;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

const FLUSH_LINES = 512;

/** Opens `path` for a trace; failing to open it is a UsageError naming `field`. */
export async function createTraceWriter(path: string, field = 'record'): Promise<TraceWriter> {
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (err) {
    throw new UsageError(`${field}: cannot write ${path}: ${(err as Error).message}`);
  }
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) stream.write(lines.join(''));
    lines = [];
  };
  return {
    record(direction, fate) {
      lines.push(`${JSON.stringify({ direction, ...fate })}\n`);
      if (lines.length >= FLUSH_LINES) flush();
    },
    async close() {
      flush();
      stream.end();
      await once(stream, 'close');
    },
  };
}

/** A UDP datagram is at most 65,535 bytes (its length field's limit): no flipped bit lies beyond. */
const MAX_DATAGRAM_BITS = 65_535 * 8;

/** A trace line's schema; its causes and longest delay are those of the stages registered now. */
function lineSchema() {
  const maxDelay = Math.ceil(maxDelayUs());
  const BIT = `must be null or the index of a bit in a datagram (below ${MAX_DATAGRAM_BITS})`;
  return z.strictObject({
    direction: z.enum(['forward', 'reverse']),
    ordinal: z.number().int().min(0),
    fate: z.enum(['forwarded', 'dropped']),
    cause: z.enum(dropCauses() as [string, ...string[]]).optional(),
    duplicated: z.boolean(),
    corrupted: z
      .number({ error: BIT })
      .int({ error: BIT })
      .min(0, { error: BIT })
      .max(MAX_DATAGRAM_BITS - 1, { error: BIT })
      .nullable(),
    reordered: z.boolean(),
    delayUs: z
      .number()
      .min(0)
      .max(maxDelay, { error: `must be at most ${maxDelay} (${(maxDelay / 3.6e9).toFixed(1)} h, the longest the simulator holds a packet)` }),
  });
}

/**
 * Reads a trace; a malformed line, an ordinal given twice in a direction or a trace with no fates at all is a
 * UsageError naming `field`, the file and the line. Whether a corrupted bit lies inside its datagram is known only
 * when the datagram arrives: the chain counts those as replay errors.
 */
export async function readTrace(path: string, field = 'replay'): Promise<Trace> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${field}: cannot read ${path}: ${(err as Error).message}`);
  }
  const trace: Trace = { forward: new Map(), reverse: new Map() };
  const schema = lineSchema();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${field}: ${path}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new UsageError(`${where}: not a JSON line`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UsageError(`${where}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    const { direction, ...fate } = parsed.data;
    if ((fate.fate === 'dropped') !== (fate.cause !== undefined)) {
      throw new UsageError(`${where}: cause: a dropped packet needs a cause, a forwarded one none`);
    }
    if (trace[direction].has(fate.ordinal)) {
      const first = lines.findIndex((l) => l.trim() !== '' && sameKey(JSON.parse(l), direction, fate.ordinal));
      throw new UsageError(`${where}: ordinal ${fate.ordinal} of the ${direction} direction is already on line ${first + 1}`);
    }
    trace[direction].set(fate.ordinal, fate as PacketFate);
  });
  if (trace.forward.size + trace.reverse.size === 0) {
    throw new UsageError(`${field}: ${path}: holds no packet fates (a trace is one JSON line per packet)`);
  }
  return trace;
}

function sameKey(line: { direction?: unknown; ordinal?: unknown }, direction: TraceDirection, ordinal: number): boolean {
  return line.direction === direction && line.ordinal === ordinal;
}
