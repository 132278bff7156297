import { expect } from 'chai';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PacketFate } from '../../../src/netsim/fate.js';
import { createTraceWriter, readTrace } from '../../../src/netsim/trace.js';

describe('netsim traces', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netsim-trace-'));
  });

  it('writes JSON lines and reads them back by direction and ordinal', async () => {
    const path = join(dir, 'a.jsonl');
    const w = await createTraceWriter(path);
    const fates: PacketFate[] = [];
    for (let i = 0; i < 1500; i++) {
      const f: PacketFate = { ordinal: i, fate: 'forwarded', duplicated: i % 7 === 0, corrupted: i % 11 === 0 ? i : null, reordered: false, delayUs: i * 3 };
      if (i % 5 === 0) Object.assign(f, { fate: 'dropped', cause: 'loss' });
      fates.push(f);
      w.record('forward', f);
    }
    w.record('reverse', { ordinal: 0, fate: 'dropped', cause: 'queue', duplicated: false, corrupted: null, reordered: false, delayUs: 0 });
    await w.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).to.have.length(1501);
    expect(JSON.parse(lines[0]!)).to.include({ direction: 'forward', ordinal: 0, fate: 'dropped', cause: 'loss' });
    const trace = await readTrace(path);
    expect(trace.forward.size).to.equal(1500);
    expect(trace.forward.get(77)).to.deep.equal(fates[77]);
    expect(trace.reverse.get(0)!.cause).to.equal('queue');
  });

  it('refuses an ordinal given twice in a direction, naming the line that repeats it', async () => {
    const path = join(dir, 'twice.jsonl');
    const line = (direction: string, ordinal: number) =>
      `{"direction":"${direction}","ordinal":${ordinal},"fate":"forwarded","duplicated":false,"corrupted":null,"reordered":false,"delayUs":0}`;
    await writeFile(path, [line('forward', 0), line('reverse', 0), line('forward', 1), line('forward', 0)].join('\n'));
    await readTrace(path).then(
      () => expect.fail('should reject'),
      (err: Error) => expect(err.message).to.equal(`replay: ${path}:4: ordinal 0 of the forward direction is already on line 1`),
    );
  });

  it('refuses a trace with no packet fates in it', async () => {
    const path = join(dir, 'empty.jsonl');
    for (const text of ['', '\n  \n']) {
      await writeFile(path, text);
      await readTrace(path).then(
        () => expect.fail('should reject'),
        (err: Error) => expect(err.message).to.equal(`replay: ${path}: holds no packet fates (a trace is one JSON line per packet)`),
      );
    }
  });

  it('names the file, line and field of a bad line', async () => {
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, [
      '{"direction":"forward","ordinal":0,"fate":"forwarded","duplicated":false,"corrupted":null,"reordered":false,"delayUs":0}',
      '{"direction":"forward","ordinal":1,"fate":"forwarded","duplicated":"no","corrupted":null,"reordered":false,"delayUs":0}',
    ].join('\n'));
    await readTrace(path, '--replay').then(
      () => expect.fail('should reject'),
      (err: Error) => expect(err.message).to.match(new RegExp(`^--replay: ${path}:2: duplicated: `)),
    );
    // Without a label from the caller, the library names its own setting, never a flag.
    await readTrace(path).then(
      () => expect.fail('should reject'),
      (err: Error) => expect(err.message).to.match(new RegExp(`^replay: ${path}:2: duplicated: `)),
    );
    // A delay far beyond any the simulator gives (it would park the packet for 31 years).
    await writeFile(path, '{"direction":"forward","ordinal":0,"fate":"forwarded","duplicated":false,"corrupted":null,"reordered":false,"delayUs":1e15}\n');
    await readTrace(path).then(
      () => expect.fail('should reject'),
      (err: Error) => expect(err.message).to.match(new RegExp(`^replay: ${path}:1: delayUs: must be at most \\d+ \\(`)),
    );
    // A bit index beyond any datagram (65,535 bytes at most) cannot be a recorded corruption.
    await writeFile(path, '{"direction":"forward","ordinal":0,"fate":"forwarded","duplicated":false,"corrupted":99999999,"reordered":false,"delayUs":0}\n');
    await readTrace(path).then(
      () => expect.fail('should reject'),
      (err: Error) => expect(err.message).to.equal(`replay: ${path}:1: corrupted: must be null or the index of a bit in a datagram (below 524280)`),
    );
    await writeFile(path, 'not json\n');
    await readTrace(path, '--replay').then(
      () => expect.fail('should reject'),
      (err: Error) => expect(err.message).to.equal(`--replay: ${path}:1: not a JSON line`),
    );
    await readTrace(join(dir, 'missing.jsonl'), '--replay').then(
      () => expect.fail('should reject'),
      (err: Error) => expect(err.message).to.match(/^--replay: cannot read /),
    );
  });
});
