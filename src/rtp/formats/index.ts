import { SettingError } from '../../usage-error.js';
import type { PayloadFormat } from './payload-format.js';
import { raw } from './raw/index.js';
import { rfc4175 } from './rfc4175/index.js';

export type { Depayloader, PayloadFormat, PayloadLayout, Payloader } from './payload-format.js';
export { PayloadRuns } from './payload-runs.js';

/** Every payload format by the name `--wire` takes; adding a format is a folder beside these and a line here. */
const FORMATS = new Map<string, PayloadFormat>([
  [rfc4175.name, rfc4175],
  [raw.name, raw],
]);

/** A wire format's name: one of payloadFormatNames(). */
export type Wire = string;

export function payloadFormatNames(): string[] {
  return [...FORMATS.keys()];
}

/** The format registered under `name`; a SettingError naming `wire` lists the known ones. */
export function payloadFormat(name: string): PayloadFormat {
  const format = FORMATS.get(name);
  if (!format) throw new SettingError('wire', `'${name}' is not a wire format (one of ${payloadFormatNames().join(', ')})`);
  return format;
}

/**
 * Adds a format (a plugin, or a test's toy format); returns the function that removes it again. A name already
 * taken is an error: formats are found by name, so two of one name would make the choice silent.
 */
export function registerPayloadFormat(format: PayloadFormat): () => void {
  if (FORMATS.has(format.name)) throw new Error(`a payload format named '${format.name}' is already registered`);
  FORMATS.set(format.name, format);
  return () => {
    if (FORMATS.get(format.name) === format) FORMATS.delete(format.name);
  };
}
