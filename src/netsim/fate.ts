/** What the simulator did to one packet. One JSON line of a trace is a PacketFate plus its direction. */

export type DropCause = 'loss' | 'queue' | 'drop-list';
export const DROP_CAUSES: readonly DropCause[] = ['loss', 'queue', 'drop-list'];

export interface PacketFate {
  /** 0-based position of the packet in its direction's sequence. */
  ordinal: number;
  fate: 'forwarded' | 'dropped';
  cause?: DropCause;
  duplicated: boolean;
  /** Index of the flipped bit in the datagram, or null. */
  corrupted: number | null;
  /** Sent ahead of the packets waiting in the delay queue. */
  reordered: boolean;
  /** Time from arrival to scheduled departure: queueing at the rate limit plus delay and jitter. */
  delayUs: number;
}

/** The fate being decided for the current packet; the chain reuses one, so nothing is allocated per packet. */
export class FateScratch implements PacketFate {
  ordinal = 0;
  fate: 'forwarded' | 'dropped' = 'forwarded';
  cause: DropCause | undefined = undefined;
  duplicated = false;
  corrupted: number | null = null;
  reordered = false;
  delayUs = 0;

  reset(ordinal: number): void {
    this.ordinal = ordinal;
    this.fate = 'forwarded';
    this.cause = undefined;
    this.duplicated = false;
    this.corrupted = null;
    this.reordered = false;
    this.delayUs = 0;
  }

  drop(cause: DropCause): void {
    this.fate = 'dropped';
    this.cause = cause;
  }

  copyFrom(f: PacketFate): void {
    this.reset(f.ordinal);
    this.fate = f.fate;
    this.cause = f.cause;
    this.duplicated = f.duplicated;
    this.corrupted = f.corrupted;
    this.reordered = f.reordered;
    this.delayUs = f.delayUs;
  }

  snapshot(): PacketFate {
    const f: PacketFate = {
      ordinal: this.ordinal,
      fate: this.fate,
      duplicated: this.duplicated,
      corrupted: this.corrupted,
      reordered: this.reordered,
      delayUs: this.delayUs,
    };
    if (this.cause) f.cause = this.cause;
    return f;
  }
}
