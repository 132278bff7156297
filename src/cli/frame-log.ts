import { createWriteStream, type WriteStream } from 'node:fs';
import type { FrameRecord } from '../transport/receiver.js';

/** Records queued for the disk beyond this are dropped (and counted) rather than held in memory without bound. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** Where `receive --report FILE` streams its per-frame records: FILE without .json, plus .frames.jsonl. */
export function frameLogPath(reportPath: string): string {
  return `${reportPath.replace(/\.json$/i, '')}.frames.jsonl`;
}

/**
 * Per-frame records as JSON lines, written as frames arrive, so a receiver running for a day keeps none of them
 * in memory. A disk slower than the stream costs records (counted in `dropped`), never the receiver's memory.
 */
export class FrameLog {
  dropped = 0;
  written = 0;
  private readonly out: WriteStream;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    this.out.on('error', (err) => { this.failure ??= err; });
  }

  readonly write = (record: FrameRecord): void => {
    if (this.failure || this.out.writableLength > MAX_QUEUED_BYTES) {
      this.dropped++;
      return;
    }
    this.out.write(`${JSON.stringify(record)}\n`);
    this.written++;
  };

  /** Flushes and closes; rejects with the first write error, naming the file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.out.end(resolve));
    if (this.failure) throw new Error(`cannot write ${this.path}: ${this.failure.message}`);
  }
}
