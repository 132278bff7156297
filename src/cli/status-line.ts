/**
 * Rewrites one status line on stderr once a second while stderr is a terminal, as the original program printed
 * its frame rate. Returns a function that stops it and ends the line.
 */
export function startStatusLine(render: () => string): () => void {
  if (!process.stderr.isTTY) return () => undefined;
  const timer = setInterval(() => {
    process.stderr.write(`\r\x1b[K${render()}`);
  }, 1000);
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  };
}

/** Calls `onSignal` on the first SIGINT or SIGTERM; returns a function that removes the handlers. */
export function onInterrupt(onSignal: () => void): () => void {
  const handler = (): void => onSignal();
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
