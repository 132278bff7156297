import { expect } from 'chai';
import { until } from '../../support/until.js';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { FrameGeometry } from '../../../src/frame.js';
import { createStreamReader, createStreamWriter, payloadFormat, type Wire } from '../../../src/rtp/index.js';
import { collector, makeFrame } from './helpers.js';

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

describe('payload formats over a real loopback socket', () => {
  for (const wire of ['rtp', 'raw'] as Wire[]) {
    it(`carries frames pixel-exact on the ${wire} wire with scatter-gather sends`, async () => {
      const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
      const rx = await bound();
      const tx = await bound();
      const c = collector();
      const d = createStreamReader(payloadFormat(wire), g, c.onFrame);
      rx.on('message', (msg) => d.push(msg, Date.now() * 1000));
      const p = createStreamWriter(payloadFormat(wire), g, { mtu: 1400 });
      const frames = [0, 1, 2].map((i) => makeFrame(g, i));
      for (const f of frames) {
        const { headers, headerOffsets: h, data, dataOffsets: o, count } = p.write(f);
        const sends: Promise<void>[] = [];
        for (let i = 0; i < count; i++) {
          sends.push(new Promise((resolve, reject) =>
            tx.send([headers.subarray(h[i], h[i + 1]), data.subarray(o[i], o[i + 1])], rx.address().port, '127.0.0.1',
              (err) => (err ? reject(err) : resolve())),
          ));
        }
        // The contract: every send of a frame completes before the next frame is written.
        await Promise.all(sends);
        await until(() => c.received.length > f.index, () => `frame ${f.index}, got ${c.received.length} frames`);
      }
      tx.close();
      rx.close();
      expect(c.received.map((r) => r.frame.data.equals(frames[r.frame.index]!.data))).to.deep.equal([true, true, true]);
      expect(d.stats.packetsLost + d.stats.packetsMalformed).to.equal(0);
    });
  }
});
