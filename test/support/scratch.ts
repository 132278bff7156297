import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Memory-backed where the machine has it (/dev/shm): for a peer whose receiving thread also writes its output, so a
 * disk that throttles dirty pages cannot stall the reading of its socket.
 */
export const MEMORY_DIR = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

/** A scratch directory under os.tmpdir() (or `base`), removed by the returned cleanup. */
export async function scratchDir(prefix: string, base = os.tmpdir()): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(base, `framewire-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
