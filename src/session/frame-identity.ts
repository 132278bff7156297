/** Where a received frame's index came from. */
export type IndexSource = 'stamp' | 'rtpTimestamp' | 'ordinal';

export interface FrameIdentity {
  index: number;
  indexFrom: IndexSource;
}

/** A stamped frame: the sender's index for one RTP timestamp of the stream. */
interface Anchor {
  index: number;
  timestamp: number;
}

/** b - a on 32-bit RTP timestamps, which wrap (RFC 1982 serial numbers). */
function serialDiff(b: number, a: number): number {
  return (b - a) | 0;
}

/** Two stamped frames belong to one numbering: later indices come with later timestamps (not a restarted sender). */
function sameLine(a: Anchor, b: Anchor): boolean {
  const di = b.index - a.index;
  const dt = serialDiff(b.timestamp, a.timestamp);
  return di === 0 ? dt === 0 : dt !== 0 && di > 0 === dt > 0;
}

/**
 * Numbers the frames a receiver hands over so that no two frames of a stream share a number, and says how each was
 * numbered: by the sender's stamp when it can be read; else from the frame's RTP timestamp, counted in frame periods
 * from the latest stamped frame; else (no timestamp on the raw wire, or no frame period known yet) by the order
 * frames were handed over. The frame period is the stream's nominal one when the receiver knows it (an SDP's frame
 * rate), else measured between the first and the latest stamped frames. A derived index is exact while the sender's
 * timestamps stay within half a frame period of its frame clock, as a paced sender's do.
 *
 * Keeping the unstamped frames in the stamps' numbering is what keeps numbers unique: an incomplete frame whose
 * stamp rows were lost used to take its receive ordinal, which a stamped frame of the same stream also had.
 */
export class FrameNumbering {
  private ssrc: number | undefined;
  private first: Anchor | undefined;
  private latest: Anchor | undefined;

  /** `periodTicks`: the nominal frame period in RTP clock ticks, when known. */
  constructor(private readonly periodTicks?: number) {}

  identify(stampIndex: number | undefined, rtpTimestamp: number | undefined, ssrc: number | undefined, ordinal: number): FrameIdentity {
    if (ssrc !== this.ssrc) {
      // Another stream: its timestamps start from another random offset.
      this.ssrc = ssrc;
      this.first = undefined;
      this.latest = undefined;
    }
    if (stampIndex !== undefined) {
      if (rtpTimestamp !== undefined) this.anchor({ index: stampIndex, timestamp: rtpTimestamp });
      return { index: stampIndex, indexFrom: 'stamp' };
    }
    const period = this.period();
    if (rtpTimestamp !== undefined && this.latest && period !== undefined) {
      const index = this.latest.index + Math.round(serialDiff(rtpTimestamp, this.latest.timestamp) / period);
      if (index >= 0 && index <= 0xffffffff) return { index, indexFrom: 'rtpTimestamp' };
    }
    return { index: ordinal, indexFrom: 'ordinal' };
  }

  private anchor(a: Anchor): void {
    // A sender restarted under the same SSRC numbers from 0 again: measure the period on its new line only.
    if (this.first === undefined || !sameLine(this.first, a)) this.first = a;
    this.latest = a;
  }

  private period(): number | undefined {
    if (this.periodTicks !== undefined) return this.periodTicks;
    const { first, latest } = this;
    if (!first || !latest || latest.index === first.index) return undefined;
    return serialDiff(latest.timestamp, first.timestamp) / (latest.index - first.index);
  }
}
