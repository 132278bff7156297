/**
 * Which units (pixel groups) of a frame have arrived, one bit each. Marking counts only bits that were clear,
 * so overlapping or repeated data never counts twice.
 */
export class CoverageBitmap {
  /** Units marked so far. */
  marked = 0;
  private readonly words: Uint32Array;

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  get full(): boolean {
    return this.marked === this.size;
  }

  clear(): void {
    this.words.fill(0);
    this.marked = 0;
  }

  /** Calls `fill(start, count)` for each run of units not marked, in order: the holes of an incomplete frame. */
  forEachGap(fill: (start: number, count: number) => void): void {
    const { words, size } = this;
    let i = 0;
    while (i < size) {
      // Past the marked units (a whole word at a time where it can), then over the clear ones.
      while (i < size) {
        const w = words[i >>> 5]!;
        if ((i & 31) === 0 && w === 0xffffffff) i += 32;
        else if ((w >>> (i & 31)) & 1) i++;
        else break;
      }
      if (i >= size) return;
      const start = i;
      while (i < size) {
        const w = words[i >>> 5]!;
        if ((i & 31) === 0 && w === 0) i += 32;
        else if (((w >>> (i & 31)) & 1) === 0) i++;
        else break;
      }
      fill(start, Math.min(i, size) - start);
    }
  }

  /** Marks units [start, start + count); the caller keeps the range inside [0, size). */
  mark(start: number, count: number): void {
    const words = this.words;
    const end = start + count;
    let i = start;
    let added = 0;
    while (i < end) {
      const w = i >>> 5;
      const bit = i & 31;
      const n = Math.min(32 - bit, end - i);
      const mask = n === 32 ? 0xffffffff : (((1 << n) - 1) << bit) >>> 0;
      const old = words[w]!;
      const fresh = (mask & ~old) >>> 0;
      if (fresh !== 0) {
        added += fresh === 0xffffffff ? 32 : popcount32(fresh);
        words[w] = old | mask;
      }
      i += n;
    }
    this.marked += added;
  }
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
