import { UsageError } from '../usage-error.js';

/**
 * Units for network settings. Each parser accepts a JSON number or a string and throws a UsageError that
 * names the field. Times come back in microseconds (integers): the simulator schedules in microseconds so
 * sub-millisecond jitter is not rounded away.
 */

/** Why a value was rejected, without the field name; the caller adds the name (a flag or a JSON path). */
export class UnitError extends Error {}

function withField<T>(parse: (value: unknown) => T): (value: unknown, field: string) => T {
  return (value, field) => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof UnitError) throw new UsageError(`${field}: ${err.message}`);
      throw err;
    }
  };
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

const DURATION_UNITS: Record<string, number> = { us: 1, 'µs': 1, ms: 1_000, s: 1_000_000 };

/** '40ms', '1.5s', '250us' -> microseconds. A bare 0 is accepted; any other number needs a unit. */
export function durationUs(value: unknown): number {
  if (value === 0 || value === '0') return 0;
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)\s*$/.exec(value) : null;
  if (!m) {
    const bare = typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value));
    const n = String(value).trim();
    const reason = bare ? `has no unit (use ${n}ms or ${n}s)` : 'is not a duration (e.g. 40ms, 1.5s, 250us)';
    throw new UnitError(`${show(value)} ${reason}`);
  }
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!]!);
}

/** '10%', '0.1' or 0.1 -> 0.1; must lie in [0, 1]. */
export function ratio(value: unknown): number {
  let n = NaN;
  let percent = false;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
    if (m) {
      percent = m[2] === '%';
      n = percent ? Number(m[1]) / 100 : Number(m[1]);
    }
  }
  if (!Number.isFinite(n)) throw new UnitError(`${show(value)} is not a ratio (use 10% or 0.1)`);
  if (n >= 0 && n <= 1) return n;
  if (percent) throw new UnitError(`${show(value)} is outside 0..100%`);
  // `--loss 40` most likely meant 40%: say why it is refused, and what would be taken.
  const hint = n > 1 && n <= 100 ? `; did you mean ${String(value).trim()}%?` : ' (e.g. 0.1 for 10%)';
  throw new UnitError(`${show(value)}: a number without % is a ratio from 0 to 1${hint}`);
}

const SI: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/** '8mbit', '500kbit', '1gbit' or a number -> bit/s (SI prefixes). Byte-per-second forms are refused. */
export function bitRate(value: unknown): number {
  let n = NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)bit\s*$/i.exec(value);
    if (m) n = Number(m[1]) * SI[m[2]!.toLowerCase()]!;
  }
  if (!Number.isFinite(n) || n <= 0) {
    throw new UnitError(`${show(value)} is not a bit rate (e.g. 500kbit, 8mbit, 1gbit)`);
  }
  return n;
}

const BINARY: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** '64kb' (65,536), '1mb', '1500b', '64kib' or a number -> bytes (binary prefixes). */
export function byteSize(value: unknown): number {
  let n = NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])i?)?b\s*$/i.exec(value);
    if (m) n = Number(m[1]) * BINARY[(m[2] ?? '').toLowerCase()]!;
  }
  if (!Number.isFinite(n) || n <= 0) throw new UnitError(`${show(value)} is not a size in bytes (e.g. 64kb, 1mb, 1500b)`);
  return Math.round(n);
}

/** `parse`, refusing values above `max` (in its unit); `shown` is the maximum as users write it ('1gb'). */
export function atMost(parse: (value: unknown) => number, max: number, shown: string): (value: unknown) => number {
  return (value) => {
    const n = parse(value);
    if (n > max) throw new UnitError(`${show(value)} is more than the maximum of ${shown}`);
    return n;
  };
}

export const parseDuration = withField(durationUs);
export const parseRatio = withField(ratio);
export const parseBitRate = withField(bitRate);
export const parseByteSize = withField(byteSize);
