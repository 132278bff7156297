import type { FateScratch } from '../fate.js';
import type { KeyedRng } from '../rng.js';
import type { RawSettings, Settings } from './setting.js';

/**
 * One impairment, in the manner of a toxiproxy toxic: it looks at the fate decided so far for a packet and
 * adds its own decision. Stages draw only from the keyed RNG (by the packet's ordinal), so their decisions do
 * not depend on timing; the exceptions, by nature, are the rate limit's queue and FIFO holding in the delay.
 * `apply` runs for every packet: it must not allocate.
 */
export interface Stage<S> {
  /** Takes new settings (at start and at each timeline step); state such as the GE state carries over. */
  configure(settings: S): void;
  apply(fate: FateScratch, datagram: Buffer, nowUs: number): void;
}

/**
 * Everything about one kind of stage, in its own file: its settings (fields and flags), how they resolve with
 * their defaults, the drop causes it can give, and how to make one. Registered by name in stages/index.ts.
 */
export interface StageDescriptor<F extends Settings = Settings, S extends object = object> {
  /** Its name in the registry, where other stages are placed before or after it. */
  readonly name: string;
  readonly settings: F;
  /**
   * Groups of fields that are alternative descriptions of the same thing (loss with burst, or netem's ge): a
   * layer that gives a field of one group (a timeline step, flags over a scenario file) removes the other
   * groups' fields from what it is laid over, so two descriptions never meet by merging.
   */
  readonly alternatives?: ReadonlyArray<readonly string[]>;
  /**
   * The drop causes it can give a packet, as traces write them: lowercase words joined by dashes, each word
   * starting with a letter ('drop-list'). Stats count each under its camelCase name (`dropped.dropList`).
   */
  readonly causes: readonly string[];
  /**
   * The most it can add to a packet's delay under any settings it accepts; left out by stages that add none.
   * Replayed traces are checked against the sum over the registered stages.
   */
  readonly maxDelayUs?: number;
  /**
   * Its part of the resolved settings: the fields given (after any timeline steps) with its defaults for the
   * rest; an empty section must resolve to no impairment. Rules across fields throw a UsageError naming the
   * field by `name(key)`. The keys it returns are its own: no other stage may resolve the same key.
   */
  resolve(raw: RawSettings<F>, name: (key: keyof F & string) => string): S;
  /** A stage for one direction of one chain. */
  create(rng: KeyedRng): Stage<S>;
}

/** Declares a stage; the identity, there so TypeScript infers the field types `resolve` receives. */
export function defineStage<F extends Settings, S extends object>(descriptor: StageDescriptor<F, S>): StageDescriptor<F, S> {
  return descriptor;
}
