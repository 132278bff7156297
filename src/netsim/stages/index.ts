import { isDropCause } from '../fate.js';
import { corruptStage } from './corrupt.js';
import { delayStage } from './delay.js';
import { dropListStage } from './drop-list.js';
import { duplicateStage } from './duplicate.js';
import { lossStage } from './loss.js';
import { rateLimitStage } from './rate-limit.js';
import { reorderStage } from './reorder.js';
import type { StageDescriptor } from './stage.js';

/**
 * The registry of impairment stages, in the order every packet goes through them. The order is the simulator's
 * semantics, and these rules fix it:
 *
 * - drop-list first: a listed packet is dropped as 'drop-list' whatever else is configured, and the stages after
 *   it spend nothing on it (no duplicate, no room in the queue, no place in the FIFO).
 * - loss before duplicate, corrupt and reorder: a lost packet is neither duplicated, corrupted nor reordered.
 *   Loss still draws for every ordinal, dropped or not, so the Gilbert-Elliott state sequence is the seed's alone.
 * - duplicate, corrupt and reorder before the rate limit: both copies of a duplicate take room in the queue and
 *   time on the link, and a packet the queue then drops keeps those decisions in its trace line. Among the three
 *   the order is free: each reads only whether the packet is still forwarded.
 * - reorder before delay: a reordered packet skips the delay, so it leaves ahead of the packets waiting.
 * - rate limit before delay: a packet queues for the bottleneck first, then the delay (and jitter) adds to its
 *   queueing time, as on a link followed by a long path.
 * - delay last: FIFO holding (reorderOnJitter false) holds a packet until the one before it leaves, so it must
 *   see every other stage's delay.
 *
 * Every draw is keyed by (seed, direction, ordinal, purpose), so inserting a stage changes no other stage's draws.
 */
const BUILTIN_STAGES = [
  dropListStage,
  lossStage,
  duplicateStage,
  corruptStage,
  reorderStage,
  rateLimitStage,
  delayStage,
] as const;

/**
 * Reports (ChainStats.dropped, summary lines) list drop causes in these stages' order: the network's own drops
 * (loss, then the queue) before the run's deliberate ones (drop list), as they did before there was a registry,
 * so JSON reports and summaries read as before. The causes of any other stage follow, in chain order.
 */
const REPORTED_FIRST: readonly StageDescriptor[] = [lossStage, rateLimitStage, dropListStage];

/** What the built-in stages resolve their settings to, all in one object. */
export type BuiltinSettings = UnionToIntersection<ReturnType<(typeof BUILTIN_STAGES)[number]['resolve']>>;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Replaced, never changed in place, so a list handed out stays as it was (config.ts caches schemas by it). */
let stages: readonly StageDescriptor[] = BUILTIN_STAGES;

/** The stages a chain is built from now, in chain order. */
export function registeredStages(): readonly StageDescriptor[] {
  return stages;
}

/** Where a registered stage goes in the chain: next to a stage already registered, by name. */
export type StagePosition = { before: string } | { after: string };

/**
 * Adds a stage to the chain at `position` (the order rules above say where a kind of stage belongs), for every
 * chain built and every network config parsed from now on: register before parsing the configs it should read.
 * Returns a function that removes it again. Throws when its name, a setting, a flag, a resolved key or a drop
 * cause is already another stage's, or when a cause is not written as traces write them.
 */
export function registerStage(stage: StageDescriptor, position: StagePosition): () => void {
  const anchor = 'before' in position ? position.before : position.after;
  const at = stages.findIndex((s) => s.name === anchor);
  if (at < 0) throw new Error(`netsim stage '${stage.name}': no stage '${anchor}' to place it next to`);
  for (const cause of stage.causes) {
    if (!isDropCause(cause)) throw new Error(`netsim stage '${stage.name}': drop cause '${cause}' is not lowercase words joined by dashes`);
  }
  const claims = (s: StageDescriptor): Array<[what: string, names: string[]]> => [
    ['name', [s.name]],
    ['setting', Object.keys(s.settings)],
    ['flag', Object.values(s.settings).map((setting) => setting.flag.name)],
    ['resolved key', Object.keys(s.resolve({}, String))],
    ['drop cause', [...s.causes]],
  ];
  const mine = claims(stage);
  for (const other of stages) {
    claims(other).forEach(([what, names], i) => {
      const taken = mine[i]![1].find((n) => names.includes(n));
      if (taken !== undefined) throw new Error(`netsim stage '${stage.name}': ${what} '${taken}' is already stage '${other.name}''s`);
    });
  }
  const index = 'before' in position ? at : at + 1;
  stages = [...stages.slice(0, index), stage, ...stages.slice(index)];
  return () => {
    stages = stages.filter((s) => s !== stage);
  };
}

/** The longest the registered stages, all at their limits, can hold a packet. */
export function maxDelayUs(): number {
  return stages.reduce((sum, s) => sum + (s.maxDelayUs ?? 0), 0);
}

/** Every drop cause the registered stages can give, in report order (see REPORTED_FIRST). */
export function dropCauses(): string[] {
  return [...REPORTED_FIRST, ...stages.filter((s) => !REPORTED_FIRST.includes(s))].flatMap((s) => s.causes);
}
