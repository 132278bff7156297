import type { ImpairmentSettings, LossModel } from '../config.js';
import type { FateScratch } from '../fate.js';
import { Purpose, type KeyedRng } from '../rng.js';
import type { Stage } from './stage.js';

/**
 * Random loss, Bernoulli or Gilbert-Elliott. The GE state is advanced for every ordinal in order (with the
 * transition draw keyed by that ordinal), so the state sequence is a function of the seed alone. As in netem,
 * a packet's loss uses the state it arrives in; the transition applies from the next packet.
 */
export class LossStage implements Stage {
  private model: LossModel = { kind: 'none' };
  private bad = false;

  constructor(private readonly rng: KeyedRng) {}

  configure(settings: ImpairmentSettings): void {
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
