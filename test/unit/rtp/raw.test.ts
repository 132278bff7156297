import { expect } from 'chai';
import type { FrameGeometry } from '../../../src/frame.js';
import { RawDepacketizer, RawPacketizer } from '../../../src/rtp/raw.js';
import { UsageError } from '../../../src/usage-error.js';
import { collector, makeFrame, packetsOf } from './helpers.js';

describe('raw wire', () => {
  const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };

  it('sends one header-less datagram per frame and receives it pixel-exact', () => {
    const p = new RawPacketizer(g);
    const c = collector();
    const d = new RawDepacketizer(g, c.onFrame);
    const frames = [0, 1, 2].map((i) => makeFrame(g, i));
    for (const f of frames) {
      const emitted: [Buffer, Buffer][] = [];
      p.packetize(f, (h, payload) => emitted.push([h, payload]));
      expect(emitted).to.have.length(1);
      expect(emitted[0]![0].length).to.equal(0);
      expect(emitted[0]![1]).to.equal(f.data);
      d.push(Buffer.from(emitted[0]![1]), 7_000 + f.index);
    }
    expect(c.received.map((r) => r.frame.data.equals(frames[r.frame.index]!.data))).to.deep.equal([true, true, true]);
    expect(c.received[2]!.frame.captureTimeUs).to.equal(7_002);
    expect(c.received[2]!.info).to.include({ complete: true, bytesMissing: 0, packets: 1 });
    expect(d.stats).to.include({ framesComplete: 3, packetsMalformed: 0, packetsReceived: 3 });
  });

  it('counts a datagram of any other length as malformed', () => {
    const c = collector();
    const d = new RawDepacketizer(g, c.onFrame);
    const good = packetsOf(new RawPacketizer(g), makeFrame(g, 0))[0]!;
    for (const bad of [Buffer.alloc(0), good.subarray(1), Buffer.concat([good, Buffer.alloc(1)]), Buffer.alloc(12)]) {
      expect(() => d.push(bad, 0)).not.to.throw();
    }
    d.flush();
    expect(c.received).to.have.length(0);
    expect(d.stats).to.include({ packetsMalformed: 4, framesComplete: 0 });
  });

  it('refuses a frame too big for one datagram, naming --wire raw and the size', () => {
    expect(() => new RawPacketizer({ width: 160, height: 120, format: 'rgb24' })).not.to.throw();
    expect(() => new RawPacketizer({ width: 320, height: 240, format: 'rgb24' }))
      .to.throw(UsageError, /--wire raw: .*230400 bytes/);
  });
});
