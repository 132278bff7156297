import { expect } from 'chai';
import { HANGING_TARGETS } from './hanging-target.js';
import { fuzzTarget } from './watchdog.js';

describe('fuzz watchdog', function () {
  this.timeout(120_000);

  it('reports a passing, a failing and a hanging property, shows the input that hung, and does not hang itself', async () => {
    const source = { module: new URL('./hanging-target.ts', import.meta.url).href, exportName: 'HANGING_TARGETS' };
    const outcomes = await fuzzTarget(HANGING_TARGETS[0]!, { seed: 3, runs: 200, batch: 100, hangMs: 2_000, source });
    expect(outcomes.map((o) => [o.property, o.status])).to.deep.equal([
      ['passes', 'passed'],
      ['fails above 900', 'failed'],
      ['loops forever on 7', 'hung'],
      ['comes after', 'not run'],
    ]);
    expect(outcomes[1]!.report).to.match(/Counterexample: \[901\]/); // shrunk to the smallest that fails
    expect(outcomes[2]!.report).to.match(/ran 2 s without finishing: \[7\]$/);
  });
});
