import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadedPackages } from '../../bench/loaded-packages.js';
import { freeUdpPort } from '../support/ports.js';
import { scratchDir } from '../support/scratch.js';

const ENTRY = fileURLToPath(new URL('../support/cli-entry.ts', import.meta.url));

/** The large dependencies a command must load only when it uses them. */
const HEAVY = ['sharp', 'zod', '@kmamal/sdl', 'cli-progress', 'uplot', 'node-webcam', 'sdp-transform', 'pngjs'];

/** Runs framewire from the sources with the module trace; fails on a non-zero exit. */
async function packagesOf(args: string[]): Promise<string[]> {
  const run = await loadedPackages(ENTRY, args, ['--import', 'tsx']);
  expect(run.code, run.output).to.equal(0);
  return run.packages;
}

/**
 * Fast start (issue 13): a command loads what it uses and nothing else, so `--version`, `--help` and a plain send
 * or receive do not wait for sharp, zod or SDL to load. How fast that is, is measured by `npm run bench:startup`.
 */
describe('cli start: each command loads only what it uses', function () {
  this.timeout(30_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('cli-start')));
  afterEach(async () => cleanup());

  for (const args of [['--version'], ['--help'], ['run', '--help'], ['send', '--help']]) {
    it(`framewire ${args.join(' ')} loads commander and nothing else`, async () => {
      expect(await packagesOf(args)).to.deep.equal(['commander']);
    });
  }

  it('a pattern sender and a null-sink receiver load none of the large dependencies', async () => {
    const send = await packagesOf(['send', '--frames', '1', '--fps', 'max', '--to', `127.0.0.1:${await freeUdpPort()}`]);
    const receive = await packagesOf(['receive', '--listen', '127.0.0.1:0', '--timeout', '0.1']);
    expect(send.filter((p) => HEAVY.includes(p))).to.deep.equal([]);
    expect(receive.filter((p) => HEAVY.includes(p))).to.deep.equal([]);
  });

  it('loads a large dependency when the command uses it (the trace sees it)', async () => {
    const port = await freeUdpPort();
    const sdp = await packagesOf(['send', '--frames', '1', '--to', `127.0.0.1:${port}`, '--sdp', path.join(dir, 's.sdp')]);
    const png = await packagesOf(['receive', '--listen', '127.0.0.1:0', '--timeout', '0.1', '--sink', `png:${dir}/png`]);
    expect(sdp).to.include('sdp-transform');
    expect(png).to.include('sharp');
  });
});
