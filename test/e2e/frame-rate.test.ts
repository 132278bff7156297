import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runScenario } from '../../src/harness/run-scenario.js';
import type { FrameRecord } from '../../src/transport/receiver.js';
import { framewire } from '../support/cli.js';
import { finished, killLeftoverPeers, startFramewirePeer, startFramewireReceiver, waitForStderr } from '../support/peers.js';
import { freeUdpPort } from '../support/ports.js';
import { scratchDir } from '../support/scratch.js';

/**
 * One definition of fps everywhere (README, docs/harness.md): N frames over N frame periods, the window running from
 * the first frame to the last plus one frame period (the nominal 1/fps when known, else the mean interval). Each
 * rate below is checked against the same definition computed here, from the frames' own times: capture times from
 * their stamps, arrival times from the frame log.
 */
describe('e2e: fps is N frames over N frame periods (send, receive, run)', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('frame-rate')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  const json = async (file: string) => JSON.parse(await readFile(file, 'utf8'));
  const captureUs = (r: { arrivalUs?: number; latencyMs?: number }): number => r.arrivalUs! - r.latencyMs! * 1000;
  const spanSec = (times: number[]): number => (Math.max(...times) - Math.min(...times)) / 1e6;

  it('send: one frame at 1 fps is 1 fps over one second, and the summary says "1 frame"', async () => {
    const report = path.join(dir, 'send.json');
    const r = await framewire(['send', '--frames', '1', '--fps', '1', '--to', `127.0.0.1:${await freeUdpPort()}`, '--report', report]);
    expect(r.code, r.stderr).to.equal(0);
    expect(await json(report)).to.include({ framesSent: 1, fps: 1, durationSec: 1 });
    expect(r.stderr).to.match(/framewire send: 1 frame, \d+ packets over 1\.00 s \(1\.0 fps, /);
  });

  it('send --duration 1 at 30 fps sends the 30 frames a second holds', async () => {
    const report = path.join(dir, 'send.json');
    const r = await framewire(['send', '--duration', '1', '--fps', '30', '--to', `127.0.0.1:${await freeUdpPort()}`, '--report', report]);
    expect(r.code, r.stderr).to.equal(0);
    expect((await json(report)).framesSent).to.equal(30);
  });

  for (const [frames, fps] of [[5, 30], [20, 50]] as const) {
    it(`send and receive of ${frames} frames at ${fps} fps agree with the definition computed from the frames`, async () => {
      const sendReport = path.join(dir, 'send.json');
      const receiveReport = path.join(dir, 'receive.json');
      const { peer, port } = await startFramewireReceiver(['--frames', String(frames), '--timeout', '10', '--report', receiveReport]);
      const sent = await framewire(['send', '--frames', String(frames), '--fps', String(fps), '--to', `127.0.0.1:${port}`, '--report', sendReport]);
      expect(sent.code, sent.stderr).to.equal(0);
      expect((await finished(peer, 15_000)).code).to.equal(0);
      const s = await json(sendReport);
      const r = await json(receiveReport);
      const records = (await readFile(r.framesLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as FrameRecord);
      expect(records.map((f) => f.complete)).to.deep.equal(new Array(frames).fill(true));

      // Sender: the frames' capture times (from their stamps), first to last, plus the nominal period 1/fps.
      const sendWindow = spanSec(records.map(captureUs)) + 1 / fps;
      expect(s.durationSec).to.be.closeTo(sendWindow, 1e-5);
      expect(s.fps).to.be.closeTo(frames / sendWindow, 1e-3);
      // Receiver: arrival times, first to last, plus the mean interval between them (no nominal rate known).
      const receiveWindow = (spanSec(records.map((f) => f.arrivalUs)) * frames) / (frames - 1);
      expect(r.durationSec).to.be.closeTo(receiveWindow, 1e-5);
      expect(r.fps).to.be.closeTo(frames / receiveWindow, 0.006);
    });
  }

  it('receive: one frame gives no rate, unless the SDP says the frame rate', async () => {
    const report = path.join(dir, 'receive.json');
    const alone = await startFramewireReceiver(['--frames', '1', '--timeout', '10', '--report', report]);
    await framewire(['send', '--frames', '1', '--to', `127.0.0.1:${alone.port}`]);
    const received = await finished(alone.peer, 15_000);
    expect(received.code, received.stderr).to.equal(0);
    expect(await json(report)).to.include({ framesComplete: 1, fps: 0, durationSec: 0 });
    expect(received.stderr).to.include('rates not measured');

    const sdp = path.join(dir, 'stream.sdp');
    const stream = ['--fps', '25', '--to', `127.0.0.1:${await freeUdpPort()}`, '--rtcp-mux'];
    expect((await framewire(['send', '--frames', '1', ...stream, '--sdp', sdp])).code).to.equal(0);
    const described = startFramewirePeer(['receive', '--sdp', sdp, '--rtcp-mux', '--frames', '1', '--timeout', '10', '--report', report]);
    await waitForStderr(described, /framewire receive: /);
    await framewire(['send', '--frames', '1', ...stream]);
    expect((await finished(described, 15_000)).code).to.equal(0);
    expect(await json(report)).to.include({ framesComplete: 1, fps: 25, durationSec: 0.04 });
  });

  it('run: fps and fpsSent over the sending window of 1, 5 and 20 frames at 50 fps, as the sender measures it', async () => {
    for (const frames of [1, 5, 20]) {
      const report = await runScenario({ name: `${frames} frames`, size: '160x120', fps: 50, frames });
      expect(report.frames.map((f) => f.fate), `${frames} frames`).to.deep.equal(new Array(frames).fill('complete'));
      const window = spanSec(report.frames.map(captureUs)) + 1 / 50;
      expect(report.fpsSent, `${frames} frames`).to.be.closeTo(frames / window, 0.006);
      expect(report.fps, `${frames} frames`).to.equal(report.fpsSent);
      expect(report.sender.fps, `${frames} frames`).to.be.closeTo(frames / window, 1e-3);
    }
  });
});
