import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type fc from 'fast-check';
import { UsageError } from '../../src/usage-error.js';

/** fixtures/fuzz/: one folder of seed inputs per target, written by fixtures/fuzz/make-corpus.ts. */
export const CORPUS_DIR = fileURLToPath(new URL('../../fixtures/fuzz/', import.meta.url));

/**
 * A parser (or a receive path) under fuzzing: named properties, each an invariant that must hold for every input
 * its arbitrary makes, and most of them fed by the target's seed corpus.
 */
export interface FuzzTarget {
  readonly name: string;
  /** What is checked, one line, for the runner's listing. */
  readonly summary: string;
  properties(): Array<{ name: string; property: fc.IRawProperty<any, boolean> }>;
}

/** The seed files of a target, as bytes, in name order. */
export function corpusFiles(target: string): Buffer[] {
  const dir = path.join(CORPUS_DIR, target);
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
}

/**
 * A parser of user input turned it down properly: a UsageError (a SettingError is one) whose message starts with
 * `field` and a colon, never a TypeError, RangeError or anything else that would reach the user as a stack.
 */
export function expectUsageError(err: unknown, field: string | RegExp): void {
  if (!(err instanceof UsageError)) throw new Error(`not a UsageError: ${err instanceof Error ? err.stack : String(err)}`);
  const ok = typeof field === 'string' ? err.message.startsWith(`${field}: `) : field.test(err.message);
  if (!ok) throw new Error(`UsageError does not name ${String(field)}: ${err.message}`);
}
