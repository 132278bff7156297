import { SettingError } from '../usage-error.js';

/**
 * The flag that sets each library setting. The library's errors name settings (`mtu: 50 cannot carry ...`); the
 * CLI shows them under the flag the user typed (`--mtu: 50 cannot carry ...`). One table, used by main() only.
 */
const FLAGS: Readonly<Record<string, string>> = {
  source: '--source',
  sink: '--sink',
  stamp: '--stamp',
  geometry: '--size',
  mtu: '--mtu',
  wire: '--wire',
  ssrc: '--ssrc',
  payloadType: '--payload-type',
  fps: '--fps',
  pacing: '--pacing',
  latency: '--latency',
  listen: '--listen',
  to: '--to',
  port: '--to',
  host: '--to',
  report: '--report',
  junit: '--junit',
  html: '--html',
  out: '--out',
  sdp: '--sdp',
  from: '--from',
};

/** The message of a library error, with its setting named by its flag (a setting with no flag keeps its name). */
export function flagMessage(err: SettingError): string {
  return `${FLAGS[err.setting] ?? err.setting}: ${err.problem}`;
}
