import { SettingError } from '../usage-error.js';

/**
 * The time to the next RTCP report: the configured interval scaled by a random factor in [0.5, 1.5) so that
 * endpoints started together do not report in lockstep (RFC 3550 section 6.3.1); the first report comes after half
 * of that (section 6.2, "the initial interval"), so feedback starts early.
 */
export function nextReportMs(intervalMs: number, first: boolean): number {
  const randomized = intervalMs * (0.5 + Math.random());
  return first ? randomized / 2 : randomized;
}

/** Reports go out at most this often, and at least this rarely, whatever the setting. */
export const MIN_REPORT_INTERVAL_MS = 1;
export const MAX_REPORT_INTERVAL_MS = 60_000;
/** Suited to test runs of seconds: several reports a second (RFC 3550's 5 s minimum is for large sessions). */
export const DEFAULT_REPORT_INTERVAL_MS = 200;

/** The report interval setting, checked (a SettingError names `rtcpInterval`). */
export function checkedInterval(intervalMs = DEFAULT_REPORT_INTERVAL_MS): number {
  if (!Number.isFinite(intervalMs) || intervalMs < MIN_REPORT_INTERVAL_MS || intervalMs > MAX_REPORT_INTERVAL_MS) {
    throw new SettingError('rtcpInterval', `${intervalMs} ms must be from ${MIN_REPORT_INTERVAL_MS} to ${MAX_REPORT_INTERVAL_MS}`);
  }
  return intervalMs;
}
