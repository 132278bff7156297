import type { ImpairmentSettings } from '../config.js';
import type { FateScratch } from '../fate.js';

/**
 * One impairment, in the manner of a toxiproxy toxic: it looks at the fate decided so far for a packet and
 * adds its own decision. Stages draw only from the keyed RNG (by the packet's ordinal), so their decisions do
 * not depend on timing; the exceptions, by nature, are the rate limit's queue and FIFO holding in the delay.
 */
export interface Stage {
  /** Takes new settings (at start and at each timeline step); state such as the GE state carries over. */
  configure(settings: ImpairmentSettings): void;
  apply(fate: FateScratch, bytes: number, nowUs: number): void;
}
