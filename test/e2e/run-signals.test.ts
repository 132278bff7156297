import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished, killLeftoverPeers, startFramewirePeer } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { until } from '../support/until.js';

describe('e2e: framewire run says where it stands, and Ctrl-C keeps what ran', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('run-signals')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints its header and seed at start, and on ${signal} writes the reports of what ran, marked interrupted, and exits 130`, async () => {
      const frames = path.join(dir, 'frames');
      const scenario = path.join(dir, 'long.json');
      // Ten seconds of frames: far longer than the test waits before it signals.
      await writeFile(scenario, JSON.stringify({ name: 'long', size: '160x120', fps: 60, frames: 600, sinks: [`png:${frames}`] }));
      const out = path.join(dir, 'out');
      const run = startFramewirePeer(['run', scenario, '--out', out]);
      // stdout is a pipe here, not a terminal: the header still comes first, while the run goes on.
      await until(() => /^framewire run: long\nseed (\d+) \(repeat with --seed \1\)$/m.test(run.output()), () => `the header: ${run.output()}`, 20_000);
      let pictures: string[] = [];
      await until(() => pictures.length > 0, () => 'a frame written by the png sink', 20_000, async () => {
        pictures = await readdir(frames).catch(() => []);
      });
      expect(run.output(), 'the run is still going').to.not.match(/frames sent/);
      const seed = Number(/^seed (\d+)/m.exec(run.output())![1]);

      run.child.kill(signal);
      const r = await finished(run, 30_000);
      expect(r.code, r.stdout + r.stderr).to.equal(130);
      expect(r.stdout).to.match(/frames sent +\d+/);
      const sent = Number(/frames sent +(\d+)/.exec(r.stdout)![1]);
      expect(sent).to.be.above(0).and.below(600);
      expect(r.stdout).to.match(new RegExp(`^INTERRUPTED: interrupted after ${sent} of 600 frames$`, 'm'));

      const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
      expect(report).to.include({ interrupted: true, passed: false, seed, framesSent: sent });
      expect(report.frames).to.have.length(sent);
      const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' })
        .parse(await readFile(path.join(out, 'junit.xml'), 'utf8')).testsuites.testsuite;
      const cases = [junit.testcase].flat() as Array<{ name: string; failure?: { message: string } }>;
      expect(cases.at(-1)).to.deep.include({ name: 'run completed' });
      expect(cases.at(-1)!.failure!.message).to.equal(`interrupted after ${sent} of 600 frames`);
      expect(await readFile(path.join(out, 'report.html'), 'utf8')).to.include(`interrupted after ${sent} of 600 frames`);
    });
  }
});
