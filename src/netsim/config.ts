import { z } from 'zod';
import { UsageError } from '../usage-error.js';
import { MAX_SEED } from './rng.js';
import { registeredStages, type BuiltinSettings } from './stages/index.js';
import { unit } from './stages/setting.js';
import type { StageDescriptor } from './stages/stage.js';
import { durationUs } from './units.js';

/**
 * The network section of a scenario file (and the netsim flags, which use the same names), validated and
 * resolved into settings the impairment stages use directly. Each stage brings its own fields (stages/*.ts);
 * this file adds what is the network's: the timeline, the seed and the reverse direction. Unknown keys are
 * errors: a typo must not silently leave a link clean.
 */

/**
 * Everything a timeline step can change, resolved (rates are probabilities in [0, 1], times microseconds): every
 * stage's part side by side. Stages registered at run time add their own keys beside the built-in ones.
 */
export type ImpairmentSettings = BuiltinSettings;

export interface TimelineStep {
  /** Time since the direction's first packet. */
  atUs: number;
  /** The complete settings from this time on (earlier steps already applied). */
  settings: ImpairmentSettings;
}

/** The impairments for one direction. */
export interface DirectionConfig {
  settings: ImpairmentSettings;
  timeline: readonly TimelineStep[];
}

export interface NetworkConfig extends DirectionConfig {
  seed?: number;
  /** Impairments for datagrams coming back from the receiver; absent = forwarded untouched. */
  reverse?: DirectionConfig;
}

type Fields = Record<string, unknown>;

/** The schema of a network section for a list of stages. */
function networkSchema(stages: readonly StageDescriptor[]) {
  const step: Record<string, z.ZodType> = {};
  const direction: Record<string, z.ZodType> = {};
  for (const stage of stages) {
    for (const [key, setting] of Object.entries(stage.settings)) {
      direction[key] = setting.schema.optional();
      if (!setting.perDirection) step[key] = setting.schema.optional();
    }
  }
  const timelineEntry = z.strictObject({ at: unit(durationUs), ...step });
  direction.timeline = z.array(timelineEntry, { error: 'must be a list of { at, ...changes }' }).optional();
  return z.strictObject({
    ...direction,
    seed: z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must not be negative' })
      .max(MAX_SEED, { error: `must be at most ${MAX_SEED}` })
      .optional(),
    reverse: z.strictObject(direction).optional(),
  });
}

/** Schemas by the stage list they were built for; the registry replaces its list when a stage is registered. */
const schemas = new WeakMap<readonly StageDescriptor[], ReturnType<typeof networkSchema>>();

function currentSchema() {
  const stages = registeredStages();
  let schema = schemas.get(stages);
  if (!schema) schemas.set(stages, (schema = networkSchema(stages)));
  return schema;
}

/** Names a field for an error message: a JSON path, or a flag when the values came from the command line. */
export type FieldLabel = (path: readonly PropertyKey[]) => string;

export function jsonPathLabel(root: string): FieldLabel {
  return (path) =>
    path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${String(k)}`), root);
}

/**
 * Validates a network section and resolves it. `where` is the path of the section for messages
 * (`network.loss: '12x' is not a ratio (use 10% or 0.1)`), or a function naming each field.
 */
export function parseNetworkConfig(json: unknown, where: string | FieldLabel = 'network'): NetworkConfig {
  const label = typeof where === 'string' ? jsonPathLabel(where) : where;
  const parsed = currentSchema().safeParse(json ?? {});
  if (!parsed.success) throw new UsageError(describeIssue(parsed.error.issues[0]!, label));
  const { seed, reverse, ...forward } = parsed.data as Fields & { seed?: number; reverse?: Fields };
  const config: NetworkConfig = resolveDirection(forward, [], label);
  if (seed !== undefined) config.seed = seed;
  if (reverse) config.reverse = resolveDirection(reverse, ['reverse'], label);
  return config;
}

function describeIssue(issue: z.core.$ZodIssue, label: FieldLabel): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.keys.length === 1 ? [...issue.path, issue.keys[0]!] : issue.path;
    return `${label(where)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  }
  return `${label(issue.path)}: ${issue.message}`;
}

function resolveDirection(raw: Fields, at: PropertyKey[], label: FieldLabel): DirectionConfig {
  const { timeline: steps = [], ...base } = raw as Fields & { timeline?: Array<Fields & { at: number }> };
  const settings = resolveSettings(base, at, label);
  const timeline: TimelineStep[] = [];
  let current = base;
  let previousAt = 0;
  steps.forEach((entry, i) => {
    const where = [...at, 'timeline', i];
    const { at: atUs, ...changes } = entry;
    if (atUs < previousAt) {
      throw new UsageError(`${label([...where, 'at'])}: ${atUs / 1000}ms comes before the previous step`);
    }
    previousAt = atUs;
    current = overlay(current, changes);
    timeline.push({ atUs, settings: resolveSettings(current, where, label) });
  });
  return { settings, timeline };
}

/**
 * `changes` laid over `base` (a timeline step over the settings before it, flags over a scenario file): the
 * fields given in `changes` replace those in `base`, and a field of one of a stage's alternative descriptions
 * (loss with burst, or ge) removes the other descriptions' fields from `base`, so they never meet by merging.
 */
export function overlay(base: Fields, changes: Fields): Fields {
  const merged = { ...base };
  for (const stage of registeredStages()) {
    const groups = stage.alternatives ?? [];
    for (const group of groups) {
      if (!group.some((k) => changes[k] !== undefined)) continue;
      for (const other of groups) if (other !== group) for (const k of other) delete merged[k];
    }
  }
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) merged[k] = v;
  return merged;
}

/** Every registered stage resolves its own fields; their results side by side are the settings. */
function resolveSettings(raw: Fields, at: PropertyKey[], label: FieldLabel): ImpairmentSettings {
  const name = (key: string): string => label([...at, key]);
  const settings = {};
  for (const stage of registeredStages()) Object.assign(settings, stage.resolve(raw, name));
  return settings as ImpairmentSettings;
}
