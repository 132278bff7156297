import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { SettingError } from './usage-error.js';

/*
 * Files framewire writes when it is done (reports, SDPs) and directories it writes into (png frames, report sets).
 * Each is checked, and its directories made, before any work starts, so a bad path is a usage error naming its
 * setting at once rather than a failure after a long run; what is written is written atomically.
 */

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** Makes `dir` (and its parents) if missing, and checks it is a directory this process can write in. */
export async function prepareOutputDir(dir: string, setting: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const existing = await stat(dir).catch(() => undefined);
    const why = existing && !existing.isDirectory() ? 'it is a file' : reason(err);
    throw new SettingError(setting, `cannot create the directory ${dir} (${why})`);
  }
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new SettingError(setting, `cannot write in the directory ${dir} (${reason(err)})`);
  }
}

/** Checks that `file` can be written when the work is done: its directory is ready (created if missing), and it is not one. */
export async function prepareOutputFile(file: string, setting: string): Promise<void> {
  if ((await stat(file).catch(() => undefined))?.isDirectory()) {
    throw new SettingError(setting, `${file} is a directory, not a file`);
  }
  try {
    await prepareOutputDir(dirname(file), setting);
  } catch (err) {
    if (err instanceof SettingError) throw new SettingError(setting, `cannot write ${file}: ${err.problem}`);
    throw err;
  }
}

/**
 * Writes `data` to `file` through a temporary file beside it, renamed over it once whole: a reader, or a Ctrl-C in
 * the middle, sees the old file or the new one, never half of one. Missing directories are created. An error names
 * `file`, not the temporary one.
 */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temporary, data);
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new Error(`cannot write ${file} (${reason(err)})`);
  }
}
