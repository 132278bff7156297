/**
 * Loss and duplicate accounting over 32-bit extended sequence numbers, after RFC 3550 appendix A.3:
 * lost = expected - received, where a sliding bitmap of recent numbers keeps duplicates from counting as
 * received. Numbers too far from the highest seen (a restarted sender or a forged packet) are implausible
 * until two arrive in a row, which resynchronises, as A.3 does, and is reported as a restart so the caller can
 * forget the old stream too.
 */

export const SEQ_NEW = 0;
export const SEQ_DUPLICATE = 1;
export const SEQ_IMPLAUSIBLE = 2;
/** A new packet that confirmed the sender restarted its sequence: everything tied to the old one is stale. */
export const SEQ_RESTART = 3;
export type SeqVerdict = typeof SEQ_NEW | typeof SEQ_DUPLICATE | typeof SEQ_IMPLAUSIBLE | typeof SEQ_RESTART;

/** Numbers remembered for duplicate detection: several 1080p frames (about 4,500 packets each) of reordering. */
export const SEQUENCE_WINDOW = 1 << 16;
/** Largest forward jump taken as loss rather than a restart: minutes of 1080p packets at 30 fps. */
export const MAX_DROPOUT = 1 << 22;

export class SequenceTracker {
  private started = false;
  /** Unwrapped (beyond 32 bits) lowest and highest numbers seen. */
  private base = 0;
  private max = 0;
  private received = 0;
  /** Loss counted before the last resynchronisation. */
  private carriedLost = 0;
  private probation = -1;
  private readonly seen = new Uint32Array(SEQUENCE_WINDOW / 32);

  get lost(): number {
    return this.carriedLost + this.currentLost();
  }

  /** Highest sequence number seen, extended to 32 bits (RFC 3550's "extended highest sequence number received"). */
  get highest(): number {
    return this.max >>> 0;
  }

  /** Packets expected since the stream (re)started: highest - base + 1 (RFC 3550 appendix A.3). */
  get expected(): number {
    return this.started ? this.max - this.base + 1 : 0;
  }

  /** Packets received since the stream (re)started, duplicates not counted. */
  get receivedCount(): number {
    return this.started ? this.received : 0;
  }

  /** Forgets the stream (a new SSRC), keeping the loss counted so far. */
  reset(): void {
    this.carriedLost += this.currentLost();
    this.started = false;
    this.probation = -1;
  }

  /**
   * The 32-bit number nearest the highest seen whose low 16 bits are `sequence`: RFC 3550 appendix A.1's cycle
   * count, for formats that carry only RTP's 16-bit sequence number.
   */
  extend(sequence: number): number {
    if (!this.started) return sequence & 0xffff;
    const max = this.max >>> 0;
    const delta = (((sequence - max) & 0xffff) << 16) >> 16;
    return (max + delta) >>> 0;
  }

  accept(seq: number): SeqVerdict {
    if (!this.started) {
      this.start(seq);
      return SEQ_NEW;
    }
    const delta = (seq - this.max) | 0;
    if (delta > 0 && delta < MAX_DROPOUT) {
      // The window slides forward: forget what the bits of the numbers entering it said a lap ago.
      if (delta >= SEQUENCE_WINDOW) this.seen.fill(0);
      else for (let s = this.max + 1; s < this.max + delta; s++) this.unmark(s);
      this.max += delta;
      this.mark(this.max);
      this.received++;
      return SEQ_NEW;
    }
    if (delta <= 0 && -delta < SEQUENCE_WINDOW) {
      const s = this.max + delta;
      if (s < this.base) {
        // Older than the first packet we saw (it overtook this one): the stream began earlier.
        this.base = s;
      } else if (this.isMarked(s)) {
        return SEQ_DUPLICATE;
      }
      this.mark(s);
      this.received++;
      return SEQ_NEW;
    }
    return this.implausible(seq);
  }

  private implausible(seq: number): SeqVerdict {
    if (seq === this.probation) {
      this.reset();
      this.start(seq);
      return SEQ_RESTART;
    }
    this.probation = (seq + 1) >>> 0;
    return SEQ_IMPLAUSIBLE;
  }

  private start(seq: number): void {
    this.started = true;
    this.seen.fill(0);
    this.base = seq;
    this.max = seq;
    this.received = 1;
    this.probation = -1;
    this.mark(seq);
  }

  private currentLost(): number {
    return this.started ? Math.max(0, this.max - this.base + 1 - this.received) : 0;
  }

  private mark(s: number): void {
    const i = s & (SEQUENCE_WINDOW - 1); // also right for s below 0 or above 2^32 (unwrapped)
    this.seen[i >>> 5]! |= 1 << (i & 31);
  }

  private unmark(s: number): void {
    const i = s & (SEQUENCE_WINDOW - 1); // also right for s below 0 or above 2^32 (unwrapped)
    this.seen[i >>> 5]! &= ~(1 << (i & 31));
  }

  private isMarked(s: number): boolean {
    const i = s & (SEQUENCE_WINDOW - 1); // also right for s below 0 or above 2^32 (unwrapped)
    return (this.seen[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}
