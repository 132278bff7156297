import { MAX_SEED } from '../netsim/rng.js';
import { UsageError } from '../usage-error.js';
import { payloadFormat, type Wire } from '../rtp/formats/index.js';
import { PACING_MODES, type PacingMode } from '../transport/pacing.js';

/** Parsers for flag values; each error names the flag. Used as commander argParsers. */

export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${flag}: '${text}' must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function positiveInt(flag: string, max = Number.MAX_SAFE_INTEGER) {
  return wholeNumber(flag, 1, max);
}

/** --seed: the same range everywhere (the network simulator's, which the noise pattern shares). */
export const parseSeed = wholeNumber('--seed', 0, MAX_SEED);

export function positiveNumber(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(`${flag}: '${text}' must be a positive number`);
    }
    return n;
  };
}

export function nonNegativeNumber(flag: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new UsageError(`${flag}: '${text}' must be a number of at least 0`);
    }
    return n;
  };
}

export function parseFps(text: string): number | 'max' {
  if (text === 'max') return 'max';
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 100_000) {
    throw new UsageError(`--fps: '${text}' must be a positive number of frames per second (up to 100000) or 'max'`);
  }
  return n;
}

/** --pacing: linear, gapped or burst (src/transport/pacing.ts). */
export function parsePacing(text: string): PacingMode {
  const mode = PACING_MODES.find((m) => m === text);
  if (!mode) throw new UsageError(`--pacing: '${text}' is not a pacing mode (one of ${PACING_MODES.join(', ')})`);
  return mode;
}

/** --wire: a registered payload format's name (an unknown one is a SettingError naming `wire`, shown as --wire). */
export function parseWire(text: string): Wire {
  return payloadFormat(text).name;
}

/** SSRC: any 32-bit unsigned value, decimal or 0x-hex. */
export function parseSsrc(text: string): number {
  const n = Number(text);
  if (!/^(\d+|0x[0-9a-f]+)$/i.test(text.trim()) || n > 0xffffffff) {
    throw new UsageError(`--ssrc: '${text}' must be a 32-bit unsigned number`);
  }
  return n;
}

/** --mtu: 28 bytes of IPv4+UDP header plus at least one byte; the payload format checks it can carry a pixel. */
export const parseMtu = positiveInt('--mtu', 65535 + 28);

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
