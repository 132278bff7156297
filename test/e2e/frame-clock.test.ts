import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { createPatternSource } from '../../src/sources/pattern.js';
import { Sender, type SentFrame } from '../../src/transport/sender.js';

describe('e2e: a generated source on the sender\'s frame clock', () => {
  it('gives every frame the RTP timestamp and capture time of its slot, even when the sender stalls', async () => {
    const sink = createSocket('udp4');
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
    try {
      const source = await createPatternSource('ball', { width: 160, height: 120, format: 'rgb24' });
      const sent: SentFrame[] = [];
      const fps = 50;
      const sender = await Sender.open(source, {
        to: { host: '127.0.0.1', port: sink.address().port }, wire: 'rtp', mtu: 1400, fps, frames: 8, pacing: 'burst',
        onFrameSent: (frame) => {
          sent.push(frame);
          // A machine too busy to run the sender for three frame periods, right after frame 2.
          if (frame.index === 2) for (const until = performance.now() + 60; performance.now() < until;);
        },
      });
      await sender.run();
      await source.close();
      // Frames made late still carry their slot's time: the stamp and RTP timestamp stay a frame's identity.
      const slots = (values: number[], period: number) => values.map((v) => ((v - values[0]!) | 0) / period);
      expect(slots(sent.map((f) => f.rtpTimestamp!), 90_000 / fps)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(slots(sent.map((f) => f.captureTimeUs), 1e6 / fps).map(Math.round)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      sink.close();
    }
  });
});
