import fc from 'fast-check';

/*
 * Mutations of seed inputs in the manner of libFuzzer's mutators (bit flips, interesting values, inserted, erased
 * and spliced bytes), as fast-check arbitraries: the stand-in for a coverage-guided fuzzer, which could not be
 * installed here (docs/reliability.md says why). Positions are drawn as plain numbers and taken modulo the input's
 * length when applied, so a mutation list fits any seed and fast-check can still shrink it.
 */

/** 8-, 16- and 32-bit values at the edges of the fields they land in (lengths, counts, offsets). */
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number; width: 1 | 2 | 4 }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'erase'; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'splice'; at: number; other: number; from: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat(0xffffffff)),
    width: fc.constantFrom(1 as const, 2 as const, 4 as const),
  }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('erase' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), other: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
);

function apply(input: Buffer, m: Mutation, seeds: readonly Buffer[]): Buffer {
  const len = input.length;
  const at = len === 0 ? 0 : m.at % len;
  switch (m.op) {
    case 'flip':
      if (len > 0) input[at]! ^= 1 << m.bit;
      return input;
    case 'set':
      for (let i = 0; i < m.width && at + i < len; i++) input[at + i] = (m.value >>> (8 * (m.width - 1 - i))) & 0xff;
      return input;
    case 'insert':
      return Buffer.concat([input.subarray(0, at), m.bytes, input.subarray(at)]);
    case 'erase':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.length)]);
    case 'truncate':
      return input.subarray(0, at);
    case 'splice': {
      const other = seeds[m.other % seeds.length]!;
      const from = other.length === 0 ? 0 : m.from % other.length;
      return Buffer.concat([input.subarray(0, at), other.subarray(from, from + m.length), input.subarray(at)]);
    }
  }
}

/** One of `seeds` (a copy) with up to `maxMutations` mutations applied in turn. */
export function mutatedBytes(seeds: readonly Buffer[], maxMutations = 6): fc.Arbitrary<Buffer> {
  if (seeds.length === 0) throw new Error('mutatedBytes: no seeds');
  return fc
    .tuple(fc.nat(seeds.length - 1), fc.array(mutation, { maxLength: maxMutations }))
    .map(([i, mutations]) => mutations.reduce<Buffer>((input, m) => apply(input, m, seeds), Buffer.from(seeds[i]!)));
}

/** Numbers a hand-written file gets wrong: signs, zero, huge, fractions, non-numbers. */
const ODD_NUMBERS = ['-1', '0', '0.5', '1e309', '65536', '4294967296', 'NaN', '', '-0', '9007199254740993', '1/0'];

type LineMutation =
  | { op: 'drop'; at: number }
  | { op: 'repeat'; at: number }
  | { op: 'swap'; at: number; with: number }
  | { op: 'number'; at: number; nth: number; value: string }
  | { op: 'text'; at: number; text: string };

const lineMutation: fc.Arbitrary<LineMutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('number' as const), at: fc.nat(), nth: fc.nat(8), value: fc.constantFrom(...ODD_NUMBERS) }),
  fc.record({ op: fc.constant('text' as const), at: fc.nat(), text: fc.string({ maxLength: 24, unit: 'binary' }) }),
);

function applyLine(lines: string[], m: LineMutation): string[] {
  if (lines.length === 0) return lines;
  const at = m.at % lines.length;
  const out = [...lines];
  switch (m.op) {
    case 'drop':
      out.splice(at, 1);
      break;
    case 'repeat':
      out.splice(at, 0, out[at]!);
      break;
    case 'swap': {
      const j = m.with % lines.length;
      [out[at], out[j]] = [out[j]!, out[at]!];
      break;
    }
    case 'number': {
      let n = 0;
      out[at] = out[at]!.replace(/-?\d+(\.\d+)?/g, (num) => (n++ === m.nth ? m.value : num));
      break;
    }
    case 'text': {
      const line = out[at]!;
      const cut = line.length === 0 ? 0 : m.at % line.length;
      out[at] = line.slice(0, cut) + m.text + line.slice(cut);
      break;
    }
  }
  return out;
}

/**
 * Text seeds mutated line by line (lines dropped, repeated, swapped, a number made odd, text inserted) or, for a
 * quarter of the inputs, byte by byte and read back as UTF-8 (invalid sequences and all).
 */
export function mutatedText(seeds: readonly string[], maxMutations = 4): fc.Arbitrary<string> {
  if (seeds.length === 0) throw new Error('mutatedText: no seeds');
  const byLine = fc
    .tuple(fc.nat(seeds.length - 1), fc.array(lineMutation, { minLength: 1, maxLength: maxMutations }))
    .map(([i, mutations]) => mutations.reduce(applyLine, seeds[i]!.split('\n')).join('\n'));
  const byByte = mutatedBytes(seeds.map((s) => Buffer.from(s)), maxMutations).map((b) => b.toString('utf8'));
  return fc.oneof({ arbitrary: byLine, weight: 3 }, { arbitrary: byByte, weight: 1 });
}
