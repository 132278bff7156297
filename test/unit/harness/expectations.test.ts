import { expect } from 'chai';
import { evaluateExpectations, parseCondition, parseExpectations } from '../../../src/harness/expectations.js';
import { METRIC_NAMES, type Metrics } from '../../../src/harness/metric-list.js';
import { UsageError } from '../../../src/usage-error.js';

function metrics(overrides: Partial<Metrics>): Metrics {
  const base = Object.fromEntries(METRIC_NAMES.map((n) => [n, 0])) as unknown as Metrics;
  return { ...base, ...overrides };
}

describe('harness expectations', () => {
  it('parses every comparison', () => {
    expect(parseCondition('>= 0.9', 'f')).to.deep.equal({ op: '>=', value: 0.9 });
    expect(parseCondition('<=60', 'f')).to.deep.equal({ op: '<=', value: 60 });
    expect(parseCondition(' == 0 ', 'f')).to.deep.equal({ op: '==', value: 0 });
    expect(parseCondition('!= -1', 'f')).to.deep.equal({ op: '!=', value: -1 });
    expect(parseCondition('> 1e3', 'f')).to.deep.equal({ op: '>', value: 1000 });
    expect(parseCondition('< 5', 'f')).to.deep.equal({ op: '<', value: 5 });
  });

  it('rejects conditions without an operator or a number, naming the field', () => {
    for (const bad of ['0.9', '>= ', '=> 3', '>= x', 5, null]) {
      expect(() => parseCondition(bad, 'expect.fps')).to.throw(UsageError, /^expect\.fps: /);
    }
    expect(() => parseExpectations({ nonsense: '> 1' })).to.throw(UsageError, /^expect\.nonsense: unknown metric \(known: framesSent/);
  });

  it('passes and fails on the measured value, and adds the implicit framesComplete > 0', () => {
    const list = parseExpectations({ deliveredRatio: '>= 0.9', framesCorrupt: '== 0' });
    const good = evaluateExpectations(list, metrics({ deliveredRatio: 0.95, framesComplete: 95 }));
    expect(good.map((r) => r.passed)).to.deep.equal([true, true, true]);
    expect(good[2]).to.include({ metric: 'framesComplete', implicit: true, expected: '> 0', measured: 95 });
    const bad = evaluateExpectations(list, metrics({ deliveredRatio: 0.5, framesCorrupt: 2, framesComplete: 50 }));
    expect(bad.map((r) => [r.metric, r.passed, r.measured])).to.deep.equal([
      ['deliveredRatio', false, 0.5], ['framesCorrupt', false, 2], ['framesComplete', true, 50],
    ]);
  });

  it('fails a run that received nothing even when it expects nothing', () => {
    const results = evaluateExpectations([], metrics({ framesSent: 10, framesComplete: 0 }));
    expect(results).to.have.length(1);
    expect(results[0]!.passed).to.equal(false);
  });

  it('fails an expectation on a metric that could not be measured', () => {
    const [latency] = evaluateExpectations(parseExpectations({ latencyP95Ms: '<= 100' }), metrics({ latencyP95Ms: undefined }));
    expect(latency!.passed).to.equal(false);
    expect(latency!.measured).to.equal(undefined);
  });
});
