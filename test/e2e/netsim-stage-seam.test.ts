import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseNetworkConfig } from '../../src/netsim/config.js';
import type { FateScratch } from '../../src/netsim/fate.js';
import { startRelay } from '../../src/netsim/relay.js';
import { formatChainStats } from '../../src/netsim/report.js';
import { registerStage } from '../../src/netsim/stages/index.js';
import { numberText } from '../../src/netsim/stages/setting.js';
import { defineStage, type Stage } from '../../src/netsim/stages/stage.js';
import { readTrace } from '../../src/netsim/trace.js';
import { until } from '../support/until.js';

/**
 * A stage that exists only in this file: it drops every datagram whose first byte is `magicByte`. Registered
 * through the registry's API alone, it must get its setting parsed, run in the chain of a real relay and have
 * its drop cause counted, reported and traced like a built-in one.
 */
interface MagicByteSettings {
  /** -1: off. */
  magicByte: number;
}

class MagicByte implements Stage<MagicByteSettings> {
  private byte = -1;

  configure(settings: MagicByteSettings): void {
    this.byte = settings.magicByte;
  }

  apply(fate: FateScratch, datagram: Buffer): void {
    if (fate.fate === 'forwarded' && datagram.length > 0 && datagram[0] === this.byte) fate.drop('magic-byte');
  }
}

const BYTE = 'must be a byte (0 to 255)';
const magicByteStage = defineStage({
  name: 'magic-byte',
  settings: {
    magicByte: {
      schema: z.number({ error: BYTE }).int({ error: BYTE }).min(0, { error: BYTE }).max(255, { error: BYTE }),
      flag: { name: 'magic-byte', value: 'byte', help: 'drop datagrams starting with this byte', fromText: numberText },
    },
  },
  causes: ['magic-byte'],
  resolve: (raw): MagicByteSettings => ({ magicByte: raw.magicByte ?? -1 }),
  create: () => new MagicByte(),
});

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

describe('e2e: a netsim stage registered from outside the simulator', function () {
  this.timeout(30_000);
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('is configured, applied, counted, reported and traced through a real relay', async () => {
    cleanup.push(registerStage(magicByteStage, { after: 'drop-list' }));
    const server = await udp();
    const client = await udp();
    const got: number[] = [];
    server.on('message', (msg) => got.push(msg.readUInt32BE(1)));
    const trace = join(await mkdtemp(join(tmpdir(), 'netsim-seam-')), 'trace.jsonl');
    const relay = await startRelay({
      listen: { host: '127.0.0.1', port: 0 },
      to: { host: '127.0.0.1', port: server.address().port },
      network: parseNetworkConfig({ magicByte: 0x42, dropList: [1] }),
      seed: 7,
      record: trace,
    });
    cleanup.push(() => relay.close(), () => server.close(), () => client.close());

    // 90 datagrams, every third starting with 0x42; ordinal 1 is on the drop list (and does not start with it).
    const sent = 90;
    for (let i = 0; i < sent; i++) {
      const d = Buffer.alloc(16);
      d[0] = i % 3 === 0 ? 0x42 : 0x41;
      d.writeUInt32BE(i, 1);
      client.send(d, relay.address.port, '127.0.0.1');
      // A window at a time, so no socket buffer on the way can overflow.
      if (i % 30 === 29) {
        await until(
          () => relay.stats.forward.received === i + 1 && got.length === relay.stats.forward.forwarded,
          () => `relay received ${relay.stats.forward.received} of ${i + 1}, server got ${got.length}`,
        );
      }
    }
    const stats = await relay.close();

    expect(stats.forward.dropped).to.deep.equal({ loss: 0, queue: 0, dropList: 1, magicByte: 30 });
    expect(got).to.deep.equal([...Array(sent).keys()].filter((i) => i % 3 !== 0 && i !== 1));
    expect(formatChainStats(stats.forward)).to.contain(
      'received 90, forwarded 59, dropped 31 (loss 0, queue 0, drop-list 1, magic-byte 30)',
    );
    const lines = (await readFile(trace, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.cause === 'magic-byte').map((l) => l.ordinal)).to.deep.equal(
      [...Array(sent).keys()].filter((i) => i % 3 === 0),
    );
    // A trace naming the stage's cause reads back while the stage is registered.
    expect((await readTrace(trace)).forward.get(3)!.cause).to.equal('magic-byte');
  });

  it("names its setting in errors, and once removed, its setting and cause are unknown again", async () => {
    const unregister = registerStage(magicByteStage, { before: 'loss' });
    try {
      expect(() => parseNetworkConfig({ magicByte: 300 })).to.throw('network.magicByte: must be a byte (0 to 255)');
      expect(() => parseNetworkConfig({ timeline: [{ at: '1s', magicByte: 'x' }] })).to.throw(
        'network.timeline[0].magicByte: must be a byte (0 to 255)',
      );
    } finally {
      unregister();
    }
    expect(() => parseNetworkConfig({ magicByte: 1 })).to.throw("network.magicByte: unknown field 'magicByte'");
  });
});
