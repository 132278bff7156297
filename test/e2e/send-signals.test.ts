import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startFramewirePeer, waitForStderr } from '../support/peers.js';
import { freeUdpPort } from '../support/ports.js';
import { scratchDir } from '../support/scratch.js';

describe('e2e: send stops on SIGTERM at --fps max', function () {
  this.timeout(30_000);

  for (const native of ['1', '0']) {
    it(`with FRAMEWIRE_NATIVE=${native}: exits 0 long before --duration, stats reported`, async () => {
      const { dir, cleanup } = await scratchDir('send-signals');
      try {
        const report = path.join(dir, 'send.json');
        const args = ['send', '--fps', 'max', '--duration', '60', '--to', `127.0.0.1:${await freeUdpPort()}`, '--report', report];
        const sender = startFramewirePeer(args, { FRAMEWIRE_NATIVE: native });
        // Signalled once it is sending (its start line is out), however long a loaded machine takes to start it.
        await waitForStderr(sender, /framewire send: /);
        sender.child.kill('SIGTERM');
        const r = await sender.result;
        expect(r.code, r.stderr).to.equal(0);
        const stats = JSON.parse(await readFile(report, 'utf8'));
        expect(stats.framesSent).to.be.above(0);
        expect(stats.durationSec).to.be.below(30); // a sender deaf to signals would run the full 60 s
      } finally {
        await cleanup();
      }
    });
  }
});
