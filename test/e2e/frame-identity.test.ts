import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FrameRecord } from '../../src/transport/receiver.js';
import { framewire } from '../support/cli.js';
import { interrupt, killLeftoverPeers, startFramewirePeer, startFramewireReceiver, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';

/** b - a on 32-bit RTP timestamps. */
const serialDiff = (b: number, a: number): number => (b - a) | 0;

describe('e2e: frame identity through real loss', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('frame-identity')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  it('numbers each frame once, in timestamp order, and the png sink writes one file per frame shown', async () => {
    // 160x120 rgb24 is 44 packets a frame: at 5% loss most frames arrive with holes, and some lose the rows that
    // hold their stamp. --partial hands every frame to the sink, so every record is a frame shown.
    const png = path.join(dir, 'png');
    const reportFile = path.join(dir, 'report.json');
    const { peer: receiver, port } = await startFramewireReceiver([
      '--sink', `png:${png}`, '--partial', '--rtcp-mux', '--report', reportFile,
    ]);
    const relay = startFramewirePeer([
      'netsim', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${port}`, '--loss', '5%', '--seed', '5',
    ]);
    const relayPort = Number((await waitForStderr(relay, /relaying 127\.0\.0\.1:(\d+)/))[1]);
    const sent = await framewire([
      'send', '--source', 'pattern:ball', '--frames', '60', '--fps', '30', '--rtcp-mux', '--to', `127.0.0.1:${relayPort}`,
    ]);
    expect(sent.code, sent.stderr).to.equal(0);
    // The relay holds nothing (no delay): what the sender sent is at the receiver, which hands over every frame
    // still in reassembly as it stops.
    const received = await interrupt(receiver);
    expect(received.code, received.stderr).to.equal(0);

    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    const records = (await readFile(report.framesLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as FrameRecord);
    expect(report.framesIncomplete, 'the loss reached the frames').to.be.above(10);
    // Some frames lost their stamp rows and were numbered from their RTP timestamp instead.
    const from = (kind: string) => records.filter((r) => r.indexFrom === kind).length;
    expect(from('rtpTimestamp'), JSON.stringify(records.map((r) => [r.index, r.indexFrom]))).to.be.above(0);
    expect(from('stamp') + from('rtpTimestamp') + from('ordinal')).to.equal(records.length);

    const indices = records.map((r) => r.index);
    expect(new Set(indices).size, `repeated: ${indices.filter((v, i) => indices.indexOf(v) !== i)}`).to.equal(indices.length);
    // Numbers follow the stream's own clock: sorted by timestamp, each frame's number is above the one before.
    const t0 = records[0]!.rtpTimestamp!;
    const byTime = [...records].sort((a, b) => serialDiff(a.rtpTimestamp!, t0) - serialDiff(b.rtpTimestamp!, t0));
    byTime.slice(1).forEach((r, i) => expect(r.index, `after ${byTime[i]!.index}`).to.be.above(byTime[i]!.index));

    // One file per frame shown, named by its number; the sink's queue held them all.
    expect(report.sinkDrops).to.deep.equal({ [`png:${png}`]: 0 });
    const files = (await readdir(png)).sort();
    expect(files).to.deep.equal(indices.map((i) => `frame-${String(i).padStart(6, '0')}.png`).sort());
  });
});
