import { expect } from 'chai';
import type { FrameGeometry } from '../../../src/frame.js';
import { SSRC_TAKEOVER_US } from '../../../src/rtp/index.js';
import { collector, makeFrame, packetsOf, rtpReader, rtpWriter } from './helpers.js';

const g: FrameGeometry = { width: 32, height: 8, format: 'rgb24' };

/**
 * A sender restarted under the same SSRC (pinned with --ssrc) starts a new random timestamp line and sequence: the
 * reader must hand over the frame the old one left half-sent and follow the new one, whatever its numbers.
 */
describe('stream reader: a sender restarted under the same SSRC', () => {
  for (const [label, timestamps] of [['timestamp line ahead', [0x1000, 0x9000_0000]], ['timestamp line behind', [0x9000_0000, 0x1000]]] as const) {
    it(`after a silence: the half frame is given up and every new frame is whole (${label})`, () => {
      const { received, onFrame } = collector();
      const reader = rtpReader(g, onFrame);
      const old = rtpWriter(g, { mtu: 200, ssrc: 7, initialSequence: 100, initialTimestamp: timestamps[0] });
      let t = 1_000_000;
      for (let k = 0; k < 3; k++) for (const d of packetsOf(old, makeFrame(g, k, k * 16_667))) reader.push(d, (t += 10));
      const half = packetsOf(old, makeFrame(g, 3, 3 * 16_667));
      for (const d of half.slice(0, half.length / 2)) reader.push(d, (t += 10));
      // The same sequence numbers again, which a tracker that did not restart would call duplicates.
      const fresh = rtpWriter(g, { mtu: 200, ssrc: 7, initialSequence: 100, initialTimestamp: timestamps[1] });
      t += SSRC_TAKEOVER_US + 200_000;
      for (let k = 0; k < 5; k++) for (const d of packetsOf(fresh, makeFrame(g, 10 + k, k * 16_667))) reader.push(d, (t += 10));
      reader.flush();
      expect(received.map((r) => r.info.complete)).to.deep.equal([true, true, true, false, true, true, true, true, true]);
      expect(received.slice(4).every((r, k) => r.frame.data.equals(makeFrame(g, 10 + k).data))).to.equal(true);
      expect(reader.stats).to.include({ framesComplete: 8, framesIncomplete: 1, packetsDuplicate: 0, packetsLate: 0, ssrcChanges: 0 });
    });
  }

  it('at once: the first packet of the new line waits for a second to agree, so only the first new frame is short', () => {
    const { received, onFrame } = collector();
    const reader = rtpReader(g, onFrame);
    const old = rtpWriter(g, { mtu: 200, ssrc: 7, initialSequence: 5, initialTimestamp: 0x5000 });
    let t = 1_000_000;
    for (let k = 0; k < 2; k++) for (const d of packetsOf(old, makeFrame(g, k, k * 16_667))) reader.push(d, (t += 10));
    const fresh = rtpWriter(g, { mtu: 200, ssrc: 7, initialSequence: 9, initialTimestamp: 0xa000_0000 });
    for (let k = 0; k < 3; k++) for (const d of packetsOf(fresh, makeFrame(g, 10 + k, k * 16_667))) reader.push(d, (t += 10));
    reader.flush();
    // The short frame waits for its deadline, so it is handed over after the two whole ones that followed it.
    expect(received.map((r) => r.info.complete)).to.deep.equal([true, true, true, true, false]);
    expect(received[4]!.info.bytesMissing).to.be.above(0).and.below(makeFrame(g, 0).data.length / 4);
    expect(reader.stats.packetsMalformed).to.equal(1);
  });

  it('a stream cut off for a minute (a relay restarted) is not a restart: its timestamps kept time, its loss is counted', () => {
    const { received, onFrame } = collector();
    const reader = rtpReader(g, onFrame);
    const w = rtpWriter(g, { mtu: 200, ssrc: 7, initialSequence: 5, initialTimestamp: 0x5000 });
    let lost = 0;
    for (let k = 0; k < 3700; k++) {
      // Frames at 60 fps; those of the minute from the 100th on never arrive.
      const packets = packetsOf(w, makeFrame(g, k, k * 16_667));
      if (k >= 100 && k < 3700 - 3) lost += packets.length;
      else packets.forEach((d, i) => reader.push(d, 1_000_000 + k * 16_667 + i));
    }
    reader.flush();
    expect(received.every((r) => r.info.complete)).to.equal(true);
    expect(reader.stats).to.include({ framesComplete: 103, packetsLost: lost, packetsMalformed: 0 });
  });

  it('a single packet with a far timestamp (corrupted) flushes nothing', () => {
    const { received, onFrame } = collector();
    const reader = rtpReader(g, onFrame);
    const w = rtpWriter(g, { mtu: 200, ssrc: 7, initialSequence: 5, initialTimestamp: 0x5000 });
    const packets = packetsOf(w, makeFrame(g, 0));
    const corrupt = Buffer.from(packets[1]!);
    corrupt[4]! ^= 0x40; // a bit of the timestamp's high byte
    let t = 1_000_000;
    reader.push(packets[0]!, (t += 10));
    reader.push(corrupt, (t += 10));
    for (const d of packets.slice(1)) reader.push(d, (t += 10));
    expect(received.map((r) => r.info.complete)).to.deep.equal([true]);
    expect(reader.stats.packetsMalformed).to.equal(1);
  });
});
