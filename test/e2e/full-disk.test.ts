import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { framewire } from '../support/cli.js';
import { finished, killLeftoverPeers, startFramewirePeer, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { STARTUP_MS } from '../support/startup.js';

const run = promisify(execFile);
const FRAMES = 60;

/**
 * A png sink writing to a disk that fills up: a 64 KB tmpfs mounted for the test (root, as on CI), a few 160x120
 * frames' worth. The sink counts every frame it could not write (ENOSPC), reception goes on to the last frame, and
 * the summary and the report say how many frames the sink failed on and why.
 */
describe('e2e: png sink on a full disk', function () {
  this.timeout(240_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let mounted: string | undefined;
  before(async () => {
    ({ dir, cleanup } = await scratchDir('full-disk'));
    mounted = path.join(dir, 'tiny');
    await run('mkdir', ['-p', mounted]);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mounted]);
  });
  after(async () => {
    await killLeftoverPeers();
    if (mounted) await run('umount', [mounted]);
    await cleanup();
  });

  it('counts the frames it could not write (ENOSPC), and reception goes on to the end', async () => {
    const out = path.join(mounted!, 'frames');
    const reportFile = path.join(dir, 'report.json');
    // Noise does not compress: each 160x120 frame is a PNG of about 57 KB, so the second one finds the disk full.
    const peer = startFramewirePeer(['receive', '--listen', '127.0.0.1:0', '--sink', `png:${out}`, '--frames', String(FRAMES), '--timeout', '60', '--report', reportFile]);
    const port = Number((await waitForStderr(peer, /framewire receive: 127\.0\.0\.1:(\d+) /, STARTUP_MS))[1]);
    const sent = await framewire(['send', '--source', 'pattern:noise', '--frames', String(FRAMES), '--fps', '30', '--to', `127.0.0.1:${port}`]);
    expect(sent.code, sent.stderr).to.equal(0);
    const received = await finished(peer, 120_000);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report.framesComplete).to.equal(FRAMES);
    const sink = `png:${out}`;
    const written = (await readdir(out)).filter((f) => f.endsWith('.png')).length;
    const failed = report.sinkErrors[sink];
    expect(failed, JSON.stringify(report.sinkErrors)).to.not.equal(undefined);
    expect(failed.first).to.match(/ENOSPC|no space left/i);
    // Every frame the sink took is a file or a counted failure (or a drop, when encoding fell behind).
    expect(written + failed.count + report.sinkDrops[sink]).to.be.at.least(FRAMES - 1).and.at.most(FRAMES);
    expect(failed.count).to.be.at.least(FRAMES / 2);
    process.stdout.write(`      ${written} written, ${failed.count} failed (${failed.first}), ${report.sinkDrops[sink]} dropped\n`);
    expect(received.stderr).to.match(new RegExp(`${sink.replace(/[/.]/g, '\\$&')} failed on ${failed.count} frames \\(cannot write .*\\)`));
  });
});
