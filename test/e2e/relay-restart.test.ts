import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { udpDrained } from '../../bench/proc.js';
import { readFrameLog } from '../support/frame-log.js';
import { finished, interrupt, killLeftoverPeers, startFramewirePeer, waitForStderr, type Peer } from '../support/peers.js';
import { freeUdpPort } from '../support/ports.js';
import { scratchDir } from '../support/scratch.js';
import { STARTUP_MS } from '../support/startup.js';
import { until } from '../support/until.js';

/** Whole frames to see through the new relay before the sender is stopped. */
const FRAMES_AFTER = 30;
/** How long the relay stays dead before it is started again (its start-up adds to the gap). */
const OUTAGE_MS = 1000;

/**
 * The netsim relay process between a sender and a receiver SIGKILLed mid-run and started again on the same port; the
 * sender (30 fps) is stopped with SIGTERM once 30 frames have come through the new relay, however long it took to start.
 * "The gap is reported" means, for `receive`: the packets sent while the relay was down are counted as lost (their
 * sequence numbers never came), the frames of that time are missing from the frame log (their stamps' numbers
 * skipped, the log's arrival times jump), and the frames after it are whole again. Nothing hangs: sender, receiver
 * and the new relay all end normally.
 */
describe('e2e: the netsim relay killed and restarted mid-run', function () {
  this.timeout(240_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await scratchDir('relay-restart')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  async function relay(listenPort: number, toPort: number): Promise<Peer> {
    const peer = startFramewirePeer(['netsim', '--listen', `127.0.0.1:${listenPort}`, '--to', `127.0.0.1:${toPort}`, '--seed', '1']);
    await waitForStderr(peer, /relaying/, STARTUP_MS);
    return peer;
  }

  it('the receiver reports the gap as lost packets and missing frames, then assembles again; nothing hangs', async () => {
    const reportFile = path.join(dir, 'receive.json');
    const sendReport = path.join(dir, 'send.json');
    const logFile = path.join(dir, 'receive.frames.jsonl');
    const receiver = startFramewirePeer(['receive', '--listen', '127.0.0.1:0', '--report', reportFile]);
    const port = Number((await waitForStderr(receiver, /framewire receive: 127\.0\.0\.1:(\d+) /, STARTUP_MS))[1]);
    const relayPort = await freeUdpPort();
    const first = await relay(relayPort, port);
    const sender = startFramewirePeer(['send', '--duration', '600', '--fps', '30', '--to', `127.0.0.1:${relayPort}`, '--report', sendReport]);
    let seen = 0;
    const refresh = async (): Promise<void> => { seen = (await readFrameLog(logFile)).length; };
    await until(() => seen >= 30, () => `30 frames through the first relay, got ${seen}`, 60_000, refresh);
    first.child.kill('SIGKILL');
    expect((await finished(first, 10_000)).code, 'killed').to.equal(null);
    await refresh();
    const atKill = seen;
    await sleep(OUTAGE_MS);
    const second = await relay(relayPort, port);
    await until(() => seen >= atKill + FRAMES_AFTER + 2, () => `${FRAMES_AFTER} frames through the new relay`, 60_000, refresh);
    sender.child.kill('SIGTERM');
    const sent = await finished(sender, 60_000);
    expect(sent.code, sent.stderr).to.equal(0);
    await udpDrained(relayPort);
    await udpDrained(port);
    const received = await interrupt(receiver);
    expect(received.code, received.stderr).to.equal(0);
    expect((await interrupt(second)).code).to.equal(0);

    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    const senderReport = JSON.parse(await readFile(sendReport, 'utf8'));
    const log = await readFrameLog(logFile);
    const complete = log.filter((r) => r.complete && r.indexFrom === 'stamp').map((r) => r.index);
    // One gap: whole frames up to it and from it to the last.
    const gapAt = complete.findIndex((n, i) => i > 0 && n !== complete[i - 1]! + 1);
    expect(gapAt, `complete frames ${complete.join(',')}`).to.be.above(0);
    const [before, after] = [complete.slice(0, gapAt), complete.slice(gapAt)];
    expect(before).to.deep.equal(Array.from({ length: before.length }, (_, i) => i));
    expect(after).to.deep.equal(Array.from({ length: after.length }, (_, i) => after[0]! + i));
    expect(after.length).to.be.at.least(FRAMES_AFTER);
    const missing = after[0]! - before.length;
    expect(missing, 'frames lost while the relay was down (30 fps)').to.be.at.least((OUTAGE_MS / 1000) * 30);
    // At most a frame cut at each edge: the relay's kill, its restart (a paced frame spans its whole period, so the new
    // relay may come up mid-frame) and the sender's stop.
    expect(log.filter((r) => !r.complete).length).to.be.at.most(3);
    const lastBefore = log.find((r) => r.index === before.at(-1))!;
    const firstAfter = log.find((r) => r.index === after[0])!;
    expect(firstAfter.arrivalUs - lastBefore.arrivalUs, 'arrival gap in the frame log, µs').to.be.at.least(OUTAGE_MS * 1000);
    // Every packet the sender sent either came or is counted lost: nothing else lost it on loopback. What the pacer
    // still held at SIGTERM (up to the rest of a frame and the next, queued ahead) never left, and no later sequence
    // number shows it lost, so the sender's report says how many; a frame's worth of slack is left for the packets
    // of the last frame that left but were not yet read when the receiver stopped.
    const unaccounted = senderReport.packetsSent - (senderReport.pacing.unsent ?? 0) - report.packetsReceived - report.packetsLost;
    expect(unaccounted, JSON.stringify(senderReport)).to.be.within(0, 45);
    expect(report.packetsLost).to.be.at.least((missing - 2) * 40);
    expect(received.stderr).to.include(`${report.packetsLost} lost`);
  });
});
