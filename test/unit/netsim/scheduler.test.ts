import { expect } from 'chai';
import { measureDelayAccuracy } from './delay-accuracy.js';

describe('netsim scheduler on real timers', function () {
  this.timeout(20_000);

  it('delivers 2,000 packets/s each close to its scheduled delay', async () => {
    const r = await measureDelayAccuracy(2000, 2);
    console.log(`      delay error over ${r.packets} packets: p50 ${r.p50Us.toFixed(0)}us, p99 ${r.p99Us.toFixed(0)}us, max ${r.maxUs.toFixed(0)}us`);
    expect(r.packets).to.equal(4000);
    // The 1 ms p99 target belongs to the benchmark: on a shared 2-core box other processes can starve this one
    // for tens of milliseconds. Exact timing logic is tested on the fake clock (stages.test.ts); here only a
    // bound that a scheduler which stalls or sleeps whole timer periods would break.
    expect(r.p50Us).to.be.below(5_000);
  });
});
