import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FrameGeometry } from '../../src/frame.js';
import { SSRC_TAKEOVER_US } from '../../src/rtp/index.js';
import { readFrameLog } from '../support/frame-log.js';
import { startHijacker } from '../support/hijacker.js';
import { finished, interrupt, killLeftoverPeers, startFramewirePeer, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { STARTUP_MS } from '../support/startup.js';
import { until } from '../support/until.js';

const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
const FRAMES = 150;

/**
 * A second sender of valid-looking RTP on another SSRC, on the same port as a live stream (a framewire send
 * process): it is counted as foreign while the live sender talks, and takes over only once that sender has been
 * silent for the takeover time (SSRC_TAKEOVER_US), which the receiver's own frame log times.
 */
describe('e2e: a second SSRC on a live stream', function () {
  this.timeout(240_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await scratchDir('hijack')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  it('never takes over while the live sender talks, and only after it has been silent for the takeover time', async () => {
    const reportFile = path.join(dir, 'receive.json');
    const logFile = path.join(dir, 'receive.frames.jsonl');
    const receiver = startFramewirePeer(['receive', '--listen', '127.0.0.1:0', '--report', reportFile]);
    const port = Number((await waitForStderr(receiver, /framewire receive: 127\.0\.0\.1:(\d+) /, STARTUP_MS))[1]);
    const live = startFramewirePeer(['send', '--ssrc', '1', '--frames', String(FRAMES), '--fps', '30', '--to', `127.0.0.1:${port}`]);
    let records = await readFrameLog(logFile);
    const refresh = async (): Promise<void> => { records = await readFrameLog(logFile); };
    const stamped = (): number => records.filter((r) => r.indexFrom === 'stamp' && r.complete).length;
    // The hijacker starts once the receiver follows the live stream, and keeps going after it ends.
    await until(() => stamped() >= 3, () => `3 live frames, got ${stamped()}`, 60_000, refresh);
    const hijacker = startHijacker(g, port);
    const sent = await finished(live, 120_000);
    expect(sent.code, sent.stderr).to.equal(0);
    const foreign = (): number => records.filter((r) => r.indexFrom !== 'stamp' && r.complete).length;
    await until(() => foreign() >= 5, () => `5 frames of the second sender after the takeover, got ${foreign()}`, 60_000, refresh);
    await hijacker.stop();
    const received = await interrupt(receiver);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    await refresh();

    const liveFrames = records.filter((r) => r.indexFrom === 'stamp');
    expect(liveFrames.filter((r) => r.complete).map((r) => r.index)).to.deep.equal(Array.from({ length: FRAMES }, (_, i) => i));
    expect(report.ssrcChanges).to.equal(1);
    expect(report.packetsForeignSsrc, 'the second sender\'s packets while the live one talked').to.be.at.least(100);
    const lastLive = Math.max(...liveFrames.map((r) => r.arrivalUs));
    const firstTaken = Math.min(...records.filter((r) => r.indexFrom !== 'stamp').map((r) => r.arrivalUs));
    expect(firstTaken - lastLive, 'silence before the takeover, µs').to.be.at.least(SSRC_TAKEOVER_US);
    expect(hijacker.sent).to.be.above(report.packetsForeignSsrc);
  });
});
