import { expect } from 'chai';
import { fpsDriftCheck, fpsSeries, memoryChecks, type SoakPoint } from '../../../bench/soak-check.js';

function points(rss: (i: number) => number, fds: (i: number) => number = () => 20): SoakPoint[] {
  return Array.from({ length: 60 }, (_, i) => ({ tSec: i * 10, rssMb: rss(i), cpuPct: 10, fds: fds(i) }));
}

describe('bench: soak checks', () => {
  it('a heap sawing up and down between collections is no growth; a rising floor is', () => {
    const saw = memoryChecks('receiver', points((i) => 80 + (i % 4) * 10), 60);
    expect(saw.map((c) => c.ok)).to.deep.equal([true, true]);
    const leak = memoryChecks('receiver', points((i) => 80 + (i % 4) * 10 + i * 0.2), 60);
    expect(leak[0]!.ok).to.equal(false);
    expect(leak[0]!.value).to.be.above(5);
  });

  it('growth during the warm-up does not count, an fd opened after it does', () => {
    const warm = memoryChecks('sender', points((i) => (i < 6 ? 100 + i * 10 : 160)), 60);
    expect(warm[0]).to.include({ ok: true, value: 0 });
    const fd = memoryChecks('sender', points(() => 100, (i) => (i > 40 ? 21 : 20)), 60);
    expect(fd[1]).to.include({ ok: false, value: 1 });
  });

  it('delivered fps per window, and drift between the first and last windows', () => {
    const arrivals = Array.from({ length: 600 }, (_, i) => 1e9 + i * 16_667);
    expect(fpsSeries(arrivals, 2)).to.deep.equal([60, 60, 60, 60]);
    expect(fpsDriftCheck([60, 60, 60, 60, 60, 60], 10, 20)).to.include({ ok: true, value: 0 });
    expect(fpsDriftCheck([60, 60, 60, 60, 57, 57], 10, 20)).to.include({ ok: false, value: 5 });
  });
});
