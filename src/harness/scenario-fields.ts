import { SettingError } from '../usage-error.js';

/**
 * The scenario field that sets each library setting. The library's errors name settings (`geometry: width 161
 * must be even ...`); a scenario's errors name the field the user wrote (`size: width 161 must be even ...`).
 * One table, used by runScenario only. `sink` errors carry the index of the sink spec they came from.
 */
const FIELDS: Readonly<Record<string, string>> = {
  source: 'source',
  stamp: 'size',
  geometry: 'size',
  mtu: 'mtu',
  wire: 'wire',
  ssrc: 'ssrc',
  latency: 'latency',
  pacing: 'pacing',
};

/** Runs `work`, naming a SettingError's setting by its scenario field (`sinks[i]` for sink `i`). */
export async function asScenarioField<T>(work: () => Promise<T>, sink?: number): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof SettingError)) throw err;
    const field = err.setting === 'sink' && sink !== undefined ? `sinks[${sink}]` : FIELDS[err.setting] ?? err.setting;
    throw new SettingError(field, err.problem);
  }
}
