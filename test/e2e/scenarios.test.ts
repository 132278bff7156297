import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, runScenario, type ScenarioReport } from '../../src/index.js';
import { ROOT } from '../support/cli.js';

const DIR = join(ROOT, 'fixtures', 'scenarios');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** Where each frame and packet went, for the message of a failed expectation. */
function howItWent(report: ScenarioReport): string {
  const fates: Record<string, number> = {};
  for (const f of report.frames) fates[f.fate] = (fates[f.fate] ?? 0) + 1;
  const { frames: _frames, samples: _samples, timeSeries: _series, scenario: _scenario, ...rest } = report;
  return `frames by fate ${JSON.stringify(fates)}, in sending order: ${report.frames.map((f) => f.fate[0]).join('')}\n` +
    JSON.stringify({ network: rest.network, sender: rest.sender, receiver: rest.receiver });
}

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
      expect(failed, `${failed.join('; ')}\n${howItWent(report)}`).to.deep.equal([]);
      expect(report.passed).to.equal(true);
    });
  }
});
