import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, runScenario } from '../../src/index.js';
import { ROOT } from '../support/cli.js';

const DIR = join(ROOT, 'fixtures', 'scenarios');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** Every fixture scenario runs through the public test API and must meet its own expectations. */
describe('e2e: fixture scenarios', function () {
  this.timeout(120_000);

  it('has fixture scenarios to run', () => {
    expect(FILES.length).to.be.greaterThan(0);
  });

  for (const file of FILES) {
    it(`${file} meets its expectations`, async () => {
      const report = await runScenario(await loadScenario(join(DIR, file)));
      const failed = report.expectations.filter((e) => !e.passed)
        .map((e) => `${e.metric} ${e.expected}: measured ${e.measured} (seed ${report.seed})`);
      expect(failed, failed.join('; ')).to.deep.equal([]);
      expect(report.passed).to.equal(true);
    });
  }
});
