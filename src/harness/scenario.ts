import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PIXEL_FORMATS, parseSize, validateGeometry, type FrameGeometry, type PixelFormat } from '../frame.js';
import { parseNetworkConfig, type NetworkConfig } from '../netsim/config.js';
import { durationUs, UnitError } from '../netsim/units.js';
import { payloadFormatNames, type Wire } from '../rtp/formats/index.js';
import { DEFAULT_LATENCY_US } from '../session/assembler.js';
import { DEFAULT_RTX_HISTORY_MS } from '../transport/sender.js';
import { PACING_MODES, type PacingMode } from '../transport/pacing.js';
import { UsageError } from '../usage-error.js';
import { parseExpectations, type Expectation } from './expectations.js';

/** A scenario as written in its JSON file; every field but `name` may be left out. */
export interface ScenarioInput {
  name: string;
  description?: string;
  source?: string;
  size?: string;
  format?: PixelFormat;
  fps?: number;
  pacing?: PacingMode;
  frames?: number;
  mtu?: number;
  wire?: Wire;
  network?: unknown;
  protection?: { nack?: boolean; latency?: string; rtxHistory?: string };
  sinks?: string[];
  expect?: Record<string, string>;
}

/** What the run does against loss: generic NACK with RTX, and the receiver's latency budget. */
export interface Protection {
  nack: boolean;
  /** How long a frame waits for missing packets once a newer frame has started (the receiver's --latency), µs. */
  latencyUs: number;
  /** How long the sender keeps packets to send again, µs. */
  rtxHistoryUs: number;
}

/** A validated scenario with every default filled in. */
export interface Scenario {
  name: string;
  description?: string;
  source: string;
  geometry: FrameGeometry;
  fps: number;
  /** How the sender spreads each frame's packets over its period (src/transport/pacing.ts). */
  pacing: PacingMode;
  frames: number;
  mtu: number;
  wire: Wire;
  /** The network section as written (kept for the report), and resolved. */
  networkInput: unknown;
  network: NetworkConfig;
  protection: Protection;
  sinks: string[];
  expect: Expectation[];
}

export const SCENARIO_DEFAULTS = {
  source: 'pattern:ball',
  size: '320x240',
  format: 'rgb24',
  fps: 30,
  pacing: 'linear',
  frames: 90,
  mtu: 1500,
  wire: 'rtp',
} as const;

/** '80ms', '1s' as microseconds, the error saying what a duration looks like. */
const duration = z.unknown().transform((value, ctx) => {
  try {
    return durationUs(value);
  } catch (err) {
    if (!(err instanceof UnitError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

/** Upper bounds keep a typo (fps 6000000) from turning into an hour-long run. */
const MAX_FPS = 1000;
const MAX_FRAMES = 1_000_000;

const scenarioSchema = z.strictObject({
  name: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }),
  description: z.string({ error: 'must be a string' }).optional(),
  source: z.string({ error: "must be a source spec like 'pattern:ball'" }).default(SCENARIO_DEFAULTS.source),
  size: z.string({ error: "must be a size like '320x240'" }).default(SCENARIO_DEFAULTS.size),
  format: z
    .enum(PIXEL_FORMATS as [PixelFormat, ...PixelFormat[]], { error: `must be one of ${PIXEL_FORMATS.join(', ')}` })
    .default(SCENARIO_DEFAULTS.format),
  fps: z
    .number({ error: 'must be a number' })
    .positive({ error: 'must be positive' })
    .max(MAX_FPS, { error: `must be at most ${MAX_FPS}` })
    .default(SCENARIO_DEFAULTS.fps),
  pacing: z
    .enum(PACING_MODES as [PacingMode, ...PacingMode[]], { error: `must be one of ${PACING_MODES.join(', ')}` })
    .default(SCENARIO_DEFAULTS.pacing),
  frames: z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .positive({ error: 'must be positive' })
    .max(MAX_FRAMES, { error: `must be at most ${MAX_FRAMES}` })
    .default(SCENARIO_DEFAULTS.frames),
  mtu: z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(29, { error: 'must be more than the 28 bytes of IPv4 and UDP headers' })
    .default(SCENARIO_DEFAULTS.mtu),
  wire: z
    .string({ error: 'must be a wire format name' })
    .refine((name) => payloadFormatNames().includes(name), { error: () => `must be one of ${payloadFormatNames().join(', ')}` })
    .default(SCENARIO_DEFAULTS.wire),
  network: z.unknown().optional(),
  protection: z
    .strictObject({
      nack: z.boolean({ error: 'must be true or false' }).default(false),
      latency: duration.optional(),
      rtxHistory: duration.optional(),
    }, { error: 'must be an object like { "nack": true, "latency": "80ms" }' })
    .optional(),
  sinks: z.array(z.string({ error: 'must be a sink spec string' }), { error: 'must be a list of sink specs' }).default([]),
  expect: z.record(z.string(), z.unknown(), { error: 'must be an object of metric: "op value"' }).default({}),
});

function pathLabel(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : s === '' ? String(k) : `${s}.${String(k)}`),
    '',
  );
}

/** Scenarios that came out of parseScenario, so runScenario can take either a Scenario or raw JSON. */
const validated = new WeakSet<Scenario>();

/**
 * Validates a scenario (the parsed JSON of a scenario file) and fills in defaults. Throws a UsageError whose
 * message starts with the path of the offending field, e.g. `fps: must be positive` or `network.loss: ...`.
 */
export function parseScenario(json: unknown): Scenario {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new UsageError('scenario: must be a JSON object with at least a name');
  }
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      throw new UsageError(`${pathLabel([...issue.path, issue.keys[0]!])}: unknown field`);
    }
    const where = pathLabel(issue.path) || 'scenario';
    const message = issue.path.length === 1 && issue.path[0] === 'name' && issue.input === undefined
      ? 'is required'
      : issue.message;
    throw new UsageError(`${where}: ${message}`);
  }
  const raw = parsed.data;
  const geometry = validateGeometry({ ...parseSize(raw.size, 'size'), format: raw.format }, 'size');
  const scenario: Scenario = {
    name: raw.name,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    source: raw.source,
    geometry,
    fps: raw.fps,
    pacing: raw.pacing,
    frames: raw.frames,
    mtu: raw.mtu,
    wire: raw.wire,
    networkInput: raw.network ?? {},
    network: parseNetworkConfig(raw.network ?? {}, 'network'),
    protection: {
      nack: raw.protection?.nack ?? false,
      latencyUs: raw.protection?.latency ?? DEFAULT_LATENCY_US,
      rtxHistoryUs: raw.protection?.rtxHistory ?? DEFAULT_RTX_HISTORY_MS * 1000,
    },
    sinks: raw.sinks,
    expect: parseExpectations(raw.expect, 'expect'),
  };
  validated.add(scenario);
  return scenario;
}

export function isScenario(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && validated.has(value as Scenario);
}

/** Reads and validates a scenario file; a missing file or bad JSON is a usage error naming the file. */
export async function loadScenario(path: string): Promise<Scenario> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${path}: cannot read the scenario (${err.code ?? err.message})`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseScenario(json);
}

/**
 * What `framewire run` does with no scenario: the ball pattern at the original program's 160x120 through a link
 * losing 1% of packets in short bursts, with a little delay, for three seconds. About 87% of frames arrive whole
 * (40 packets a frame), so its expectations hold with a wide margin for any seed, on any machine that drops
 * nothing itself.
 */
export const DEFAULT_SCENARIO: ScenarioInput = {
  name: 'default: pattern:ball over a lossy link',
  source: 'pattern:ball',
  size: '160x120',
  format: 'rgb24',
  fps: 30,
  frames: 90,
  mtu: 1500,
  wire: 'rtp',
  network: { loss: '1%', lossModel: 'gilbert-elliott', burst: 3, delay: '5ms', jitter: '1ms', reorderOnJitter: false },
  expect: { deliveredRatio: '>= 0.6', fps: '>= 15', framesCorrupt: '== 0', latencyP95Ms: '<= 250' },
};
