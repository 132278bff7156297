import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SCENARIO, isScenario, loadScenario, parseScenario } from '../../../src/harness/scenario.js';
import { UsageError } from '../../../src/usage-error.js';

function usageMessage(json: unknown): string {
  try {
    parseScenario(json);
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('harness scenario', () => {
  it('fills every default from a name alone', () => {
    const s = parseScenario({ name: 'minimal' });
    expect(s.source).to.equal('pattern:ball');
    expect(s.geometry).to.deep.equal({ width: 320, height: 240, format: 'rgb24' });
    expect(s.fps).to.equal(30);
    expect(s.frames).to.equal(90);
    expect(s.mtu).to.equal(1500);
    expect(s.wire).to.equal('rtp');
    expect(s.network.settings.loss).to.deep.equal({ kind: 'none' });
    expect(s.sinks).to.deep.equal([]);
    expect(s.expect).to.deep.equal([]);
    expect(isScenario(s)).to.equal(true);
    expect(isScenario({ ...s })).to.equal(false);
  });

  it("reads the issue's example scenario", () => {
    const s = parseScenario({
      name: 'bursty-wifi', source: 'pattern:ball', size: '320x240', format: 'rgb24', fps: 60, frames: 600, mtu: 1400,
      wire: 'rtp', network: { seed: 7, loss: '2%', lossModel: 'gilbert-elliott', burst: 4, delay: '20ms' },
      sinks: ['png:out/frames:every=60'],
      expect: { deliveredRatio: '>= 0.9', latencyP95Ms: '<= 60', fps: '>= 55', framesCorrupt: '== 0' },
    });
    expect(s.network.seed).to.equal(7);
    expect(s.network.settings.delayUs).to.equal(20_000);
    expect(s.network.settings.loss.kind).to.equal('gilbert-elliott');
    expect(s.expect.map((e) => [e.metric, e.op, e.value])).to.deep.equal([
      ['deliveredRatio', '>=', 0.9], ['latencyP95Ms', '<=', 60], ['fps', '>=', 55], ['framesCorrupt', '==', 0],
    ]);
  });

  it('names the path of the field in every error', () => {
    expect(usageMessage({})).to.equal('name: is required');
    expect(usageMessage({ name: 'x', fps: -1 })).to.equal('fps: must be positive');
    expect(usageMessage({ name: 'x', pacing: 'smooth' })).to.equal('pacing: must be one of linear, gapped, burst, adaptive');
    expect(usageMessage({ name: 'x', frames: 1.5 })).to.match(/^frames: must be a whole number/);
    expect(usageMessage({ name: 'x', format: 'yuv' })).to.match(/^format: must be one of rgb24, uyvy/);
    expect(usageMessage({ name: 'x', wire: 'tcp' })).to.match(/^wire: /);
    expect(usageMessage({ name: 'x', size: 'big' })).to.match(/^size: 'big' is not a size/);
    expect(usageMessage({ name: 'x', size: '321x240', format: 'uyvy' })).to.match(/^size: width 321 must be even/);
    expect(usageMessage({ name: 'x', sinks: ['null', 3] })).to.match(/^sinks\[1\]: /);
    expect(usageMessage({ name: 'x', colour: 'red' })).to.equal('colour: unknown field');
    expect(usageMessage({ name: 'x', network: { loss: '12x' } })).to.match(/^network\.loss: /);
    expect(usageMessage({ name: 'x', network: { timeline: [{ at: '1s', los: '1%' }] } }))
      .to.match(/^network\.timeline\[0\]\.los: unknown field/);
    expect(usageMessage({ name: 'x', expect: { goodput: '>= 1' } })).to.match(/^expect\.goodput: unknown metric/);
    expect(usageMessage({ name: 'x', expect: { fps: 'fast' } })).to.match(/^expect\.fps: "fast" is not a condition/);
    expect(usageMessage([1])).to.match(/^scenario: /);
  });

  it('loads a file, naming it when it cannot be read or parsed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fw-scenario-'));
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ name: 'file', fps: 10 }));
    expect((await loadScenario(good)).fps).to.equal(10);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ name: ');
    await loadScenario(bad).then(() => expect.fail('parsed'), (err: Error) => {
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.match(/bad\.json: not valid JSON/);
    });
    await loadScenario(join(dir, 'missing.json')).then(() => expect.fail('read'), (err: Error) => {
      expect(err.message).to.match(/missing\.json: cannot read the scenario \(ENOENT\)/);
    });
  });

  it('has a valid built-in default scenario', () => {
    const s = parseScenario(DEFAULT_SCENARIO);
    expect(s.network.settings.loss.kind).to.equal('gilbert-elliott');
    expect(s.expect.length).to.be.greaterThan(0);
  });
});
