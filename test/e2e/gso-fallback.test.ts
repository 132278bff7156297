import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FrameGeometry } from '../../src/frame.js';
import { createPatternSource } from '../../src/sources/pattern.js';
import { Sender } from '../../src/transport/sender.js';
import { framewireCommand } from '../support/cli.js';
import { envForSuite } from '../support/native.js';
import { finished, killLeftoverPeers, startPeer, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';

const run = promisify(execFile);

/**
 * The kernel refusing UDP GSO, for real: the receiver sits in a network namespace behind a veth pair whose MTU
 * (1280) is below the sender's 1,400-byte packets, so a GSO message (whose segments must each fit the route's MTU) is
 * refused with EINVAL, while a plain datagram is fragmented and goes through. The sender must notice, go on one
 * datagram a message, lose nothing to it, and say so (sendPath 'sendmmsg', pacing.gso false).
 */
describe('e2e: a route that refuses UDP GSO (veth with MTU 1280)', function () {
  this.timeout(60_000);
  const ns = `fwgso${process.pid}`;
  const subnet = `10.231.${process.pid % 250}`;
  const local = `fwg${process.pid % 100000}a`;
  const remote = `fwg${process.pid % 100000}b`;
  const g: FrameGeometry = { width: 320, height: 240, format: 'rgb24' };
  let dir: string;
  let cleanup: () => Promise<void>;
  envForSuite({ FRAMEWIRE_NATIVE: undefined, FRAMEWIRE_GSO: undefined });

  before(async () => {
    const ip = (...args: string[]) => run('ip', args);
    await ip('netns', 'add', ns);
    await ip('link', 'add', local, 'mtu', '1280', 'type', 'veth', 'peer', 'name', remote, 'mtu', '1280');
    await ip('link', 'set', remote, 'netns', ns);
    await ip('addr', 'add', `${subnet}.1/30`, 'dev', local);
    await ip('link', 'set', local, 'up');
    await ip('-n', ns, 'addr', 'add', `${subnet}.2/30`, 'dev', remote);
    await ip('-n', ns, 'link', 'set', remote, 'up');
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  });
  after(async () => {
    await run('ip', ['netns', 'del', ns]).catch(() => undefined); // takes the veth pair with it
  });
  beforeEach(async () => ({ dir, cleanup } = await scratchDir('gso-fallback')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  for (const [label, fps, pacing] of [
    ['a burst (sendmmsg of whole frames)', 'max', 'burst'],
    ['a paced stream (the native send thread)', 30, 'linear'],
  ] as const) {
    it(`sends ${label} one datagram a message once the kernel refuses GSO, every frame whole`, async () => {
      const frames = 20;
      const report = path.join(dir, 'receive.json');
      const receiver = startPeer('ip', ['netns', 'exec', ns, process.execPath, ...framewireCommand([
        'receive', '--listen', `${subnet}.2:0`, '--size', `${g.width}x${g.height}`, '--frames', String(frames),
        '--timeout', '20', '--report', report,
      ])]);
      const port = Number((await waitForStderr(receiver, new RegExp(`framewire receive: ${subnet.replaceAll('.', '\\.')}\\.2:(\\d+) `)))[1]);
      const sender = await Sender.open(await createPatternSource('smpte', g), {
        to: { host: `${subnet}.2`, port }, wire: 'rtp', mtu: 1400, fps, pacing, frames,
      });
      const stats = await sender.run();
      expect((await finished(receiver, 20_000)).code).to.equal(0);
      const received = JSON.parse(await readFile(report, 'utf8'));

      expect(stats.sendPath, 'the path the frames went by').to.equal('sendmmsg');
      if (pacing === 'linear') expect(stats.pacing.gso).to.equal(false);
      expect(stats.sendErrors).to.equal(0);
      expect(received).to.include({ framesComplete: frames, packetsLost: 0 });
    });
  }
});
