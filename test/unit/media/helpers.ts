import { expect } from 'chai';
import type { Frame } from '../../../src/frame.js';
import type { Source } from '../../../src/sources/source.js';
import { UsageError } from '../../../src/usage-error.js';

/** The first `n` frames of a source, copied (sources reuse their buffer), then closes it. */
export async function takeFrames(source: Source, n: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of source) {
    frames.push({ ...frame, data: Buffer.from(frame.data) });
    if (frames.length === n) break;
  }
  await source.close();
  return frames;
}

/** Asserts the promise rejects with a UsageError whose message contains `message`. */
export async function expectUsageError(promise: Promise<unknown>, message: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(UsageError);
  expect((err as Error).message).to.contain(message);
}
