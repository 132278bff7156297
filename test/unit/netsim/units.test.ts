import { expect } from 'chai';
import { parseBitRate, parseByteSize, parseDuration, parseRatio } from '../../../src/netsim/units.js';
import { UsageError } from '../../../src/usage-error.js';

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('netsim units', () => {
  it('parses durations into microseconds', () => {
    expect(parseDuration('40ms', 'f')).to.equal(40_000);
    expect(parseDuration('1.5s', 'f')).to.equal(1_500_000);
    expect(parseDuration('2us', 'f')).to.equal(2);
    expect(parseDuration('250µs', 'f')).to.equal(250);
    expect(parseDuration('0.5ms', 'f')).to.equal(500);
    expect(parseDuration(0, 'f')).to.equal(0);
    expect(parseDuration('0', 'f')).to.equal(0);
  });

  it('rejects durations without a unit or with a bad one, naming the field', () => {
    expect(failure(() => parseDuration('40', 'network.delay'))).to.equal("network.delay: '40' has no unit (use 40ms or 40s)");
    expect(failure(() => parseDuration('40 m', 'network.delay'))).to.match(/^network\.delay: '40 m' is not a duration/);
    expect(failure(() => parseDuration(40, 'network.delay'))).to.equal('network.delay: 40 has no unit (use 40ms or 40s)');
    expect(failure(() => parseDuration('1h', '--delay'))).to.match(/^--delay: '1h' is not a duration/);
    expect(failure(() => parseDuration('-5ms', '--jitter'))).to.match(/^--jitter: /);
    expect(failure(() => parseDuration(null, '--jitter'))).to.match(/^--jitter: null is not a duration/);
  });

  it('parses ratios as percentages, fractions and numbers', () => {
    expect(parseRatio('10%', 'f')).to.be.closeTo(0.1, 1e-12);
    expect(parseRatio('0.1', 'f')).to.equal(0.1);
    expect(parseRatio(0.25, 'f')).to.equal(0.25);
    expect(parseRatio('100%', 'f')).to.equal(1);
    expect(parseRatio('0', 'f')).to.equal(0);
  });

  it('rejects bad ratios, naming the field', () => {
    expect(failure(() => parseRatio('12x', 'network.loss'))).to.equal(
      "network.loss: '12x' is not a ratio (use 10% or 0.1)",
    );
    expect(failure(() => parseRatio('150%', '--loss'))).to.equal("--loss: '150%' is outside 0..100%");
    expect(failure(() => parseRatio('', '--loss'))).to.match(/^--loss: '' is not a ratio/);
  });

  it('says that a number without % is a ratio from 0 to 1, and suggests the percentage it may have meant', () => {
    expect(failure(() => parseRatio('40', '--loss'))).to.equal("--loss: '40': a number without % is a ratio from 0 to 1; did you mean 40%?");
    expect(failure(() => parseRatio(2, 'network.duplicate'))).to.equal('network.duplicate: 2: a number without % is a ratio from 0 to 1; did you mean 2%?');
    expect(failure(() => parseRatio('2.5', '--corrupt'))).to.match(/^--corrupt: '2\.5': .*did you mean 2\.5%\?$/);
    expect(failure(() => parseRatio('400', '--reorder'))).to.equal("--reorder: '400': a number without % is a ratio from 0 to 1 (e.g. 0.1 for 10%)");
    expect(failure(() => parseRatio(-0.5, 'network.loss'))).to.equal('network.loss: -0.5: a number without % is a ratio from 0 to 1 (e.g. 0.1 for 10%)');
  });

  it('parses bit rates with SI prefixes', () => {
    expect(parseBitRate('8mbit', 'f')).to.equal(8_000_000);
    expect(parseBitRate('500kbit', 'f')).to.equal(500_000);
    expect(parseBitRate('1gbit', 'f')).to.equal(1_000_000_000);
    expect(parseBitRate('1.5Mbit', 'f')).to.equal(1_500_000);
    expect(parseBitRate('9600bit', 'f')).to.equal(9600);
    expect(parseBitRate(64_000, 'f')).to.equal(64_000);
  });

  it('rejects rates that are not bit/s, naming the field', () => {
    expect(failure(() => parseBitRate('8mbps', '--rate'))).to.match(/^--rate: '8mbps' is not a bit rate/);
    expect(failure(() => parseBitRate('8', '--rate'))).to.match(/^--rate: '8' is not a bit rate/);
    expect(failure(() => parseBitRate(0, 'network.rate'))).to.match(/^network\.rate: 0 is not a bit rate/);
  });

  it('parses byte sizes with binary prefixes', () => {
    expect(parseByteSize('64kb', 'f')).to.equal(65_536);
    expect(parseByteSize('1mb', 'f')).to.equal(1_048_576);
    expect(parseByteSize('1500b', 'f')).to.equal(1500);
    expect(parseByteSize('64KiB', 'f')).to.equal(65_536);
    expect(parseByteSize(4096, 'f')).to.equal(4096);
  });

  it('rejects bad sizes, naming the field', () => {
    expect(failure(() => parseByteSize('64k', '--queue'))).to.match(/^--queue: '64k' is not a size in bytes/);
    expect(failure(() => parseByteSize('lots', 'network.queue'))).to.match(/^network\.queue: 'lots'/);
    expect(failure(() => parseByteSize(-1, '--queue'))).to.match(/^--queue: -1 is not a size/);
  });
});
