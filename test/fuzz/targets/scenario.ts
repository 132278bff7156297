import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadScenario, parseScenario, type Scenario } from '../../../src/harness/scenario.js';
import { corpusFiles, expectUsageError, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';

/*
 * The scenario loader (`framewire run FILE`, the harness): a scenario with every default filled in, or a UsageError
 * whose message starts with the field at fault (or the file, for one that is not JSON).
 */

/** Fields the schema knows, which an error may name though the file left them out (`name: is required`). */
const FIELDS = ['name', 'description', 'source', 'size', 'format', 'fps', 'frames', 'mtu', 'wire', 'network', 'protection', 'sinks', 'expect'];

/** The error names a field the file has (or the schema knows), as `field:`, `field.sub:` or `field[0]:`; or the whole scenario. */
function namesAField(json: unknown): RegExp {
  const keys = json !== null && typeof json === 'object' && !Array.isArray(json) ? Object.keys(json) : [];
  const escaped = [...new Set(['scenario', ...FIELDS, ...keys])].map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(${escaped.join('|')})[:.[]`);
}

function checkScenario(s: Scenario): void {
  const fine = s.name.trim() !== '' && Number.isFinite(s.fps) && s.fps > 0 && Number.isInteger(s.frames) && s.frames > 0 &&
    Number.isInteger(s.mtu) && s.geometry.width >= 1 && s.geometry.height >= 1 && Number.isFinite(s.protection.latencyUs) &&
    Array.isArray(s.sinks) && Array.isArray(s.expect);
  if (!fine) throw new Error(`parseScenario returned an unusable scenario: ${JSON.stringify(s)}`);
}

type Edit = { at: number; op: 'replace' | 'delete' | 'add'; key: string; value: unknown };

/** Every path into a JSON value, root first. */
function paths(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, Array.isArray(value) ? Number(k) : k]));
  }
  return out;
}

function edit(json: unknown, e: Edit): unknown {
  const all = paths(json);
  const where = all[e.at % all.length]!;
  if (where.length === 0) return e.op === 'replace' ? e.value : json;
  let parent = json as Record<string | number, unknown>;
  for (const k of where.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = where.at(-1)!;
  if (e.op === 'replace') parent[last] = e.value;
  else if (e.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[e.key] = e.value;
  }
  return json;
}

const editArb: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace' as const, 'delete' as const, 'add' as const),
  key: fc.oneof(fc.constantFrom(...FIELDS, 'loss', 'delay', 'seed', 'timeline', 'at', 'latency', 'nack'), fc.string({ maxLength: 8 })),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('5%', '-1%', '80ms', '1e9s', '0x0', '99999x99999', 'pattern:nope', '>= 0.5', 'frames', ''),
  ),
});

function structuralMutations(seeds: unknown[]) {
  return fc.property(fc.nat(seeds.length - 1), fc.array(editArb, { minLength: 1, maxLength: 4 }), (i, edits) => {
    const json = edits.reduce(edit, structuredClone(seeds[i]));
    let s: Scenario;
    try {
      s = parseScenario(json);
    } catch (err) {
      expectUsageError(err, namesAField(json));
      return;
    }
    checkScenario(s);
  });
}

/** Mutated file text through loadScenario, so what is not JSON is turned down naming the file. */
function textMutations(seeds: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'framewire-fuzz-scenario-'));
  const file = path.join(dir, 'scenario.json');
  return fc.asyncProperty(mutatedText(seeds), async (text) => {
    writeFileSync(file, text);
    let s: Scenario;
    try {
      s = await loadScenario(file);
    } catch (err) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8')); // as written: UTF-8 turns lone surrogates into U+FFFD
      } catch {
        expectUsageError(err, file);
        return;
      }
      expectUsageError(err, namesAField(json));
      return;
    }
    checkScenario(s);
  });
}

/** The scenario files framewire ships, as the seed corpus. */
export function scenarioSeedNames(): string[] {
  return ['clean.json', 'flaky-timeline.json', 'bursty-wifi.json', 'congested-link.json'];
}

export const scenarioTarget: FuzzTarget = {
  name: 'scenario',
  summary: 'scenario loader: a usable scenario or a UsageError naming the field (or the file)',
  properties() {
    const texts = corpusFiles('scenario').map((b) => b.toString('utf8'));
    return [
      { name: 'edited scenario JSON gives a usable scenario or a usage error naming the field', property: structuralMutations(texts.map((t) => JSON.parse(t))) },
      { name: 'mutated scenario files give a usable scenario or a usage error naming the file or field', property: textMutations(texts) },
    ];
  },
};
