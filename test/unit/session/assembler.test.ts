import { expect } from 'chai';
import type { FrameGeometry } from '../../../src/frame.js';
import { FrameAssembler, MAX_FRAMES_IN_FLIGHT, MAX_GROWN_FRAMES, MAX_POOL_BYTES } from '../../../src/session/assembler.js';
import { collector, makeFrame, packetsOf, rtpReader, rtpWriter } from '../rtp/helpers.js';

const g: FrameGeometry = { width: 161, height: 7, format: 'rgb24' };

/** Frames of the same stream as datagrams: frame i at capture time i * 40 ms. */
function stream(count: number): Buffer[][] {
  const w = rtpWriter(g, { mtu: 576, ssrc: 3, initialSequence: 0, initialTimestamp: 0 });
  return Array.from({ length: count }, (_, i) => packetsOf(w, makeFrame(g, i, i * 40_000)));
}

describe('FrameAssembler deadlines', () => {
  it('gives an incomplete frame up when its deadline passes, not before, and counts its straggler as late', () => {
    const c = collector();
    const d = rtpReader(g, c.onFrame, { latencyUs: 20_000 });
    const [a, b] = stream(2);
    for (const p of a!.slice(1)) d.push(p, 0);
    d.push(b![0]!, 1_000); // frame b starts: a has until 21 ms
    d.assembler.expire(20_999);
    expect(c.received).to.have.length(0);
    expect(d.assembler.nextDeadlineUs).to.equal(21_000);
    d.assembler.expire(21_000);
    expect(c.received.map((r) => r.info.complete)).to.deep.equal([false]);
    expect(c.received[0]!.info.bytesMissing).to.be.greaterThan(0);
    expect(d.assembler.nextDeadlineUs).to.equal(Infinity);
    d.push(a![0]!, 21_001);
    expect(d.stats).to.include({ packetsLate: 1, framesIncomplete: 1 });
  });

  it('hands an incomplete frame over with its holes zeroed, in a buffer a complete frame used before', () => {
    const c = collector();
    const d = rtpReader(g, c.onFrame, { latencyUs: 20_000, framesInFlight: 1 });
    const [a, b, next] = stream(3);
    for (const p of a!) d.push(p, 0); // whole: leaves frame 0's pixels in the one buffer
    expect(c.received.map((r) => r.info.complete)).to.deep.equal([true]);
    for (const [i, p] of b!.entries()) if (i !== 2) d.push(p, 40_000);
    d.push(next![0]!, 80_000); // frame 2 needs the buffer: frame 1 is given up
    const given = c.received[1]!;
    expect(given.info.complete).to.equal(false);
    // Frame 1 as sent where its packets came; zeros, not frame 0's leftovers, where one did not.
    const sent = makeFrame(g, 1, 40_000).data;
    const old = makeFrame(g, 0).data;
    let hole = 0;
    let leftovers = 0;
    for (let k = 0; k < sent.length; k++) {
      if (given.frame.data[k] === sent[k]) continue;
      hole++;
      if (given.frame.data[k] !== 0) leftovers++;
    }
    expect(leftovers, 'bytes of the hole not zeroed').to.equal(0);
    expect(hole).to.be.greaterThan(0).and.at.most(given.info.bytesMissing);
    expect(old.equals(sent)).to.equal(false);
  });

  it('lets a packet that arrives within the deadline complete its frame, which is then not late', () => {
    const c = collector();
    const d = rtpReader(g, c.onFrame, { latencyUs: 20_000 });
    const [a, b] = stream(2);
    for (const p of a!.slice(1)) d.push(p, 0);
    for (const p of b!) d.push(p, 1_000);
    expect(c.received.map((r) => r.info.complete)).to.deep.equal([true]);
    d.push(a![0]!, 20_999); // a retransmission, say, in time
    expect(c.received.map((r) => r.info.complete)).to.deep.equal([true, true]);
    expect(c.received[1]!.frame.data.equals(makeFrame(g, 0).data)).to.equal(true);
    expect(d.stats).to.include({ packetsLate: 0, framesComplete: 2, framesIncomplete: 0, packetsLost: 0 });
  });

  it('checks deadlines as packets arrive, so a busy stream needs no timer', () => {
    const c = collector();
    const d = rtpReader(g, c.onFrame, { latencyUs: 5_000 });
    const frames = stream(4);
    frames.forEach((packets, i) => {
      for (const p of packets.slice(i === 0 ? 1 : 0)) d.push(p, i * 40_000);
    });
    // Frame 0 (one packet short) was given up by the first packet to arrive after 45 ms, before frame 2 began.
    expect(c.received.map((r) => [r.info.rtpTimestamp, r.info.complete])).to.deep.equal([
      [3600, true], [0, false], [7200, true], [10800, true],
    ]);
  });

  it('puts a frame that starts after a newer one (reordered) on the clock at once', () => {
    const c = collector();
    const d = rtpReader(g, c.onFrame, { latencyUs: 10_000 });
    const [a, b] = stream(2);
    d.push(b![0]!, 0);
    d.push(a![0]!, 1_000); // older frame's first packet, after the newer frame started
    expect(d.assembler.nextDeadlineUs).to.equal(11_000);
  });

  it('grows its pool rather than give up a frame still within its deadline, up to a bound, and counts what that evicts', () => {
    const c = collector();
    const d = rtpReader(g, c.onFrame, { latencyUs: 1_000_000 });
    // Small frames: the bound is the frame count, not the bytes (a 2 s NACK budget at 60 fps is 120 frames in flight).
    expect(d.assembler.maxPoolSize).to.equal(MAX_GROWN_FRAMES);
    const frames = stream(MAX_GROWN_FRAMES + 2);
    // Every frame one packet short, all within a second: none may be given up until the pool is at its bound.
    frames.forEach((packets, i) => { for (const p of packets.slice(1)) d.push(p, i * 1_000); });
    expect(d.assembler.poolSize).to.equal(MAX_GROWN_FRAMES);
    expect(c.received).to.have.length(2);
    expect(d.stats).to.include({ framesIncomplete: 2, framesEvicted: 2 });
    d.flush();
    expect(c.received).to.have.length(MAX_GROWN_FRAMES + 2);
    expect(c.received.every((r) => !r.info.complete)).to.equal(true);
    expect(d.stats.framesEvicted, 'flushed at the end, not evicted').to.equal(2);
  });

  it('bounds a growing pool by bytes for big frames, never below MAX_FRAMES_IN_FLIGHT', () => {
    const at = (geometry: FrameGeometry): number => new FrameAssembler(geometry, 3, () => {}).maxPoolSize;
    expect(at({ width: 1920, height: 1080, format: 'rgb24' })).to.equal(Math.floor(MAX_POOL_BYTES / (1920 * 1080 * 3)));
    expect(at({ width: 7680, height: 4320, format: 'rgb24' })).to.equal(MAX_FRAMES_IN_FLIGHT);
  });

  it('keeps a fixed pool when framesInFlight is given, evicting the oldest as before', () => {
    const c = collector();
    const d = rtpReader(g, c.onFrame, { framesInFlight: 2, latencyUs: 1_000_000 });
    const frames = stream(3);
    frames.forEach((packets, i) => { for (const p of packets.slice(1)) d.push(p, i * 1_000); });
    expect(d.assembler.poolSize).to.equal(2);
    expect(c.received.map((r) => r.info.rtpTimestamp)).to.deep.equal([0]);
    expect(d.stats.framesEvicted).to.equal(1);
  });

  it('refuses a unit size that does not divide the frame (a format bug)', () => {
    expect(() => new FrameAssembler(g, 4, () => {})).to.throw(/does not divide/);
  });
});
