import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NullSink } from '../../../src/sinks/null.js';
import { SINK_KINDS, createSink } from '../../../src/sinks/spec.js';
import { createSource } from '../../../src/sources/spec.js';
import { expectUsageError, takeFrames } from './helpers.js';

describe('null sink', () => {
  it('counts frames and drops none', async () => {
    const sink = await createSink('null');
    expect(sink).to.be.instanceOf(NullSink);
    const [frame] = await takeFrames(await createSource('pattern:smpte', { width: 160, height: 120, format: 'rgb24' }), 1);
    for (let i = 0; i < 5; i++) sink.write({ ...frame, index: i }, { complete: true, bytesMissing: 0, indexFrom: 'ordinal' });
    await sink.close();
    expect((sink as NullSink).frames).to.equal(5);
    expect(sink.dropped).to.equal(0);
  });
});

describe('sink spec', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'framewire-sink-spec-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('lists the kinds for help text', () => {
    expect(Object.keys(SINK_KINDS)).to.include.members(['null', 'png']);
  });

  it('describes a png sink with its options', async () => {
    expect((await createSink(`png:${tmp}/a`)).description).to.equal(`png:${tmp}/a`);
    expect((await createSink(`png:${tmp}/b:every=5`)).description).to.equal(`png:${tmp}/b:every=5`);
    expect((await createSink(`png:${tmp}/c:queue=2`)).description).to.equal(`png:${tmp}/c:queue=2`);
  });

  it('rejects unknown kinds, listing the known ones', async () => {
    await expectUsageError(createSink('sdll'), "sink: unknown sink kind 'sdll' (known: null, png");
    await expectUsageError(createSink('constructor'), "unknown sink kind 'constructor'");
  });

  it('rejects bad png options naming the sink setting', async () => {
    await expectUsageError(createSink('png'), 'sink: png needs a directory');
    await expectUsageError(createSink('png:'), 'sink: png needs a directory');
    await expectUsageError(createSink(`png:${tmp}:every=0`), 'sink: png every=0 must be a whole number >= 1');
    await expectUsageError(createSink(`png:${tmp}:every=x`), 'sink: png every=x must be a whole number >= 1');
    await expectUsageError(createSink(`png:${tmp}:queue=0`), 'sink: png queue=0 must be a whole number from 1 to 4096');
    await expectUsageError(createSink(`png:${tmp}:queue=5000`), 'sink: png queue=5000 must be a whole number from 1 to 4096');
    await expectUsageError(createSink(`png:${tmp}:speed=3`), "sink: png option 'speed' is unknown (known: every, queue)");
    await expectUsageError(createSink(`png:${tmp}:every`), "sink: option 'every' must look like key=value");
    await expectUsageError(createSink('null:x'), "sink: null takes no arguments, got 'x'");
  });

  it('rejects a png directory that cannot be created', async () => {
    const file = join(tmp, 'a-file');
    await writeFile(file, '');
    await expectUsageError(createSink(`png:${file}/sub`), `sink: png:${file}/sub: cannot create the directory`);
  });
});
