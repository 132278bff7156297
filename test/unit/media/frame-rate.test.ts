import { expect } from 'chai';
import { FrameSpan, frameWindowUs, perSecond } from '../../../src/frame-rate.js';

/** `n` frames exactly 1/fps apart, at wall-clock microseconds, as a span. */
function paced(n: number, fps: number): FrameSpan {
  const span = new FrameSpan();
  for (let i = 0; i < n; i++) span.add(1.7e15 + (i * 1e6) / fps);
  return span;
}

describe('frame rate: N frames over N frame periods', () => {
  it('measures the nominal rate of a paced stream of 1, 5 and 20 frames', () => {
    for (const [n, fps] of [[1, 1], [5, 30], [20, 50]] as const) {
      const window = paced(n, fps).windowUs(1e6 / fps);
      expect(window, `${n} frames`).to.be.closeTo((n * 1e6) / fps, 1); // µs since 1970 are exact to 1/4 µs
      expect(perSecond(n, window), `${n} frames`).to.be.closeTo(fps, 1e-3);
    }
  });

  it('measures the period from the frames when it is not known: (N - 1) intervals over the span', () => {
    const span = paced(20, 50);
    expect(perSecond(20, span.windowUs())).to.be.closeTo(50, 1e-3);
    // Arrival order does not matter: the span runs from the earliest frame to the latest.
    const shuffled = new FrameSpan();
    for (const t of [40_000, 0, 20_000, 60_000, 80_000]) shuffled.add(t);
    expect(shuffled.windowUs()).to.equal(100_000);
  });

  it('has no window, so no rate, for one frame of unknown period or none at all', () => {
    expect(paced(1, 30).windowUs()).to.equal(0);
    expect(perSecond(1, paced(1, 30).windowUs())).to.equal(0);
    expect(frameWindowUs(0, 0, 33_333)).to.equal(0);
  });

  it('counts fewer frames than the window holds as a lower rate (complete frames over all that came)', () => {
    expect(perSecond(10, paced(20, 50).windowUs(20_000))).to.be.closeTo(25, 1e-6);
  });
});
