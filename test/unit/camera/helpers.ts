import { mkdtemp, writeFile, chmod, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Frame } from '../../../src/frame.js';

export const FIXTURES = new URL('./fixtures/', import.meta.url);

export function fixture(name: string): Promise<string> {
  return readFile(new URL(name, FIXTURES), 'utf8');
}

/** Runs `fn` with PATH set to `path` (children spawned meanwhile see it), restoring it after. */
export async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

/**
 * A directory holding an `ffmpeg` that logs each start to `log` and then runs the real ffmpeg,
 * so a test can count how many ffmpeg processes a source started.
 */
export async function countingFfmpeg(): Promise<{ dir: string; log: string }> {
  const real = execFileSync('which', ['ffmpeg'], { encoding: 'utf8' }).trim();
  const dir = await mkdtemp(join(tmpdir(), 'framewire-ffmpeg-shim-'));
  const log = join(dir, 'starts.log');
  const shim = join(dir, 'ffmpeg');
  await writeFile(shim, `#!/bin/sh\necho "$$" >> '${log}'\nexec '${real}' "$@"\n`);
  await chmod(shim, 0o755);
  return { dir, log };
}

/** Reads up to `count` frames, copying each (a source reuses its buffers). */
export async function takeFrames(source: AsyncIterable<Frame>, count: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of source) {
    frames.push({ ...frame, data: Buffer.from(frame.data) });
    if (frames.length === count) break;
  }
  return frames;
}

/** The error an iteration ends with (fails when it ends without one). */
export async function iterationError(source: AsyncIterable<Frame>, afterFrames = Infinity): Promise<Error> {
  let n = 0;
  try {
    for await (const _frame of source) {
      if (++n >= afterFrames) break;
    }
  } catch (err) {
    return err as Error;
  }
  throw new Error(`iteration ended without an error after ${n} frames`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
