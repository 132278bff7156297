import { expect } from 'chai';
import type { FrameGeometry } from '../../../src/frame.js';
import { createStreamReader, createStreamWriter, payloadFormat, type StreamWriter } from '../../../src/rtp/index.js';
import type { OnFrame } from '../../../src/session/assembler.js';
import { UsageError } from '../../../src/usage-error.js';
import { collector, makeFrame, packetsOf } from './helpers.js';

const rawWriter = (g: FrameGeometry): StreamWriter => createStreamWriter(payloadFormat('raw'), g, { mtu: 1500 });
const rawReader = (g: FrameGeometry, onFrame: OnFrame) => createStreamReader(payloadFormat('raw'), g, onFrame);

describe('raw wire', () => {
  const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };

  it('sends one header-less datagram per frame and receives it pixel-exact', () => {
    const p = rawWriter(g);
    const c = collector();
    const d = rawReader(g, c.onFrame);
    const frames = [0, 1, 2].map((i) => makeFrame(g, i));
    for (const f of frames) {
      const packets = p.write(f);
      expect(packets.count).to.equal(1);
      expect(packets.headerOffsets[1]! - packets.headerOffsets[0]!).to.equal(0);
      expect(packets.data).to.equal(f.data);
      expect([packets.dataOffsets[0], packets.dataOffsets[1]]).to.deep.equal([0, f.data.length]);
      d.push(Buffer.from(f.data), 7_000 + f.index);
    }
    expect(c.received.map((r) => r.frame.data.equals(frames[r.frame.index]!.data))).to.deep.equal([true, true, true]);
    expect(c.received[2]!.frame.captureTimeUs).to.equal(7_002);
    expect(c.received[2]!.info).to.include({ complete: true, bytesMissing: 0, packets: 1 });
    expect(d.stats).to.include({ framesComplete: 3, packetsMalformed: 0, packetsReceived: 3 });
  });

  it('counts a datagram of any other length as malformed', () => {
    const c = collector();
    const d = rawReader(g, c.onFrame);
    const good = packetsOf(rawWriter(g), makeFrame(g, 0))[0]!;
    for (const bad of [Buffer.alloc(0), good.subarray(1), Buffer.concat([good, Buffer.alloc(1)]), Buffer.alloc(12)]) {
      expect(() => d.push(bad, 0)).not.to.throw();
    }
    d.flush();
    expect(c.received).to.have.length(0);
    expect(d.stats).to.include({ packetsMalformed: 4, framesComplete: 0 });
  });

  it('refuses a frame too big for one datagram, naming the wire setting, raw and the size', () => {
    expect(() => rawWriter({ width: 160, height: 120, format: 'rgb24' })).not.to.throw();
    expect(() => rawWriter({ width: 320, height: 240, format: 'rgb24' }))
      .to.throw(UsageError, /^wire: raw .*230400 bytes/);
  });
});
