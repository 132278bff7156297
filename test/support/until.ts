import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Resolves once `check()` holds, polling every few ms (after `refresh()`, when given, gathers what check reads);
 * after `timeoutMs` rejects with `what()` (the state seen at the deadline), so a test that waits in vain says what it
 * was waiting for and how far it got.
 */
export async function until(
  check: () => boolean,
  what: () => string,
  timeoutMs = 5_000,
  refresh?: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh?.();
    if (check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(5);
  }
}
