import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SSRC_TAKEOVER_US } from '../../src/rtp/index.js';
import { CuttingForwarder } from '../support/cutting-forwarder.js';
import { readFrameLog } from '../support/frame-log.js';
import { finished, interrupt, killLeftoverPeers, startFramewirePeer, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { STARTUP_MS } from '../support/startup.js';
import { until } from '../support/until.js';

/**
 * A sender process SIGKILLed in the middle of a frame (half of its packets out), then started again: with a new
 * SSRC, and with the same one (--ssrc). The receiver hands over the cut frame as one incomplete frame and assembles
 * the new process's stream whole. The restart comes after the takeover time (SSRC_TAKEOVER_US) of silence, as a
 * supervisor restarting a crashed sender would take.
 */
describe('e2e: a sender killed mid-frame and restarted', function () {
  this.timeout(240_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let forwarder: CuttingForwarder | undefined;
  beforeEach(async () => ({ dir, cleanup } = await scratchDir('restart')));
  afterEach(async () => {
    await forwarder?.close();
    forwarder = undefined;
    await killLeftoverPeers();
    await cleanup();
  });

  for (const sameSsrc of [false, true]) {
    it(sameSsrc ? 'same SSRC (--ssrc): one incomplete frame, then the new stream whole' : 'new SSRC: one incomplete frame, then the new stream whole', async () => {
      const reportFile = path.join(dir, 'receive.json');
      const receiver = startFramewirePeer(['receive', '--listen', '127.0.0.1:0', '--report', reportFile]);
      const port = Number((await waitForStderr(receiver, /framewire receive: 127\.0\.0\.1:(\d+) /, STARTUP_MS))[1]);
      forwarder = await CuttingForwarder.open(port);
      const ssrc = sameSsrc ? ['--ssrc', '4242'] : [];
      const stream = ['--fps', '30', '--to', `127.0.0.1:${forwarder.port}`, ...ssrc];
      const first = startFramewirePeer(['send', ...stream, '--frames', '300']);
      let killedAt = 0;
      // 160x120 rgb24 is 42 packets a frame at the default MTU: the cut lets 20 of the 10th frame's out.
      forwarder.cutAfter(10, 20, () => {
        killedAt = Date.now();
        first.child.kill('SIGKILL');
      });
      const killed = await finished(first, 120_000);
      expect(killed.code, `killed, not ended (forwarded ${forwarder.forwarded})`).to.equal(null);
      await sleep(Math.max(0, killedAt + SSRC_TAKEOVER_US / 1000 + 200 - Date.now()));
      const second = await finished(startFramewirePeer(['send', ...stream, '--frames', '20']), 30_000);
      expect(second.code, second.stderr).to.equal(0);
      const records = (): Promise<number> => readFrameLog(path.join(dir, 'receive.frames.jsonl')).then((r) => r.length);
      let seen = 0;
      await until(() => seen >= 31, () => `31 frames handed over, got ${seen} (forwarded ${forwarder!.forwarded}); ${receiver.output()}`, 60_000, async () => { seen = await records(); });
      const received = await interrupt(receiver);
      expect(received.code, received.stderr).to.equal(0);
      const report = JSON.parse(await readFile(reportFile, 'utf8'));
      const log = await readFrameLog(path.join(dir, 'receive.frames.jsonl'));
      expect(log.map((r) => r.complete), JSON.stringify(log.map((r) => [r.index, r.indexFrom, r.complete]))).to.deep.equal([...Array(10).fill(true), false, ...Array(20).fill(true)]);
      expect(report, JSON.stringify(report)).to.include({ framesComplete: 30, framesIncomplete: 1, framesCorrupt: 0, ssrcChanges: sameSsrc ? 0 : 1 });
    });
  }
});
