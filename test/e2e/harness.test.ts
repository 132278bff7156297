import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { runScenario } from '../../src/index.js';
import { UsageError } from '../../src/usage-error.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';

/** Small frames (40 packets each at MTU 1500) at 60 fps keep each run under a second. */
const BASE = { source: 'pattern:ball', size: '160x120', fps: 60, frames: 40 } as const;

async function chromium(args: string[]): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'fw-chromium-'));
  try {
    const { stdout } = await run(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--window-size=1280,1600', ...args,
    ], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

describe('e2e: runScenario', function () {
  this.timeout(60_000);

  it('delivers every frame over a clean link and passes its expectations', async () => {
    const report = await runScenario({
      name: 'clean', ...BASE,
      expect: { deliveredRatio: '== 1', framesCorrupt: '== 0', packetLossPct: '== 0', fps: '>= 50' },
    });
    expect(report.deliveredRatio).to.equal(1);
    expect(report.framesSent).to.equal(40);
    expect(report.frames).to.have.length(40);
    expect(report.frames.every((f) => f.fate === 'complete' && f.latencyMs !== undefined)).to.equal(true);
    expect(report.packetsLost).to.equal(0);
    expect(report.lossBursts).to.deep.equal({});
    expect(report.latencyP50Ms).to.be.a('number');
    expect(report.expectations.every((e) => e.passed)).to.equal(true);
    expect(report.passed).to.equal(true);
    expect(report.samples.length).to.be.greaterThan(0);
  });

  it('reports incomplete frames over a lossy link, and the verdict follows the expectations', async () => {
    const report = await runScenario({
      name: 'lossy', ...BASE, network: { loss: '3%' },
      expect: { deliveredRatio: '>= 0.99', packetLossPct: '> 0' },
    }, { seed: 11 });
    expect(report.seed).to.equal(11);
    expect(report.framesIncomplete + report.framesNeverSeen).to.be.greaterThan(0);
    expect(report.deliveredRatio).to.be.lessThan(1);
    expect(report.framesComplete).to.equal(report.frames.filter((f) => f.fate === 'complete').length);
    // What the tap saw lost is exactly what the network dropped: the machine itself dropped nothing.
    expect(report.packetsLost).to.equal(report.network.forward.dropped.loss);
    expect(report.network.lostOnHost).to.equal(0);
    expect(report.network.undelivered).to.equal(0);
    const bursts = Object.entries(report.lossBursts).reduce((n, [len, count]) => n + Number(len) * count, 0);
    expect(bursts).to.equal(report.packetsLost);
    expect(report.expectations.map((e) => [e.metric, e.passed])).to.deep.equal([
      ['deliveredRatio', false], ['packetLossPct', true], ['framesComplete', true],
    ]);
    expect(report.passed).to.equal(false);
  });

  it('counts frames whose pixels the network damaged as corrupt, not delivered, matching the receiver', async () => {
    // A flipped bit lands in a header (malformed), a line header (malformed) or the pixels (a complete frame whose
    // stamp CRC fails): the last kind must show up as corrupt in the map, the metrics and the receiver's own count.
    const report = await runScenario({ name: 'corrupting', ...BASE, frames: 60, network: { corrupt: '2%' } }, { seed: 3 });
    const corrupt = report.frames.filter((f) => f.fate === 'corrupt');
    expect(report.network.forward.corrupted).to.be.greaterThan(0);
    expect(corrupt.length).to.be.greaterThan(0);
    expect(report.framesCorrupt).to.equal(corrupt.length);
    expect(report.receiver.framesCorrupt).to.equal(corrupt.length);
    expect(corrupt.every((f) => f.complete && f.latencyMs === undefined)).to.equal(true);
    expect(report.deliveredRatio).to.be.closeTo(report.framesComplete / report.framesSent, 1e-4);
    expect(report.framesComplete + corrupt.length + report.framesIncomplete + report.framesNeverSeen).to.equal(60);
  });

  it('gives the same per-frame delivery map for the same seed, and another for another seed', async () => {
    const scenario = { name: 'determinism', ...BASE, frames: 60, network: { loss: '2%', lossModel: 'gilbert-elliott', burst: 3 } };
    const map = async (seed: number): Promise<string> =>
      (await runScenario(scenario, { seed })).frames.map((f) => (f.fate === 'complete' ? '1' : '0')).join('');
    const first = await map(5);
    const second = await map(5);
    const other = await map(6);
    expect(first).to.include('0');
    expect(second).to.equal(first);
    expect(other).to.not.equal(first);
  });

  it('fails loudly when nothing arrives, even with no expectations', async () => {
    const report = await runScenario({ name: 'black hole', ...BASE, frames: 10, network: { loss: '100%' } });
    expect(report.framesComplete).to.equal(0);
    expect(report.framesNeverSeen).to.equal(10);
    expect(report.latencyP50Ms).to.equal(undefined);
    expect(report.passed).to.equal(false);
    expect(report.expectations).to.deep.include({
      metric: 'framesComplete', op: '>', value: 0, implicit: true, expected: '> 0', measured: 0, passed: false,
    });
  });

  it('runs the raw wire, one datagram a frame', async () => {
    const report = await runScenario({ name: 'raw', ...BASE, wire: 'raw', network: { dropList: [3, 4, 9] } });
    expect(report.frames.map((f) => f.fate).filter((f) => f === 'never-seen')).to.have.length(3);
    expect(report.frames[3]!.fate).to.equal('never-seen');
    expect(report.lossBursts).to.deep.equal({ '1': 1, '2': 1 });
    expect(report.framesComplete).to.equal(37);
  });

  it('rejects a bad scenario before opening anything, naming the field', async () => {
    await runScenario({ name: 'bad', fps: 0 }).then(() => expect.fail('ran'), (err: Error) => {
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.equal('fps: must be positive');
    });
    await runScenario({ name: 'bad', source: 'webcam2:x' }).then(() => expect.fail('ran'), (err: Error) => {
      expect(err.message).to.match(/^source: unknown source kind 'webcam2'/);
    });
    await runScenario({ name: 'bad', sinks: ['null', 'tape'] }).then(() => expect.fail('ran'), (err: Error) => {
      expect(err.message).to.match(/^sinks\[1\]: unknown sink kind 'tape'/);
    });
  });

  it('writes an HTML report whose charts all render in headless Chromium', async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    const out = await mkdtemp(join(tmpdir(), 'fw-html-'));
    await runScenario({
      name: 'timeline', ...BASE, frames: 60,
      network: { loss: '1%', timeline: [{ at: '400ms', loss: '10%' }, { at: '700ms', loss: '0%' }] },
    }, { seed: 3, out });
    const page = `file://${join(out, 'report.html')}`;
    const dom = await chromium(['--virtual-time-budget=5000', '--dump-dom', page]);
    const body = /<body[^>]*>/.exec(dom)?.[0] ?? '';
    expect(body, 'a chart threw').to.not.include('data-chart-error');
    expect(body).to.include('data-charts-ready="5"');
    expect(dom.match(/<canvas/g) ?? []).to.have.length(5);
    expect((dom.match(/<img class="sample"/g) ?? []).length).to.be.greaterThan(0);
    const shot = join(out, 'shot.png');
    await chromium([`--screenshot=${shot}`, page]);
    const { channels } = await sharp(await readFile(shot)).stats();
    // A blank page is one flat colour; charts and pictures spread the values.
    expect(channels[0]!.stdev).to.be.greaterThan(10);
    await rm(out, { recursive: true, force: true });
  });
});
