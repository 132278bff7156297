import { expect } from 'chai';
import { measureFrame, scheduleOf } from '../../../../src/session/timing/frame-timing.js';
import {
  RACTIVE_PROGRESSIVE, readSpacing, timingLimits, verdictOf, worseVerdict,
} from '../../../../src/session/timing/st2110-21.js';

/** 1080p59.94, 4:2:2 10-bit, 1200-byte payloads: 4320 packets a frame (the stream LIST and MTL are checked with). */
const PACKETS_1080P = 4320;
const TFRAME_5994 = 1001 / 60000;

describe('ST 2110-21 model parameters', () => {
  it('RACTIVE is 0.96 for every progressive raster the standard lists', () => {
    for (const [active, total] of [[720, 750], [1080, 1125], [2160, 2250]]) expect(active! / total!).to.equal(RACTIVE_PROGRESSIVE);
  });

  it('gives the 1080p59.94 limits worked by hand', () => {
    // CMAX narrow: 4320 / (43200 x 0.96 x 0.0166833) = 4320 / 691.89 = 6.24 -> 6
    // CMAX wide: 4320 / (21600 x 0.0166833) = 4320 / 360.36 = 11.99 -> 11, below the floor of 16
    // VRX_FULL narrow: 4320 / (27000 x 0.0166833) = 4320 / 450.45 = 9.59 -> 9
    // VRX_FULL wide: 4320 / (300 x 0.0166833) = 4320 / 5.005 = 863.1 -> 863
    expect(timingLimits(PACKETS_1080P, TFRAME_5994, RACTIVE_PROGRESSIVE)).to.deep.equal({
      cmaxNarrow: 6, cmaxWide: 16, vrxFullNarrow: 9, vrxFullWide: 863,
    });
  });

  it('floors small streams at 4, 16, 8 and 720 packets', () => {
    // 720p30 of 200 packets: every quotient is below 1.
    expect(timingLimits(200, 1 / 30, RACTIVE_PROGRESSIVE)).to.deep.equal({
      cmaxNarrow: 4, cmaxWide: 16, vrxFullNarrow: 8, vrxFullWide: 720,
    });
  });

  it('spaces reads over the frame (linear) or its active part (gapped)', () => {
    // 1080p59.94: 16683.3 us / 4320 = 3.862 us linear; x 0.96 = 3.707 us gapped.
    expect(readSpacing(TFRAME_5994 * 1e6, PACKETS_1080P, 'linear', 0.96)).to.be.closeTo(3.862, 0.001);
    expect(readSpacing(TFRAME_5994 * 1e6, PACKETS_1080P, 'gapped', 0.96)).to.be.closeTo(3.707, 0.001);
  });

  it('rates a frame narrow, wide or non-conformant, in that order, and a stream by its worst frame', () => {
    const limits = timingLimits(PACKETS_1080P, TFRAME_5994, 0.96);
    expect(verdictOf(6, 9, limits)).to.equal('narrow');
    expect(verdictOf(7, 9, limits)).to.equal('wide');
    expect(verdictOf(6, 10, limits)).to.equal('wide');
    expect(verdictOf(16, 863, limits)).to.equal('wide');
    expect(verdictOf(17, 0, limits)).to.equal('non-conformant');
    expect(verdictOf(0, 864, limits)).to.equal('non-conformant');
    expect(worseVerdict('narrow', 'wide')).to.equal('wide');
    expect(worseVerdict('non-conformant', 'wide')).to.equal('non-conformant');
  });
});

/** Arrival offsets of `count` packets sent in batches of `batch`, one batch every batch x `spacingUs`. */
function batched(count: number, batch: number, spacingUs: number): Float64Array {
  return Float64Array.from({ length: count }, (_, j) => Math.floor(j / batch) * batch * spacingUs);
}

describe('Cinst and VRX of one frame', () => {
  const trs = 10;

  it('a sender exactly on the read schedule has nothing queued: Cinst 0, VRX 0', () => {
    expect(measureFrame(batched(500, 1, trs), 500, trs)).to.deep.equal({ cinstMax: 0, vrxMax: 0 });
  });

  it('a frame sent in one burst has every packet queued: Cinst and VRX of count - 1', () => {
    expect(measureFrame(new Float64Array(500), 500, trs)).to.deep.equal({ cinstMax: 499, vrxMax: 499 });
  });

  it('batches of B on schedule queue B - 1 packets in both models', () => {
    // Each batch finds the bucket empty (the last one drained B x 1.1 packets' worth since): Cinst B - 1;
    // a_j = kBT - (kB + r + 1)T = -(r + 1)T spreads over (B - 1)T, so VRX B - 1.
    for (const b of [4, 8, 20]) {
      expect(measureFrame(batched(400, b, trs), 400, trs)).to.deep.equal({ cinstMax: b - 1, vrxMax: b - 1 });
    }
  });

  it('a stall of 30 TRS in mid-frame, then a catch-up burst, shows in both', () => {
    // Packets 0-199 on time; 200 arrives 30 TRS late and 201-229 with it; then on time again.
    const offsets = Float64Array.from({ length: 400 }, (_, j) => (j >= 200 && j < 230 ? 230 * trs : j * trs));
    const m = measureFrame(offsets, 400, trs);
    // The bucket is empty when the 30 late packets land, together with 230 (on time at 2300): Cinst 30. (Counting drains from the frame's first
    // packet, as MTL does, gives 229 - floor(2300 x 1.1 / 10) < 0: the stall's unused drains would hide the burst.)
    expect(m.cinstMax).to.equal(30);
    // a spans from -10 (on time) to 2300 - 2010 = 290 (packet 200): 300 / 10 = 30 packets of buffer.
    expect(m.vrxMax).to.equal(30);
  });

  it('never counts more packets in the buffer than are ahead of the arriving one', () => {
    // 50 packets in a burst at 0, the other 50 on schedule but 10 ms late: the schedule must start 10 ms late, and the
    // burst's packets wait ~1,050 reads (the Media Transport Library's figure) while at most 49 are ever queued.
    const offsets = Float64Array.from({ length: 100 }, (_, j) => (j < 50 ? 0 : 10000 + j * trs));
    expect(measureFrame(offsets, 100, trs).vrxMax).to.equal(49);
  });

  it('tells a gapped schedule from a linear one by the share of the frame period its packets span', () => {
    // 100 packets over 1000 us: linear spans 990, gapped 0.96 x 990 = 950.4; the line is halfway, 970.2.
    expect(scheduleOf(990, 100, 1000, 0.96)).to.equal('linear');
    expect(scheduleOf(971, 100, 1000, 0.96)).to.equal('linear');
    expect(scheduleOf(969, 100, 1000, 0.96)).to.equal('gapped');
    expect(scheduleOf(950.4, 100, 1000, 0.96)).to.equal('gapped');
  });
});
