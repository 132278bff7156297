import { z } from 'zod';
import { UsageError } from '../usage-error.js';
import { MAX_SEED } from './rng.js';
import { UnitError, bitRate, byteSize, durationUs, ratio } from './units.js';

/**
 * The network section of a scenario file (and the netsim flags, which use the same names), validated and
 * resolved into settings the impairment stages use directly. Unknown keys are errors: a typo must not
 * silently leave a link clean.
 */

export type LossModel =
  | { kind: 'none' }
  | { kind: 'bernoulli'; rate: number }
  /** netem's gemodel: p = P(good->bad), r = P(bad->good), loss probability in the bad and good states. */
  | { kind: 'gilbert-elliott'; p: number; r: number; badLoss: number; goodLoss: number };

export type DelayDistribution = 'uniform' | 'normal';

/** Everything a timeline step can change. Rates are probabilities in [0, 1]; times are microseconds. */
export interface ImpairmentSettings {
  loss: LossModel;
  delayUs: number;
  /** Uniform: delay +/- jitter. Normal: jitter is the standard deviation. Delays below zero become zero. */
  jitterUs: number;
  distribution: DelayDistribution;
  /** false keeps FIFO order: a packet never leaves before the one sent ahead of it. */
  reorderOnJitter: boolean;
  duplicate: number;
  corrupt: number;
  /** Probability that a packet skips the delay and goes out ahead of the packets waiting. */
  reorder: number;
  /** Bottleneck rate in bit/s; 0 = unlimited. */
  rateBitsPerSec: number;
  /** Drop-tail queue in front of the bottleneck, in bytes. */
  queueBytes: number;
}

export interface TimelineStep {
  /** Time since the direction's first packet. */
  atUs: number;
  /** The complete settings from this time on (earlier steps already applied). */
  settings: ImpairmentSettings;
}

/** The impairments for one direction. */
export interface DirectionConfig {
  settings: ImpairmentSettings;
  /** Packet ordinals (0-based, per direction) that are always dropped. */
  dropList: readonly number[];
  timeline: readonly TimelineStep[];
}

export interface NetworkConfig extends DirectionConfig {
  seed?: number;
  /** Impairments for datagrams coming back from the receiver; absent = forwarded untouched. */
  reverse?: DirectionConfig;
}

/** Queue used when a rate is given without one. */
export const DEFAULT_QUEUE_BYTES = 64 * 1024;

export const CLEAN: ImpairmentSettings = {
  loss: { kind: 'none' },
  delayUs: 0,
  jitterUs: 0,
  distribution: 'uniform',
  reorderOnJitter: true,
  duplicate: 0,
  corrupt: 0,
  reorder: 0,
  rateBitsPerSec: 0,
  queueBytes: 0,
};

function unit<T>(parse: (value: unknown) => T) {
  return z.unknown().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });
}

/** netem's "p,r,1-h,1-k" as a string or an array of four ratios. */
function geParameters(value: unknown): [number, number, number, number] {
  const parts = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(parts) || parts.length !== 4) {
    throw new UnitError(`${JSON.stringify(value)} is not four ratios p,r,1-h,1-k (e.g. "1%,30%,100%,0%")`);
  }
  return parts.map((p: unknown) => ratio(p)) as [number, number, number, number];
}

const settingsShape = {
  loss: unit(ratio).optional(),
  lossModel: z.enum(['bernoulli', 'gilbert-elliott'], { error: "must be 'bernoulli' or 'gilbert-elliott'" }).optional(),
  burst: z.number({ error: 'must be a number of packets' }).min(1, { error: 'must be at least 1 packet' }).optional(),
  ge: unit(geParameters).optional(),
  delay: unit(durationUs).optional(),
  jitter: unit(durationUs).optional(),
  distribution: z.enum(['uniform', 'normal'], { error: "must be 'uniform' or 'normal'" }).optional(),
  reorderOnJitter: z.boolean({ error: 'must be true or false' }).optional(),
  duplicate: unit(ratio).optional(),
  corrupt: unit(ratio).optional(),
  reorder: unit(ratio).optional(),
  rate: unit(bitRate).optional(),
  queue: unit(byteSize).optional(),
};

const ORDINAL = 'must be a list of packet ordinals (0, 1, ...)';

const timelineEntrySchema = z.strictObject({ at: unit(durationUs), ...settingsShape });

const directionShape = {
  ...settingsShape,
  dropList: z
    .array(z.number({ error: ORDINAL }).int({ error: ORDINAL }).min(0, { error: ORDINAL }), { error: ORDINAL })
    .optional(),
  timeline: z.array(timelineEntrySchema, { error: 'must be a list of { at, ...changes }' }).optional(),
};

const networkSchema = z.strictObject({
  ...directionShape,
  seed: z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must not be negative' })
    .max(MAX_SEED, { error: `must be at most ${MAX_SEED}` })
    .optional(),
  reverse: z.strictObject(directionShape).optional(),
});

type RawSettings = z.infer<z.ZodObject<typeof settingsShape>>;
type RawDirection = z.infer<z.ZodObject<typeof directionShape>>;

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
  const parsed = networkSchema.safeParse(json ?? {});
  if (!parsed.success) throw new UsageError(describeIssue(parsed.error.issues[0]!, label));
  const raw = parsed.data;
  const config: NetworkConfig = resolveDirection(raw, [], label);
  if (raw.seed !== undefined) config.seed = raw.seed;
  if (raw.reverse) config.reverse = resolveDirection(raw.reverse, ['reverse'], label);
  return config;
}

function describeIssue(issue: z.core.$ZodIssue, label: FieldLabel): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.keys.length === 1 ? [...issue.path, issue.keys[0]!] : issue.path;
    return `${label(where)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  }
  return `${label(issue.path)}: ${issue.message}`;
}

const LOSS_KEYS = ['loss', 'lossModel', 'burst'] as const;

function resolveDirection(raw: RawDirection, at: PropertyKey[], label: FieldLabel): DirectionConfig {
  const base = { ...raw };
  delete base.timeline;
  delete base.dropList;
  const settings = resolveSettings(base, at, label);
  const timeline: TimelineStep[] = [];
  let current: RawSettings = base;
  let previousAt = 0;
  (raw.timeline ?? []).forEach((entry, i) => {
    const where = [...at, 'timeline', i];
    const { at: atUs, ...changes } = entry;
    if (atUs < previousAt) {
      throw new UsageError(`${label([...where, 'at'])}: ${atUs / 1000}ms comes before the previous step`);
    }
    previousAt = atUs;
    current = mergeSettings(current, changes);
    timeline.push({ atUs, settings: resolveSettings(current, where, label) });
  });
  return { settings, dropList: raw.dropList ?? [], timeline };
}

/** A step's loss fields replace the whole loss description, so `ge` and `loss` never meet by merging. */
function mergeSettings(current: RawSettings, changes: RawSettings): RawSettings {
  const merged = { ...current };
  if (changes.ge !== undefined) for (const k of LOSS_KEYS) delete merged[k];
  if (LOSS_KEYS.some((k) => changes[k] !== undefined)) delete merged.ge;
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  return merged;
}

function resolveSettings(raw: RawSettings, at: PropertyKey[], label: FieldLabel): ImpairmentSettings {
  const name = (key: string): string => label([...at, key]);
  if (raw.queue !== undefined && raw.rate === undefined) {
    throw new UsageError(`${name('queue')}: a queue needs a rate to drain it (add rate, e.g. 8mbit)`);
  }
  return {
    loss: resolveLoss(raw, name),
    delayUs: raw.delay ?? 0,
    jitterUs: raw.jitter ?? 0,
    distribution: raw.distribution ?? 'uniform',
    reorderOnJitter: raw.reorderOnJitter ?? true,
    duplicate: raw.duplicate ?? 0,
    corrupt: raw.corrupt ?? 0,
    reorder: raw.reorder ?? 0,
    rateBitsPerSec: raw.rate ?? 0,
    queueBytes: raw.rate === undefined ? 0 : (raw.queue ?? DEFAULT_QUEUE_BYTES),
  };
}

function resolveLoss(raw: RawSettings, name: (key: string) => string): LossModel {
  if (raw.ge) {
    if (raw.loss !== undefined || raw.burst !== undefined) {
      throw new UsageError(`${name('ge')}: give either ge (p,r,1-h,1-k) or loss with burst, not both`);
    }
    if (raw.lossModel === 'bernoulli') throw new UsageError(`${name('ge')}: ge is a gilbert-elliott model, but lossModel is bernoulli`);
    const [p, r, badLoss, goodLoss] = raw.ge;
    if (r === 0 && p > 0) throw new UsageError(`${name('ge')}: r (bad->good) of 0 never leaves the bad state`);
    return { kind: 'gilbert-elliott', p, r, badLoss, goodLoss };
  }
  const model = raw.lossModel ?? (raw.burst !== undefined ? 'gilbert-elliott' : 'bernoulli');
  if (model === 'bernoulli') {
    if (raw.burst !== undefined) throw new UsageError(`${name('burst')}: burst needs lossModel gilbert-elliott`);
    return raw.loss ? { kind: 'bernoulli', rate: raw.loss } : { kind: 'none' };
  }
  const loss = raw.loss ?? 0;
  if (loss === 0) return { kind: 'none' };
  if (raw.burst === undefined) {
    throw new UsageError(`${name('burst')}: gilbert-elliott with a loss needs the mean burst length in packets`);
  }
  // Lossless good state, all-loss bad state: mean burst = 1/r, stationary loss = p / (p + r).
  const r = 1 / raw.burst;
  const p = (loss * r) / (1 - loss);
  if (!(p <= 1)) {
    throw new UsageError(`${name('loss')}: a mean loss of ${loss * 100}% with bursts of ${raw.burst} is not reachable; raise burst`);
  }
  return { kind: 'gilbert-elliott', p, r, badLoss: 1, goodLoss: 0 };
}
