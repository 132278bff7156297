import { z } from 'zod';
import { UsageError } from '../../usage-error.js';
import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import { UnitError, ratio } from '../units.js';
import { choice, numberText, unit } from './setting.js';
import { defineStage, type Stage } from './stage.js';

export type LossModel =
  | { kind: 'none' }
  | { kind: 'bernoulli'; rate: number }
  /** netem's gemodel: p = P(good->bad), r = P(bad->good), loss probability in the bad and good states. */
  | { kind: 'gilbert-elliott'; p: number; r: number; badLoss: number; goodLoss: number };

export interface LossSettings {
  loss: LossModel;
}

/** netem's "p,r,1-h,1-k" as a string or an array of four ratios. */
function geParameters(value: unknown): [number, number, number, number] {
  const parts = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(parts) || parts.length !== 4) {
    throw new UnitError(`${JSON.stringify(value)} is not four ratios p,r,1-h,1-k (e.g. "1%,30%,100%,0%")`);
  }
  return parts.map((p: unknown) => ratio(p)) as [number, number, number, number];
}

/** Random loss, Bernoulli or Gilbert-Elliott: `loss` (with `burst` for bursts), or netem's full `ge`. */
export const lossStage = defineStage({
  name: 'loss',
  settings: {
    loss: { schema: unit(ratio), flag: { name: 'loss', value: 'ratio', help: 'packet loss, e.g. 2% or 0.02' } },
    lossModel: {
      schema: choice(['bernoulli', 'gilbert-elliott']),
      flag: { name: 'loss-model', value: 'model', help: 'loss model' },
    },
    burst: {
      schema: z.number({ error: 'must be a number of packets' }).min(1, { error: 'must be at least 1 packet' }),
      flag: { name: 'burst', value: 'packets', help: 'mean loss burst length (gilbert-elliott)', fromText: numberText },
    },
    ge: { schema: unit(geParameters), flag: { name: 'ge', value: 'p,r,1-h,1-k', help: "netem's gilbert-elliott parameters" } },
  },
  alternatives: [['loss', 'lossModel', 'burst'], ['ge']],
  causes: ['loss'],
  resolve(raw, name): LossSettings {
    if (raw.ge) {
      if (raw.loss !== undefined || raw.burst !== undefined) {
        throw new UsageError(`${name('ge')}: give either ge (p,r,1-h,1-k) or loss with burst, not both`);
      }
      if (raw.lossModel === 'bernoulli') throw new UsageError(`${name('ge')}: ge is a gilbert-elliott model, but lossModel is bernoulli`);
      const [p, r, badLoss, goodLoss] = raw.ge;
      if (r === 0 && p > 0) throw new UsageError(`${name('ge')}: r (bad->good) of 0 never leaves the bad state`);
      return { loss: { kind: 'gilbert-elliott', p, r, badLoss, goodLoss } };
    }
    const model = raw.lossModel ?? (raw.burst !== undefined ? 'gilbert-elliott' : 'bernoulli');
    if (model === 'bernoulli') {
      if (raw.burst !== undefined) throw new UsageError(`${name('burst')}: burst needs lossModel gilbert-elliott`);
      return { loss: raw.loss ? { kind: 'bernoulli', rate: raw.loss } : { kind: 'none' } };
    }
    const loss = raw.loss ?? 0;
    if (loss === 0) return { loss: { kind: 'none' } };
    if (raw.burst === undefined) {
      throw new UsageError(`${name('burst')}: gilbert-elliott with a loss needs the mean burst length in packets`);
    }
    // Lossless good state, all-loss bad state: mean burst = 1/r, stationary loss = p / (p + r).
    const r = 1 / raw.burst;
    const p = (loss * r) / (1 - loss);
    if (!(p <= 1)) {
      throw new UsageError(`${name('loss')}: a mean loss of ${loss * 100}% with bursts of ${raw.burst} is not reachable; raise burst`);
    }
    return { loss: { kind: 'gilbert-elliott', p, r, badLoss: 1, goodLoss: 0 } };
  },
  create: (rng) => new Loss(rng),
});

/**
 * The GE state is advanced for every ordinal in order (with the transition draw keyed by that ordinal), dropped
 * or not, so the state sequence is a function of the seed alone. As in netem, a packet's loss uses the state it
 * arrives in; the transition applies from the next packet.
 */
class Loss implements Stage<LossSettings> {
  private model: LossModel = { kind: 'none' };
  private bad = false;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: LossSettings): void {
    this.model = settings.loss;
    if (this.model.kind !== 'gilbert-elliott') this.bad = false;
  }

  apply(fate: FateScratch): void {
    const m = this.model;
    const n = fate.ordinal;
    let lost = false;
    if (m.kind === 'bernoulli') {
      lost = this.rng.uniform(n, Purpose.loss) < m.rate;
    } else if (m.kind === 'gilbert-elliott') {
      lost = this.rng.uniform(n, Purpose.geLoss) < (this.bad ? m.badLoss : m.goodLoss);
      if (this.rng.uniform(n, Purpose.geTransition) < (this.bad ? m.r : m.p)) this.bad = !this.bad;
    }
    if (lost && fate.fate === 'forwarded') fate.drop('loss');
  }
}
