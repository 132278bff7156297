import { expect } from 'chai';
import type { ParsedRtpHeader } from '../../../../src/rtp/rtp-header.js';
import type { ReceiveContext } from '../../../../src/session/interceptor.js';
import { TimingAnalysis } from '../../../../src/session/interceptors/timing-analysis.js';

const SSRC = 0x1234;
const PACKETS = 1000;
const FRAME_US = 1e6 / 30;

/** An analyzer bound to a context that follows SSRC, optionally told the frame rate (as an SDP would). */
function analyzer(fps?: number): TimingAnalysis {
  const a = new TimingAnalysis({ fps });
  a.bind({ clockRate: 90000, ssrc: SSRC } as ReceiveContext);
  return a;
}

interface Stream {
  /** Arrival of packet j of a frame, µs after the frame's start. */
  at: (j: number) => number;
  frames?: number;
  ssrc?: number;
  /** Packets (frame, j) that never arrive. */
  lost?: (frame: number, j: number) => boolean;
}

/** Feeds `frames` frames of PACKETS packets at 30 fps (RTP timestamps 3000 apart) through the analyzer. */
function feed(a: TimingAnalysis, { at, frames = 6, ssrc = SSRC, lost }: Stream): void {
  let sequence = 65500; // wraps inside the run
  for (let f = 0; f < frames; f++) {
    for (let j = 0; j < PACKETS; j++, sequence = (sequence + 1) & 0xffff) {
      if (lost?.(f, j)) continue;
      const h: ParsedRtpHeader = {
        marker: j === PACKETS - 1, payloadType: 96, sequence, timestamp: (4294960000 + f * 3000) >>> 0, ssrc,
        payloadStart: 12, payloadEnd: 1212,
      };
      a.onPacketIn(Buffer.alloc(0), h, 1.7e15 + f * FRAME_US + at(j));
    }
  }
}

const linear = (j: number): number => (j * FRAME_US) / PACKETS;
const gapped = (j: number): number => (j * FRAME_US * (720 / 750)) / PACKETS;

describe('TimingAnalysis over synthetic arrivals', () => {
  it('calls a perfectly linear sender narrow with nothing queued, every frame but the first analyzed', () => {
    const a = analyzer(30);
    feed(a, { at: linear });
    const r = a.report();
    expect(r).to.include({ verdict: 'narrow', cinstMax: 0, vrxMax: 0, framesAnalyzed: 5, framesSkipped: 1, packetsPerFrame: PACKETS });
    expect(r).to.include({ cmaxNarrow: 4, cmaxWide: 16, vrxFullNarrow: 8, vrxFullWide: 720, schedule: 'linear', fps: 30, fpsFrom: 'sdp' });
    // Within the 0.25 µs a double resolves today's wall-clock µs to.
    expect(r.firstPacketOffsetUs!.max - r.firstPacketOffsetUs!.min).to.be.at.most(0.5);
    expect(a.latest?.timing).to.include({ packets: PACKETS, cinstMax: 0, vrxMax: 0, schedule: 'linear', verdict: 'narrow' });
  });

  it('calls a gapped sender (the vertical blanking left empty) gapped and narrow', () => {
    const a = analyzer(30);
    feed(a, { at: gapped });
    expect(a.report()).to.include({ verdict: 'narrow', cinstMax: 0, vrxMax: 0, schedule: 'gapped' });
  });

  it('calls a frame sent in one burst non-conformant: every packet queued', () => {
    const a = analyzer(30);
    feed(a, { at: () => 0 });
    expect(a.report()).to.include({ verdict: 'non-conformant', cinstMax: PACKETS - 1, vrxMax: PACKETS - 1 });
    expect(a.report().frames).to.deep.equal({ narrow: 0, wide: 0, 'non-conformant': 5 });
  });

  it('calls batches of 8 on schedule wide (Cinst 7 over CMAX narrow 4) and batches of 20 non-conformant', () => {
    // Each batch leaves when its last packet is due, as a pacer that sends small batches does.
    const batches = (b: number) => (j: number): number => linear(Math.floor(j / b) * b + b - 1);
    const wide = analyzer(30);
    feed(wide, { at: batches(8) });
    expect(wide.report()).to.include({ verdict: 'wide', cinstMax: 7, vrxMax: 7 });
    const bursty = analyzer(30);
    feed(bursty, { at: batches(20) });
    expect(bursty.report()).to.include({ verdict: 'non-conformant', cinstMax: 19 });
  });

  it('measures the frame rate from RTP timestamps when no SDP gives it', () => {
    const a = analyzer();
    feed(a, { at: linear });
    expect(a.report()).to.include({ verdict: 'narrow', fps: 30, fpsFrom: 'rtp', framesAnalyzed: 5 });
  });

  it('skips frames with a lost packet, and follows the media stream only', () => {
    const a = analyzer(30);
    // A packet in mid-frame, and the first ten of a frame (it would look whole, but short, from its eleventh on).
    feed(a, { at: linear, lost: (f, j) => (f === 3 && j === 100) || (f === 4 && j < 10) });
    feed(a, { at: (j) => j * 0.5, ssrc: 0x9999 }); // a burst on another SSRC (RTX, a stray sender): not this stream's
    expect(a.report()).to.include({ verdict: 'narrow', framesAnalyzed: 3, framesSkipped: 3, packetsPerFrame: PACKETS });
  });

  it('takes a late packet of a closed frame for that frame\'s, not the start of another', () => {
    const a = analyzer(30);
    feed(a, { at: linear, frames: 3 });
    // Frame 1's first packet again, after frame 2's marker: late (or duplicated) on the way.
    a.onPacketIn(Buffer.alloc(0), {
      marker: false, payloadType: 96, sequence: 1, timestamp: (4294960000 + 3000) >>> 0, ssrc: SSRC, payloadStart: 12, payloadEnd: 1212,
    }, 1.8e15);
    expect(a.report()).to.include({ framesAnalyzed: 2, framesSkipped: 1 });
  });

  it('shows a late first packet as the frame\'s first-packet offset against its RTP timestamp', () => {
    const a = analyzer(30);
    // Frame 4 starts 500 µs late (and stays on schedule within itself).
    let frame = 0;
    feed(a, { at: (j) => { if (j === 0) frame++; return linear(j) + (frame === 5 ? 500 : 0); } });
    const { min, max } = a.report().firstPacketOffsetUs!;
    expect(min).to.be.closeTo(0, 0.5);
    expect(max).to.be.closeTo(500, 0.5);
  });
});
