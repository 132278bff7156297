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

/** A trace line's schema; its causes and longest delay are those of the stages registered now. */
function lineSchema() {
  const maxDelay = Math.ceil(maxDelayUs());
  return z.strictObject({
    direction: z.enum(['forward', 'reverse']),
    ordinal: z.number().int().min(0),
    fate: z.enum(['forwarded', 'dropped']),
    cause: z.enum(dropCauses() as [string, ...string[]]).optional(),
    duplicated: z.boolean(),
    corrupted: z.number().int().min(0).nullable(),
    reordered: z.boolean(),
    delayUs: z
      .number()
      .min(0)
      .max(maxDelay, { error: `must be at most ${maxDelay} (${(maxDelay / 3.6e9).toFixed(1)} h, the longest the simulator holds a packet)` }),
  });
}

/** Reads a trace; a malformed line is a UsageError naming `field`, the file and the line. */
export async function readTrace(path: string, field = 'replay'): Promise<Trace> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${field}: cannot read ${path}: ${(err as Error).message}`);
  }
  const trace: Trace = { forward: new Map(), reverse: new Map() };
  const schema = lineSchema();
  text.split('\n').forEach((line, i) => {
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
    trace[direction].set(fate.ordinal, fate as PacketFate);
  });
  return trace;
}
