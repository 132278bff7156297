import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { udpDrained, udpSocket, vmRssMb } from '../../bench/proc.js';
import { earliestSchedule, readFrameLog } from '../support/frame-log.js';
import { finished, interrupt, killLeftoverPeers, startFramewirePeer, startPeer, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { STARTUP_MS } from '../support/startup.js';

const FLOOD_SECONDS = 3;
const FPS = 30;
const FRAMES = 150;
const PERIOD_US = 1e6 / FPS;

/**
 * A receiver (a framewire process) under a garbage flood from another process at the highest rate the native
 * sender reaches (sendmmsg, batches of 64), while a real sender streams 160x120 at 30 fps through it all. The kernel's
 * count of what it dropped at the receiver's socket (/proc/net/udp) is the independent instrument: every datagram sent
 * was either read and counted by the receiver or dropped and counted by the kernel.
 */
describe('e2e: a receiver under a garbage flood', function () {
  this.timeout(240_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await scratchDir('flood')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  it('keeps running with flat memory, counts every datagram, and assembles the real stream within a frame of the flood ending', async () => {
    const reportFile = path.join(dir, 'receive.json');
    const sendReport = path.join(dir, 'send.json');
    const receiver = startFramewirePeer(['receive', '--listen', '127.0.0.1:0', '--report', reportFile]);
    const port = Number((await waitForStderr(receiver, /framewire receive: 127\.0\.0\.1:(\d+) /, STARTUP_MS))[1]);
    const pid = receiver.child.pid!;
    const dropsBefore = (await udpSocket(port))!.drops;
    const rssBefore = (await vmRssMb(pid))!;

    const flood = startPeer(process.execPath, ['--import', 'tsx', 'test/support/flood.ts', '127.0.0.1', String(port), String(FLOOD_SECONDS), '7']);
    await waitForStderr(flood, /flooding/, STARTUP_MS);
    // The real stream starts during the flood and runs past its end (5 s of paced frames from a start after the flood's).
    const sender = startFramewirePeer(['send', '--frames', String(FRAMES), '--fps', String(FPS), '--to', `127.0.0.1:${port}`, '--report', sendReport]);
    const rss: number[] = [];
    while (flood.child.exitCode === null) {
      const mb = await vmRssMb(pid);
      if (mb !== undefined) rss.push(mb);
      await sleep(100);
    }
    const flooded = JSON.parse((await finished(flood, 10_000)).stdout) as { sent: number; refused: number; endUs: number; perSecond: number };
    const sent = await finished(sender, 120_000);
    expect(sent.code, sent.stderr).to.equal(0);
    await udpDrained(port);
    const dropped = (await udpSocket(port))!.drops - dropsBefore;
    const received = await interrupt(receiver);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    const { packetsSent } = JSON.parse(await readFile(sendReport, 'utf8'));

    // Counted: read by the receiver (and sorted into its counters) or dropped by the kernel, nothing else.
    const total = flooded.sent + packetsSent;
    expect(report.packetsReceived + dropped, `${report.packetsReceived} read + ${dropped} dropped of ${total}`).to.be.within(total * 0.99, total);
    expect(report.packetsMalformed + report.packetsForeignSsrc).to.be.at.least(Math.min(report.packetsReceived - packetsSent, flooded.sent) * 0.9);
    expect(flooded.sent).to.be.at.least(10_000);

    // Memory: loose bounds. The heap's young generation grows in the first part of the flood (for longer when the
    // receiver falls further behind on a loaded machine), then RSS stays flat: over the flood's second half it moves
    // less than 16 MB. The 32 MB socket buffer is the kernel's, not in RSS.
    const samples = `RSS ${rssBefore.toFixed(0)} MB before, samples ${rss.map((m) => m.toFixed(0)).join(' ')}`;
    const secondHalf = rss.slice(Math.floor(rss.length / 2));
    expect(secondHalf.length, samples).to.be.at.least(3);
    expect(Math.max(...secondHalf) - Math.min(...secondHalf), samples).to.be.below(16);
    expect(Math.max(...rss) - rssBefore, samples).to.be.below(96);

    // Every frame captured more than one frame period after the flood's last datagram is complete.
    const records = await readFrameLog(`${reportFile.slice(0, -'.json'.length)}.frames.jsonl`);
    const t0 = earliestSchedule(records, PERIOD_US);
    const complete = new Set(records.filter((r) => r.complete && r.indexFrom === 'stamp').map((r) => r.index));
    const after = Array.from({ length: FRAMES }, (_, i) => i).filter((i) => t0 + i * PERIOD_US > flooded.endUs + PERIOD_US);
    expect(after.length, 'frames sent after the flood').to.be.at.least(10);
    expect(after.filter((i) => !complete.has(i)), `incomplete after the flood (of ${after.length})`).to.deep.equal([]);
    process.stdout.write(`      flood: ${flooded.perSecond} datagrams/s for ${FLOOD_SECONDS} s; receiver read ${report.packetsReceived}, kernel dropped ${dropped}; RSS ${rssBefore.toFixed(0)} MB, then ${rss.map((m) => m.toFixed(0)).join(" ")}\n`);
  });
});
