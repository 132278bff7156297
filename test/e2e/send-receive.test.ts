import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { framewire } from '../support/cli.js';
import { finished, killLeftoverPeers, startFramewireReceiver } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';

describe('e2e: framewire send | framewire receive over loopback', function () {
  this.timeout(30_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('e2e')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  it('delivers 30 stamped frames at full speed and reports them with the documented fields', async () => {
    const reportFile = path.join(dir, 'report.json');
    const { peer: receiver, port } = await startFramewireReceiver(['--frames', '30', '--timeout', '5', '--report', reportFile]);

    const sent = await framewire(['send', '--frames', '30', '--fps', 'max', '--to', `127.0.0.1:${port}`]);
    const received = await finished(receiver, 10_000);

    expect(sent.code, sent.stderr).to.equal(0);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report).to.include({
      framesComplete: 30, framesIncomplete: 0, framesCorrupt: 0, packetsLost: 0, packetsDuplicate: 0, packetsMalformed: 0,
    });
    expect(report.packetsReceived).to.be.above(30); // 160x120 rgb24 takes several packets a frame
    // The rates follow from the counts and the span they were taken over, which the wall-clock run bounds.
    expect(report.durationSec).to.be.above(0).and.below(10);
    expect(report.fps).to.be.closeTo(report.framesComplete / report.durationSec, report.fps * 0.01 + 0.01);
    expect(report.bitrateMbps).to.be.closeTo((report.bytesReceived * 8) / report.durationSec / 1e6, report.bitrateMbps * 0.01 + 0.001);
    expect(report.latencyMs).to.have.all.keys('p50', 'p95', 'p99', 'max');
    const { p50, p95, p99, max } = report.latencyMs;
    expect(p50).to.be.above(0).and.at.most(p95);
    expect(p95).to.be.at.most(p99);
    expect(p99).to.be.at.most(max);
    // Per-frame records stream beside the report, one JSON line each, rather than sitting in memory.
    expect(report.framesLog).to.equal(path.join(dir, 'report.frames.jsonl'));
    const frames = (await readFile(report.framesLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(report).to.include({ framesLogged: 30, framesLogDropped: 0 });
    expect(frames).to.have.length(30);
    frames.forEach((f: { index: number; complete: boolean; latencyMs?: number }, i: number) => {
      // Pattern frames are stamped, so each record carries the sender's index and a measured latency.
      expect(f, `frame record ${i}`).to.include({ index: i, complete: true });
      // Capture to arrival on one machine: more than nothing, and less than the whole run.
      expect(f.latencyMs, `frame record ${i}`).to.be.a('number').above(0).and.below(10_000);
    });
  });
});
