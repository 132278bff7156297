/**
 * A binary min-heap of entries ordered by due time, then by insertion, so packets due together leave in the
 * order they came. Entries are the caller's objects, recycled by the caller.
 */
export interface DueEntry {
  dueUs: number;
  seq: number;
}

export class DueQueue<E extends DueEntry> {
  private readonly heap: E[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Due time of the earliest entry, or Infinity. */
  peekDue(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0]!.dueUs;
  }

  push(entry: E): void {
    entry.seq = this.nextSeq++;
    const h = this.heap;
    let i = h.length;
    h.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = entry;
  }

  pop(): E | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(h[right]!, h[left]!) ? right : left;
      if (!before(h[child]!, last)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
    return top;
  }

  /** Removes and returns every entry, in no particular order. */
  clear(): E[] {
    return this.heap.splice(0);
  }
}

function before(a: DueEntry, b: DueEntry): boolean {
  return a.dueUs < b.dueUs || (a.dueUs === b.dueUs && a.seq < b.seq);
}
