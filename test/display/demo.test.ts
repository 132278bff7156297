import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import sharp from 'sharp';
import { framewire, startFramewire } from '../support/cli.js';
import { requestWindowClose } from './x11-close.js';
import { Xvfb } from './xvfb.js';

describe('framewire demo (under Xvfb)', function () {
  this.timeout(60_000);
  let xvfb: Xvfb;
  let dir: string;

  before(async () => {
    xvfb = await Xvfb.start();
    dir = await mkdtemp(join(tmpdir(), 'framewire-demo-'));
  });

  after(async () => {
    await xvfb?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function waitForFile(folder: string, timeoutMs = 10_000): Promise<string> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
      const files = await readdir(folder);
      if (files.length > 0) return join(folder, files[0]!);
    }
    throw new Error(`nothing written to ${folder} within ${timeoutMs} ms`);
  }

  it('switches network presets live from the keyboard, snapshots, pauses, and quits on q with a summary', async () => {
    const snapshots = join(dir, 'keys');
    await mkdir(snapshots);
    const demo = startFramewire(['demo', '--seed', '7', '--snapshots', snapshots], xvfb.env);
    try {
      const id = await xvfb.waitForWindow('^framewire demo');
      await xvfb.waitForTitle(id, /^framewire demo \[1\] clean \| 320x240 rgb24 \| [1-9]\d* fps \| loss 0\.00% \| latency/);

      await xvfb.key(id, '3');
      // Loss shows up in the title within a title interval or two once the 5% link is in place.
      await xvfb.waitForTitle(id, /^framewire demo \[3\] 5% loss \| .* loss (?!0\.00)\d+\.\d\d%/);

      await xvfb.key(id, 's');
      const png = await waitForFile(snapshots);
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height]).to.deep.equal(['png', 320, 240]);

      await xvfb.key(id, 'space');
      await xvfb.waitForTitle(id, /\| paused$/);
      await xvfb.key(id, 'space');
      // Unpaused: the title ends with the numbers again (latency only when a whole stamped frame arrived).
      await xvfb.waitForTitle(id, /fps \| loss [\d.]+%(?: \| latency [\d.]+ ms)?$/);

      await xvfb.key(id, 'q');
      const { code, stderr } = await demo.result;
      expect(code, stderr).to.equal(0);
      expect(stderr).to.contain('networks [1] clean -> [3] 5% loss');
      expect(stderr).to.match(/received \d+ complete/);
      expect(stderr).to.contain(`snapshot ${png}`);
      expect(await xvfb.findWindows('^framewire')).to.deep.equal([]);
    } finally {
      demo.child.kill();
    }
  });

  it('ends with exit 0 and a summary when the window is closed', async () => {
    const demo = startFramewire(['demo', '--snapshots', dir], xvfb.env);
    try {
      const id = await xvfb.waitForWindow('^framewire demo');
      await xvfb.waitForTitle(id, /[1-9]\d* fps/);
      await requestWindowClose(xvfb.display, id);
      const { code, stderr } = await demo.result;
      expect(code, stderr).to.equal(0);
      expect(stderr).to.match(/framewire demo: [\d.]+ s, seed \d+, networks \[1\] clean\n/);
    } finally {
      demo.child.kill();
    }
  });

  it("starts from a scenario's source, size and network, selectable again on key 0", async () => {
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify({ name: 'lossy', source: 'pattern:smpte', size: '160x120', fps: 20, network: { loss: '2%' } }));
    const demo = startFramewire(['demo', '--scenario', file, '--scale', '1'], xvfb.env);
    try {
      const id = await xvfb.waitForWindow('^framewire demo');
      await xvfb.waitForTitle(id, /^framewire demo \[0\] scenario lossy \| 160x120 rgb24 \| [1-9]\d* fps/);
      await xvfb.key(id, '1');
      await xvfb.waitForTitle(id, /^framewire demo \[1\] clean/);
      await xvfb.key(id, '0');
      await xvfb.waitForTitle(id, /^framewire demo \[0\] scenario lossy/);
      await xvfb.key(id, 'q');
      const { code, stderr } = await demo.result;
      expect(code, stderr).to.equal(0);
      expect(stderr).to.contain('networks [0] scenario lossy -> [1] clean -> [0] scenario lossy');
    } finally {
      demo.child.kill();
    }
  });

  it('rejects bad flags with exit 2 naming the flag, before opening a window', async () => {
    const scale = await framewire(['demo', '--scale', '0'], xvfb.env);
    expect(scale.code).to.equal(2);
    expect(scale.stderr).to.contain('--scale');
    const scenario = await framewire(['demo', '--scenario', join(dir, 'missing.json')], xvfb.env);
    expect(scenario.code).to.equal(2);
    expect(scenario.stderr).to.contain('missing.json');
    const size = await framewire(['demo', '--size', '12'], xvfb.env);
    expect(size.code).to.equal(2);
    expect(size.stderr).to.contain('--size');
    expect(await xvfb.findWindows('^framewire')).to.deep.equal([]);
  });
});
