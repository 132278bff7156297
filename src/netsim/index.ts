/** The network simulator: seeded, replayable impairments, in-process (createImpairmentChain) or as a UDP relay. */
export { parseNetworkConfig, jsonPathLabel, CLEAN, DEFAULT_QUEUE_BYTES } from './config.js';
export type {
  NetworkConfig,
  DirectionConfig,
  ImpairmentSettings,
  LossModel,
  DelayDistribution,
  TimelineStep,
  FieldLabel,
} from './config.js';
export { parseDuration, parseRatio, parseBitRate, parseByteSize } from './units.js';
export { createImpairmentChain } from './chain.js';
export type { ChainOptions, ChainStats, ImpairmentChain } from './chain.js';
export type { PacketFate, DropCause } from './fate.js';
export { KeyedRng, Purpose, Direction, randomSeed, MAX_SEED } from './rng.js';
export { startRelay } from './relay.js';
export type { Relay, RelayOptions, RelayStats } from './relay.js';
export { createTraceWriter, readTrace } from './trace.js';
export type { Trace, TraceWriter, TraceDirection } from './trace.js';
export type { Summary } from '../histogram.js';
export { formatChainStats } from './report.js';
