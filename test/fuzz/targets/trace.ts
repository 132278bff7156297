import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { PacketFate } from '../../../src/netsim/fate.js';
import { dropCauses, maxDelayUs } from '../../../src/netsim/stages/index.js';
import { createTraceWriter, readTrace, type Trace, type TraceDirection } from '../../../src/netsim/trace.js';
import { corpusFiles, expectUsageError, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';

/** Trace replay (`netsim --replay`, a scenario's replay): every fate as recorded, or a UsageError naming `replay`. */

const fateArb: fc.Arbitrary<PacketFate> = fc.oneof(
  fc.record({
    ordinal: fc.nat(),
    fate: fc.constant('forwarded' as const),
    duplicated: fc.boolean(),
    corrupted: fc.option(fc.nat(65_535 * 8 - 1)),
    reordered: fc.boolean(),
    delayUs: fc.nat(Math.floor(maxDelayUs())),
  }),
  fc.record({
    ordinal: fc.nat(),
    fate: fc.constant('dropped' as const),
    cause: fc.constantFrom(...dropCauses()),
    duplicated: fc.boolean(),
    corrupted: fc.constant(null),
    reordered: fc.boolean(),
    delayUs: fc.constant(0),
  }),
);

const recorded = fc.uniqueArray(fc.tuple(fc.constantFrom<TraceDirection>('forward', 'reverse'), fateArb), {
  minLength: 1,
  maxLength: 20,
  selector: ([direction, f]) => `${direction}:${f.ordinal}`,
});

function checkTrace(t: Trace): void {
  for (const direction of ['forward', 'reverse'] as const) {
    for (const [ordinal, f] of t[direction]) {
      if (ordinal !== f.ordinal || !Number.isInteger(ordinal) || ordinal < 0 || !(f.delayUs >= 0)) {
        throw new Error(`readTrace returned an unusable fate: ${JSON.stringify(f)}`);
      }
    }
  }
}

function scratchFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'framewire-fuzz-trace-')), 'trace.jsonl');
}

/** What createTraceWriter records, readTrace gives back fate for fate. */
function roundTrip() {
  const file = scratchFile();
  return fc.asyncProperty(recorded, async (fates) => {
    const writer = await createTraceWriter(file);
    for (const [direction, f] of fates) writer.record(direction, f);
    await writer.close();
    const t = await readTrace(file);
    checkTrace(t);
    for (const [direction, f] of fates) {
      if (JSON.stringify(t[direction].get(f.ordinal)) !== JSON.stringify(f)) {
        throw new Error(`recorded ${JSON.stringify(f)}, read ${JSON.stringify(t[direction].get(f.ordinal))}`);
      }
    }
    if (t.forward.size + t.reverse.size !== fates.length) throw new Error('readTrace has fates nobody recorded');
  });
}

function mutatedTraces(seeds: string[]) {
  const file = scratchFile();
  return fc.asyncProperty(mutatedText(seeds), async (text) => {
    writeFileSync(file, text);
    let t: Trace;
    try {
      t = await readTrace(file, 'replay');
    } catch (err) {
      expectUsageError(err, 'replay');
      return;
    }
    checkTrace(t);
  });
}

/** A trace as a relay's trace writer records one: the seed corpus. */
export async function traceSeeds(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const file = scratchFile();
  const writer = await createTraceWriter(file);
  const causes = dropCauses();
  for (let i = 0; i < 12; i++) {
    const dropped = i % 5 === 3;
    writer.record(i % 4 === 0 ? 'reverse' : 'forward', {
      ordinal: i, fate: dropped ? 'dropped' : 'forwarded', ...(dropped ? { cause: causes[i % causes.length]! } : {}),
      duplicated: i === 7, corrupted: i === 9 ? 1234 : null, reordered: i === 5, delayUs: dropped ? 0 : 20_000 + i * 17,
    });
  }
  await writer.close();
  return [{ name: 'relay.trace.jsonl', bytes: readFileSync(file) }];
}

export const traceTarget: FuzzTarget = {
  name: 'trace',
  summary: 'trace replay reader: the recorded fates, or a UsageError naming replay and the line',
  properties() {
    return [
      { name: 'what the trace writer records reads back', property: roundTrip() },
      { name: 'mutated traces give fates or a usage error naming replay', property: mutatedTraces(corpusFiles('trace').map((b) => b.toString('utf8'))) },
    ];
  },
};
