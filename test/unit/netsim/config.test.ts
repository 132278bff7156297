import { expect } from 'chai';
import { parseNetworkConfig } from '../../../src/netsim/config.js';
import { DEFAULT_QUEUE_BYTES } from '../../../src/netsim/stages/rate-limit.js';
import { UsageError } from '../../../src/usage-error.js';

function failure(json: unknown): string {
  try {
    parseNetworkConfig(json);
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('netsim network config', () => {
  it('resolves the example from the issue', () => {
    const c = parseNetworkConfig({
      seed: 7, loss: '2%', lossModel: 'gilbert-elliott', burst: 4, delay: '20ms', jitter: '5ms',
      duplicate: '0.5%', reorder: '1%', corrupt: '0.1%', rate: '50mbit', queue: '256kb',
      timeline: [{ at: '5s', loss: '20%' }], reverse: { delay: '1ms' },
    });
    expect(c.seed).to.equal(7);
    expect(c.settings).to.include({
      delayUs: 20_000, jitterUs: 5_000, duplicate: 0.005, reorder: 0.01, corrupt: 0.001,
      rateBitsPerSec: 50_000_000, queueBytes: 262_144, distribution: 'uniform', reorderOnJitter: true,
    });
    expect(c.settings.loss.kind).to.equal('gilbert-elliott');
    expect(c.timeline).to.have.length(1);
    expect(c.timeline[0]!.atUs).to.equal(5_000_000);
    // The step changes only the loss; everything else carries over.
    expect(c.timeline[0]!.settings.delayUs).to.equal(20_000);
    expect(c.reverse!.settings.delayUs).to.equal(1_000);
  });

  it('turns the friendly gilbert-elliott form into p and r', () => {
    const { loss } = parseNetworkConfig({ loss: '10%', burst: 5 }).settings;
    if (loss.kind !== 'gilbert-elliott') throw new Error(loss.kind);
    expect(loss.r).to.be.closeTo(0.2, 1e-12);
    expect(loss.p / (loss.p + loss.r)).to.be.closeTo(0.1, 1e-12);
    expect(loss).to.include({ badLoss: 1, goodLoss: 0 });
  });

  it("takes netem's full form as a string or a list", () => {
    for (const ge of ['1%,30%,100%,0%', ['1%', 0.3, '100%', 0]]) {
      expect(parseNetworkConfig({ ge }).settings.loss).to.deep.equal({
        kind: 'gilbert-elliott', p: 0.01, r: 0.3, badLoss: 1, goodLoss: 0,
      });
    }
  });

  it('is clean when empty, and a rate gets the default queue', () => {
    const c = parseNetworkConfig({});
    expect(c.settings.loss.kind).to.equal('none');
    expect(c.reverse).to.equal(undefined);
    expect(parseNetworkConfig({ rate: '1mbit' }).settings.queueBytes).to.equal(DEFAULT_QUEUE_BYTES);
  });

  it('lets timeline steps switch between loss descriptions', () => {
    const c = parseNetworkConfig({ ge: '1%,30%,100%,0%', timeline: [{ at: '1s', loss: '5%' }, { at: '2s', loss: 0 }] });
    expect(c.timeline[0]!.settings.loss).to.deep.equal({ kind: 'bernoulli', rate: 0.05 });
    expect(c.timeline[1]!.settings.loss).to.deep.equal({ kind: 'none' });
  });

  it('names the path and the reason in every error', () => {
    expect(failure({ loss: '12x' })).to.equal("network.loss: '12x' is not a ratio (use 10% or 0.1)");
    expect(failure({ lossy: '1%' })).to.equal("network.lossy: unknown field 'lossy'");
    expect(failure({ reverse: { delay: '1h' } })).to.match(/^network\.reverse\.delay: '1h' is not a duration/);
    expect(failure({ timeline: [{ at: '1s' }, { at: 2, loss: '1%' }] })).to.equal(
      'network.timeline[1].at: 2 has no unit (use 2ms or 2s)',
    );
    expect(failure({ timeline: [{ at: '2s' }, { at: '1s' }] })).to.match(/^network\.timeline\[1\]\.at: .*before/);
    expect(failure({ timeline: [{ at: '1s', seed: 3 }] })).to.equal("network.timeline[0].seed: unknown field 'seed'");
    expect(failure({ lossModel: 'random' })).to.equal("network.lossModel: must be 'bernoulli' or 'gilbert-elliott'");
    expect(failure({ distribution: 'pareto' })).to.equal("network.distribution: must be 'uniform' or 'normal'");
    expect(failure({ burst: 0, loss: '1%' })).to.equal('network.burst: must be at least 1 packet');
    expect(failure({ loss: '1%', lossModel: 'gilbert-elliott' })).to.match(/^network\.burst: /);
    expect(failure({ loss: '1%', burst: 3, lossModel: 'bernoulli' })).to.match(/^network\.burst: .*gilbert-elliott/);
    expect(failure({ loss: '1%', ge: '1%,30%,100%,0%' })).to.match(/^network\.ge: give either/);
    expect(failure({ ge: '1%,30%' })).to.match(/^network\.ge: .*four ratios/);
    expect(failure({ loss: '90%', burst: 1 })).to.match(/^network\.loss: .*not reachable/);
    expect(failure({ queue: '64kb' })).to.match(/^network\.queue: a queue needs a rate/);
    expect(failure({ seed: 1.5 })).to.equal('network.seed: must be a whole number');
    expect(failure({ dropList: [1, -2] })).to.match(/^network\.dropList\[1\]: must be a list of packet ordinals/);
    expect(failure({ reorderOnJitter: 'no' })).to.equal('network.reorderOnJitter: must be true or false');
    expect(failure([])).to.match(/^network: /);
  });

  it('refuses delays, jitters and queues beyond an hour of waiting, naming the field', () => {
    expect(failure({ delay: '2600000s' })).to.equal("network.delay: '2600000s' is more than the maximum of 3600s (1 hour)");
    expect(failure({ jitter: '3600001ms' })).to.match(/^network\.jitter: '3600001ms' is more than the maximum of 3600s/);
    expect(failure({ delay: '1s', timeline: [{ at: '1s', delay: '2h' }] })).to.match(/^network\.timeline\[0\]\.delay: /);
    expect(failure({ delay: '1s', timeline: [{ at: '1s', delay: '4000s' }] })).to.match(/^network\.timeline\[0\]\.delay: '4000s' is more than/);
    expect(failure({ rate: '1gbit', queue: '2gb' })).to.equal("network.queue: '2gb' is more than the maximum of 1gb");
    // 64 KiB (the default queue) at 100 bit/s: 5243 s to drain.
    expect(failure({ rate: '100bit' })).to.match(/^network\.rate: at 100 bit\/s the queue of 65536 bytes takes 5243s to drain/);
    expect(failure({ rate: '1mbit', queue: '1gb' })).to.match(/^network\.queue: at 1000000 bit\/s the queue of 1073741824 bytes takes 8590s/);
    // At the limits, accepted.
    const c = parseNetworkConfig({ delay: '3600s', jitter: '3600s', rate: '1mbit', queue: '400mb' });
    expect(c.settings).to.include({ delayUs: 3_600_000_000, jitterUs: 3_600_000_000, queueBytes: 400 * 1024 ** 2 });
  });

  it('uses the given path or labels for messages', () => {
    expect(() => parseNetworkConfig({ loss: 'x' }, 'scenario.network')).to.throw(/^scenario\.network\.loss: /);
    expect(() => parseNetworkConfig({ loss: 'x' }, (p) => `--${String(p[0])}`)).to.throw(/^--loss: /);
  });
});
