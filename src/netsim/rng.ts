/**
 * Counter-based random numbers: each draw is a pure hash of (seed, direction, packet ordinal, purpose), so a
 * packet's fate never depends on how many draws came before it or when it arrived. The hash absorbs one
 * 32-bit word at a time through lowbias32 (Chris Wellons' integer finalizer), a bijection with good
 * avalanche, so changing any one key word changes the output.
 */

/** What a draw is for; each decision about a packet has its own stream. */
export const Purpose = {
  loss: 1,
  geTransition: 2,
  geLoss: 3,
  duplicate: 4,
  corrupt: 5,
  corruptBit: 6,
  jitter: 7,
  jitterPair: 8,
  reorder: 9,
} as const;
export type Purpose = (typeof Purpose)[keyof typeof Purpose];

/**
 * Which stream a packet's ordinal counts in: the forward media, the reverse (feedback), and forward side streams that
 * must not shift the media's fates (retransmissions and RTCP, whose number and timing vary from run to run).
 */
export const Direction = { forward: 0, reverse: 1, forwardRepair: 2, forwardRtcp: 3 } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/** Largest seed accepted: seeds are split into two 32-bit words, so any safe integer works. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

const TWO_POW_32 = 2 ** 32;

/** The draws for one (seed, direction); the seed and direction words are hashed once, up front. */
export class KeyedRng {
  private readonly key: number;

  constructor(
    readonly seed: number,
    readonly direction: Direction,
  ) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    this.key = mix(mix(mix(lo ^ 0x9e3779b9) ^ hi) ^ direction);
  }

  /** A uniform double in [0, 1) with 32 bits of resolution. */
  uniform(ordinal: number, purpose: Purpose): number {
    let h = mix(this.key ^ (ordinal >>> 0));
    h = mix(h ^ (Math.floor(ordinal / TWO_POW_32) >>> 0));
    h = mix(h ^ purpose);
    return h / TWO_POW_32;
  }

  /** A standard normal deviate (Box-Muller over two keyed uniforms). */
  normal(ordinal: number, purpose: Purpose, pairPurpose: Purpose): number {
    const u1 = 1 - this.uniform(ordinal, purpose); // (0, 1]: log is finite
    const u2 = this.uniform(ordinal, pairPurpose);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** The largest |normal()| can be: its u1 is at least 2^-32, so sqrt(-2 ln u1) is at most about 6.66. */
export const NORMAL_MAX = Math.sqrt(-2 * Math.log(1 / TWO_POW_32));

/** A seed for runs that were not given one; printed so the run can be repeated. */
export function randomSeed(): number {
  return 1 + Math.floor(Math.random() * 0x7fffffff);
}
