/** What the simulator did to one packet. One JSON line of a trace is a PacketFate plus its direction. */

/**
 * Why a packet was dropped, as traces write it: lowercase words joined by dashes, each starting with a letter
 * ('drop-list'). Each stage declares the causes it gives (stages/index.ts lists them all); stats count each under
 * its camelCase key ('dropList'), which maps back to the cause because every word starts with a letter.
 */
export type DropCause = string;

export function isDropCause(name: string): boolean {
  return /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/.test(name);
}

/** 'drop-list' -> 'dropList', the cause's key in ChainStats.dropped (and so in JSON reports). */
export function causeKey(cause: DropCause): string {
  return cause.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** 'dropList' -> 'drop-list'. */
export function causeOfKey(key: string): DropCause {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

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
