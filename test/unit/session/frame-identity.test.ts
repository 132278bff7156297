import { expect } from 'chai';
import { FrameNumbering, type FrameIdentity } from '../../../src/session/frame-identity.js';

/** 30 fps at 90 kHz. */
const PERIOD = 3000;
const SSRC = 7;

/** A frame as the receiver hands it over: its stamp index if one was read, its RTP timestamp, its receive ordinal. */
interface Seen {
  stamp?: number;
  ts?: number;
  ordinal: number;
  ssrc?: number;
}

function number(n: FrameNumbering, frames: Seen[]): Array<[number, string]> {
  return frames.map((f) => {
    const id: FrameIdentity = n.identify(f.stamp, f.ts, f.ssrc ?? SSRC, f.ordinal);
    return [id.index, id.indexFrom];
  });
}

describe('frame numbering', () => {
  it('numbers an unstamped frame from its timestamp, in the stamps\' numbering, so no number repeats', () => {
    // A receiver joined at sender frame 75. Frame 77 lost its stamp rows and was given up after frame 78 was whole;
    // frame 80 lost them too. The old rule numbered each by its receive ordinal: 2 and 5, or worse, 75 once more.
    const frames: Seen[] = [
      { stamp: 75, ts: 1000 + 75 * PERIOD, ordinal: 0 },
      { stamp: 76, ts: 1000 + 76 * PERIOD + 40, ordinal: 1 },
      { stamp: 78, ts: 1000 + 78 * PERIOD - 30, ordinal: 2 },
      { ts: 1000 + 77 * PERIOD + 900, ordinal: 3 },
      { stamp: 79, ts: 1000 + 79 * PERIOD, ordinal: 4 },
      { ts: 1000 + 80 * PERIOD - 1200, ordinal: 5 },
    ];
    expect(number(new FrameNumbering(), frames)).to.deep.equal([
      [75, 'stamp'], [76, 'stamp'], [78, 'stamp'], [77, 'rtpTimestamp'], [79, 'stamp'], [80, 'rtpTimestamp'],
    ]);
  });

  it('measures the frame period between the first and the latest stamped frames, over timestamps that wrap', () => {
    const base = 0xffff_ffff - 2 * PERIOD;
    const ts = (i: number): number => (base + i * PERIOD) >>> 0;
    const frames: Seen[] = [
      { stamp: 0, ts: ts(0), ordinal: 0 },
      { stamp: 4, ts: ts(4), ordinal: 1 },
      { ts: ts(2), ordinal: 2 },
      { ts: ts(9), ordinal: 3 },
    ];
    expect(number(new FrameNumbering(), frames)).to.deep.equal([[0, 'stamp'], [4, 'stamp'], [2, 'rtpTimestamp'], [9, 'rtpTimestamp']]);
  });

  it('falls back to the receive ordinal without a timestamp or before the period is known, unless told it', () => {
    const frames: Seen[] = [{ ordinal: 0 }, { stamp: 10, ts: 50_000, ordinal: 1 }, { ts: 53_000, ordinal: 2 }];
    expect(number(new FrameNumbering(), frames)).to.deep.equal([[0, 'ordinal'], [10, 'stamp'], [2, 'ordinal']]);
    // An SDP's frame rate gives the period before a second stamp does.
    expect(number(new FrameNumbering(PERIOD), frames)).to.deep.equal([[0, 'ordinal'], [10, 'stamp'], [11, 'rtpTimestamp']]);
    // The raw wire has no timestamps: stamps, else the order of arrival.
    expect(number(new FrameNumbering(), [{ stamp: 3, ordinal: 0 }, { stamp: 4, ordinal: 1 }, { ordinal: 2 }]))
      .to.deep.equal([[3, 'stamp'], [4, 'stamp'], [2, 'ordinal']]);
  });

  it('starts over for a new stream: another SSRC, or a sender restarted under the same one', () => {
    const n = new FrameNumbering();
    expect(number(n, [
      { stamp: 50, ts: 10_000, ordinal: 0 },
      { stamp: 51, ts: 13_000, ordinal: 1 },
      { stamp: 0, ts: 900_000, ordinal: 2, ssrc: 8 },
      { ts: 903_000, ordinal: 3, ssrc: 8 },
    ])).to.deep.equal([[50, 'stamp'], [51, 'stamp'], [0, 'stamp'], [3, 'ordinal']]);
    const restarted = new FrameNumbering();
    expect(number(restarted, [
      { stamp: 50, ts: 10_000, ordinal: 0 },
      { stamp: 51, ts: 13_000, ordinal: 1 },
      { stamp: 0, ts: 400_000, ordinal: 2 },
      { ts: 403_000, ordinal: 3 },
      { stamp: 2, ts: 406_000, ordinal: 4 },
      { ts: 409_000, ordinal: 5 },
    ])).to.deep.equal([[50, 'stamp'], [51, 'stamp'], [0, 'stamp'], [3, 'ordinal'], [2, 'stamp'], [3, 'rtpTimestamp']]);
  });
});
