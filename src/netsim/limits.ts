/**
 * The longest one setting may make a packet wait: a delay, a jitter, a full queue draining at its rate. An hour
 * is beyond any real path (a geostationary hop takes a quarter of a second, Earth to Mars at most 22 minutes),
 * so a larger value is a typo (`--delay 2600000s`, a month) to refuse up front rather than packets to park for
 * it. It also keeps every due time far inside what Node's timers reach (2^31-1 ms, 24.8 days).
 */
export const MAX_WAIT_US = 3_600_000_000;

/** MAX_WAIT_US as users write it, for messages. */
export const MAX_WAIT_TEXT = '3600s (1 hour)';
