import { expect } from 'chai';
import { frameBytes, pixelGroup, type FrameGeometry } from '../../../src/frame.js';
import { UsageError } from '../../../src/usage-error.js';
import {
  collector,
  craftPacket,
  decodePacket,
  makeFrame,
  packetsOf,
  pushAll,
  rtpReader,
  rtpWriter,
  seededRandom,
  shuffleWithin,
} from './helpers.js';

const smallestMtu = (g: FrameGeometry) => 28 + 12 + 2 + 6 + pixelGroup(g.format).bytes;

const geometries: FrameGeometry[] = [
  { width: 161, height: 7, format: 'rgb24' },
  { width: 1, height: 1, format: 'rgb24' },
  { width: 160, height: 120, format: 'rgb24' },
  { width: 2, height: 1, format: 'uyvy' },
  { width: 642, height: 3, format: 'uyvy' },
];

function pair(g: FrameGeometry, mtu: number, framesInFlight?: number) {
  const p = rtpWriter(g, { mtu, ssrc: 7, initialSequence: 0xfff0, initialTimestamp: 0xfffff000 });
  const c = collector();
  const d = rtpReader(g, c.onFrame, framesInFlight ? { framesInFlight } : {});
  return { p, d, ...c };
}

describe('RFC 4175 stream reader and assembler', () => {
  describe('round trip', () => {
    for (const g of geometries) {
      const mtus = [1400, 576, 9000];
      if (frameBytes(g) < 10_000) mtus.push(smallestMtu(g));
      for (const mtu of mtus) {
        it(`is pixel-exact for ${g.width}x${g.height} ${g.format} at mtu ${mtu}, in order`, () => {
          const { p, d, received } = pair(g, mtu);
          const frames = [0, 1, 2, 3].map((i) => makeFrame(g, i));
          for (const f of frames) pushAll(d, packetsOf(p, f), 5_000 + f.index);
          expect(received.map((r) => r.frame.data.equals(frames[r.frame.index]!.data))).to.deep.equal([true, true, true, true]);
          for (const r of received) {
            expect(r.info).to.include({ complete: true, bytesMissing: 0, packets: p.write(frames[0]!).count, ssrc: 7 });
            expect(r.frame.captureTimeUs).to.equal(5_000 + r.frame.index);
          }
          expect(d.stats).to.include({ framesComplete: 4, framesIncomplete: 0, packetsLost: 0, packetsMalformed: 0 });
        });
      }
    }
  });

  it('reassembles packets shuffled across two frames in flight, emitting each frame when complete', () => {
    for (const g of geometries) {
      const { p, d, received } = pair(g, 576);
      const random = seededRandom(42);
      const frames = Array.from({ length: 8 }, (_, i) => makeFrame(g, i));
      const packets = frames.map((f) => packetsOf(p, f));
      for (let i = 0; i < frames.length; i += 2) {
        pushAll(d, shuffleWithin([...packets[i]!, ...packets[i + 1]!], random));
      }
      expect(received.length, `${g.width}x${g.height}`).to.equal(8);
      for (const r of received) {
        expect(r.info.complete).to.equal(true);
        const sent = frames.find((f) => packets[f.index]![0]!.readUInt32BE(4) === r.info.rtpTimestamp)!;
        expect(r.frame.data.equals(sent.data)).to.equal(true);
      }
      expect(received.map((r) => r.frame.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(d.stats).to.include({ packetsLost: 0, packetsLate: 0, packetsDuplicate: 0, framesComplete: 8 });
    }
  });

  it('counts duplicates once and never re-applies them', () => {
    const g: FrameGeometry = { width: 161, height: 7, format: 'rgb24' };
    const { p, d, received } = pair(g, 576);
    const frame = makeFrame(g, 3);
    const packets = packetsOf(p, frame);
    // Every packet twice, with a copy whose pixels differ: a duplicate that were re-applied would show.
    for (const x of packets) {
      d.push(x, 0);
      const tampered = Buffer.from(x);
      tampered.fill(0xee, tampered.length - 3);
      d.push(tampered, 0);
    }
    expect(received).to.have.length(1);
    expect(received[0]!.frame.data.equals(frame.data)).to.equal(true);
    expect(received[0]!.info.packets).to.equal(packets.length);
    // The sequence number decides first, so even the copy arriving after hand-over counts as a duplicate.
    expect(d.stats).to.include({ packetsDuplicate: packets.length, packetsLate: 0 });
    expect(d.stats.packetsLost).to.equal(0);
  });

  it('hands a frame with drops over as incomplete with its missing bytes zeroed and counted', () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
    const { p, d, received } = pair(g, 1400, 2);
    const frames = [0, 1, 2, 3].map((i) => makeFrame(g, i));
    const packets = frames.map((f) => packetsOf(p, f));
    const dropped = [3, 4, 17];
    pushAll(d, packets[0]!.filter((_, i) => !dropped.includes(i)));
    pushAll(d, packets[1]!);
    expect(received.map((r) => r.info.complete)).to.deep.equal([true]);
    pushAll(d, packets[2]!.slice(0, 1));
    // Frame 0 is still in flight beside frame 2; a packet of a third timestamp evicts it.
    pushAll(d, packets[3]!.slice(0, 1));
    const broken = received.find((r) => !r.info.complete)!;
    const missing = dropped.reduce((n, i) => n + decodePacket(packets[0]![i]!).data.length, 0);
    expect(broken.info.bytesMissing).to.equal(missing);
    expect(broken.info.packets).to.equal(packets[0]!.length - dropped.length);
    const expected = Buffer.from(frames[0]!.data);
    for (const i of dropped) {
      const first = decodePacket(packets[0]![i]!).segments[0]!;
      const start = first.line * 480 + first.offset * 3;
      expected.fill(0, start, start + decodePacket(packets[0]![i]!).data.length);
    }
    expect(broken.frame.data.equals(expected)).to.equal(true);
    expect(d.stats.packetsLost).to.equal(dropped.length + packets[2]!.length - 1);
    expect(d.stats.framesIncomplete).to.equal(1);
  });

  it('counts a frame short when its last packet (the marker) came with bytes missing, not when it was cut off before', () => {
    const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
    const { p, d, received } = pair(g, 1400, 3);
    const packets = [0, 1, 2].map((i) => packetsOf(p, makeFrame(g, i)));
    pushAll(d, packets[0]!.filter((_, i) => i !== 2)); // a hole in the middle: ends short
    pushAll(d, packets[1]!.slice(0, -1)); // cut off before its last packet: incomplete, not short
    pushAll(d, [packets[2]!.at(-1)!, ...packets[2]!.slice(0, -1)]); // the marker first, reordered: whole
    d.flush();
    expect(received.map((r) => r.info.complete)).to.deep.equal([true, false, false]);
    expect(d.stats).to.include({ framesComplete: 1, framesIncomplete: 2, framesShort: 1 });
  });

  it('clears a reused buffer, so a frame never shows an older frame through its holes', () => {
    const g: FrameGeometry = { width: 16, height: 16, format: 'rgb24' };
    const { p, d, received } = pair(g, 100, 1);
    pushAll(d, packetsOf(p, makeFrame(g, 0)));
    pushAll(d, packetsOf(p, makeFrame(g, 1)).slice(1));
    d.flush();
    expect(received[1]!.info.complete).to.equal(false);
    const holeBytes = received[1]!.info.bytesMissing;
    expect(received[1]!.frame.data.subarray(0, holeBytes).every((b) => b === 0)).to.equal(true);
  });

  it('counts packets for a frame already handed over as late, net of the loss they fill', () => {
    const g: FrameGeometry = { width: 161, height: 7, format: 'rgb24' };
    const { p, d, received } = pair(g, 576, 1);
    const packets = [0, 1, 2].map((i) => packetsOf(p, makeFrame(g, i)));
    pushAll(d, packets[0]!.filter((_, i) => i !== 1));
    pushAll(d, packets[1]!);
    pushAll(d, packets[2]!);
    expect(d.stats.packetsLost).to.equal(1);
    expect(received.map((r) => r.info.complete)).to.deep.equal([false, true, true]);
    d.push(packets[0]![1]!, 0);
    expect(d.stats).to.include({ packetsLate: 1, packetsLost: 0 });
    // A straggler with a fresh sequence number for a frame that completed: late, not a new frame.
    const straggler = Buffer.from(packets[1]![0]!);
    const next = decodePacket(packets[2]!.at(-1)!).sequence + 1;
    straggler.writeUInt16BE(next & 0xffff, 2);
    straggler.writeUInt16BE(next >>> 16, 12);
    d.push(straggler, 0);
    expect(d.stats).to.include({ packetsLate: 2, packetsLost: 0, packetsDuplicate: 0 });
    d.flush();
    expect(received).to.have.length(3);
  });

  it('flush hands over what is in flight, oldest first', () => {
    const g: FrameGeometry = { width: 161, height: 7, format: 'rgb24' };
    const { p, d, received } = pair(g, 576);
    const packets = [0, 1].map((i) => packetsOf(p, makeFrame(g, i)));
    pushAll(d, packets[1]!.slice(1));
    pushAll(d, packets[0]!.slice(1));
    d.flush();
    expect(received.map((r) => r.info.rtpTimestamp)).to.deep.equal(packets.map((x) => x[0]!.readUInt32BE(4)));
    expect(received.every((r) => !r.info.complete)).to.equal(true);
  });

  it('keeps up with 32-bit timestamp wrap-around when choosing the oldest frame', () => {
    const g: FrameGeometry = { width: 4, height: 1, format: 'rgb24' };
    const c = collector();
    const d = rtpReader(g, c.onFrame, { framesInFlight: 2 });
    const seg = [{ length: 6, line: 0, offset: 0 }];
    d.push(craftPacket({ sequence: 1, timestamp: 0xffffff00, ssrc: 1, segments: seg }), 0);
    d.push(craftPacket({ sequence: 2, timestamp: 0x00000100, ssrc: 1, segments: seg }), 0);
    d.push(craftPacket({ sequence: 3, timestamp: 0x00000200, ssrc: 1, segments: seg }), 0);
    expect(c.received.map((r) => r.info.rtpTimestamp)).to.deep.equal([0xffffff00]);
  });

  describe('SSRC', () => {
    const g: FrameGeometry = { width: 161, height: 7, format: 'rgb24' };
    const sender = (ssrc: number, initialSequence: number) =>
      rtpWriter(g, { mtu: 576, ssrc, initialSequence, initialTimestamp: 0 });

    it('follows the first SSRC and lets another take over only after 1 s of silence', () => {
      const c = collector();
      const d = rtpReader(g, c.onFrame);
      const a = sender(1, 100);
      const b = sender(2, 50_000);
      pushAll(d, packetsOf(a, makeFrame(g, 0, 0)), 1_000_000);
      const fromB = packetsOf(b, makeFrame(g, 1, 40_000));
      pushAll(d, fromB, 1_999_999);
      expect(d.stats.packetsForeignSsrc).to.equal(fromB.length);
      expect(c.received).to.have.length(1);
      // A's half frame is in flight when B takes over: it is handed over, not lost silently.
      pushAll(d, packetsOf(a, makeFrame(g, 2, 80_000)).slice(0, 2), 1_000_001);
      pushAll(d, fromB, 2_000_001);
      expect(d.stats.ssrcChanges).to.equal(1);
      expect(c.received.map((r) => [r.info.ssrc, r.info.complete])).to.deep.equal([[1, true], [1, false], [2, true]]);
      expect(c.received[2]!.frame.data.equals(makeFrame(g, 1).data)).to.equal(true);
      // B's sequence numbers are far from A's: the reset keeps them from counting as loss.
      expect(d.stats.packetsLost).to.equal(0);
    });

    it('takes a sender restarted under the same SSRC (new sequence and timestamps) as a new stream', () => {
      const c = collector();
      // No frame is given up on its deadline here (a 10 s budget): frames leave when whole, evicted or flushed.
      const d = rtpReader(g, c.onFrame, { ssrc: 5, latencyUs: 10_000_000 });
      const first = rtpWriter(g, { mtu: 576, ssrc: 5, initialSequence: 100, initialTimestamp: 2_000_000_000 });
      // Every frame loses its last packet; the fourth evicts the first, so the depacketizer retires a timestamp.
      for (let i = 0; i < 4; i++) pushAll(d, packetsOf(first, makeFrame(g, i, i * 40_000)).slice(0, -1), i * 40_000);
      // Restarted: sequence numbers far away and timestamps "older" than every frame already handed over.
      const again = rtpWriter(g, { mtu: 576, ssrc: 5, initialSequence: 3_000_000_000, initialTimestamp: 0 });
      for (let i = 0; i < 4; i++) pushAll(d, packetsOf(again, makeFrame(g, 10 + i, i * 40_000)), 1_000_000 + i * 40_000);
      d.flush();
      // The restart is confirmed by its second packet, so its first frame lacks the first packet; the rest arrive whole.
      const restarted = c.received.filter((r) => r.info.rtpTimestamp! < 1_000_000);
      expect(restarted.map((r) => r.info.complete)).to.deep.equal([true, true, true, false]);
      expect(restarted[2]!.frame.data.equals(makeFrame(g, 13).data)).to.equal(true);
      expect(d.stats).to.include({ packetsLate: 0, packetsMalformed: 1, framesComplete: 3 });
    });

    it('stays pinned to options.ssrc however long it is silent', () => {
      const c = collector();
      const d = rtpReader(g, c.onFrame, { ssrc: 2 });
      const fromA = packetsOf(sender(1, 0), makeFrame(g, 0));
      pushAll(d, fromA, 0);
      pushAll(d, fromA.map((x) => Buffer.from(x)), 10_000_000);
      expect(d.stats).to.include({ packetsForeignSsrc: 2 * fromA.length, ssrcChanges: 0 });
      pushAll(d, packetsOf(sender(2, 0), makeFrame(g, 1)), 20_000_000);
      expect(c.received.map((r) => r.info.ssrc)).to.deep.equal([2]);
    });
  });

  it('rejects a bad framesInFlight, ssrc or latency setting with a UsageError naming the setting', () => {
    const g: FrameGeometry = { width: 2, height: 2, format: 'rgb24' };
    expect(() => rtpReader(g, () => {}, { framesInFlight: 0 })).to.throw(UsageError, /^framesInFlight: /);
    expect(() => rtpReader(g, () => {}, { ssrc: 2 ** 32 })).to.throw(UsageError, /^ssrc: /);
    expect(() => rtpReader(g, () => {}, { latencyUs: -1 })).to.throw(UsageError, /^latency: /);
  });
});
