import { expect } from 'chai';
import { parseOptions, planRows, rowLabel } from '../../../bench/plan.js';
import { UsageError } from '../../../src/usage-error.js';

const have = { gstreamer: true, nativeAddon: false };

describe('bench: options and the rows they select', () => {
  it('runs the whole suite by default: 17 direct (4K headline only), 5 relay, paced 4K, 4 latency, memory and ceilings', () => {
    const rows = planRows(parseOptions([], {}), have);
    const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).length;
    expect(count((r) => r.kind === 'throughput' && !r.relay)).to.equal(17);
    expect(count((r) => r.kind === 'throughput' && !!r.relay)).to.equal(5);
    expect(count((r) => r.kind === 'paced')).to.equal(1);
    expect(count((r) => r.kind === 'latency')).to.equal(4);
    expect(count((r) => r.kind === 'memory' && r.durationSec === 60)).to.equal(2);
    expect(count((r) => r.kind === 'ceiling')).to.equal(1);
    expect(rows.find((r) => r.kind === 'throughput' && !r.relay)!.engines).to.deep.equal(['framewire', 'gstreamer']);
    expect(rows.filter((r) => r.size === '3840x2160').map(rowLabel)).to.deep.equal([
      'throughput 3840x2160 rgb24 mtu 1400 direct',
      'throughput 3840x2160 rgb24 mtu 1400 relay',
      'paced 3840x2160 rgb24 mtu 1400 direct @60 fps',
    ]);
  });

  it('adds the sendmmsg and pure-JS paths to the headline rows when the native addon is built, and drops GStreamer when missing', () => {
    const withAddon = planRows(parseOptions(['--rows', '640x480+rgb24+1400+direct+throughput'], {}), { ...have, nativeAddon: true });
    expect(withAddon.map((r) => r.engines)).to.deep.equal([['framewire', 'framewire-sendmmsg', 'framewire-js', 'gstreamer']]);
    const noGst = planRows(parseOptions(['--rows', '640x480+uyvy+8972'], {}), { gstreamer: false, nativeAddon: false });
    expect(noGst.map((r) => r.engines)).to.deep.equal([['framewire']]);
  });

  it('filters rows: tokens joined by + must all match, filters separated by commas add up', () => {
    const rows = planRows(parseOptions(['--rows', '1280x720+uyvy,ceiling'], {}), have);
    expect(rows.map(rowLabel)).to.deep.equal([
      'throughput 1280x720 uyvy mtu 1400 direct',
      'throughput 1280x720 uyvy mtu 8972 direct',
      'iperf3 ceilings',
    ]);
  });

  it('quick mode: one repeat, a few small rows, no memory or paced run, results named quick', () => {
    const opts = parseOptions([], { BENCH_QUICK: '1' });
    expect(opts).to.include({ quick: true, repeats: 1, out: 'quick' });
    expect(planRows(opts, have).some((r) => r.kind === 'memory' || r.kind === 'paced' || r.size === '1920x1080')).to.equal(false);
  });

  it('the paced row: 4K rgb24 at 60 fps, framewire, 60 s unless --paced-sec or BENCH_PACED_SEC say otherwise', () => {
    const [row] = planRows(parseOptions(['--rows', 'paced'], {}), { ...have, nativeAddon: true });
    expect(row).to.deep.include({ kind: 'paced', size: '3840x2160', format: 'rgb24', mtu: 1400, fps: 60, durationSec: 60 });
    expect(row!.engines).to.deep.equal(['framewire']);
    const short = planRows(parseOptions(['--rows', 'paced', '--paced-sec', '20'], { BENCH_PACED_SEC: '90' }), have);
    expect(short.map((r) => r.durationSec)).to.deep.equal([20]);
    expect(planRows(parseOptions(['--rows', 'paced'], { BENCH_PACED_SEC: '90' }), have)[0]!.durationSec).to.equal(90);
    const both = planRows(parseOptions(['--rows', 'paced', '--engines', 'framewire,framewire-sendmmsg,gstreamer'], {}), have);
    expect(both[0]!.engines).to.deep.equal(['framewire', 'framewire-sendmmsg']);
  });

  it('filters on the 4K and relay tokens', () => {
    const rows = planRows(parseOptions(['--rows', '3840x2160+relay,1920x1080+relay'], {}), have);
    expect(rows.map(rowLabel)).to.deep.equal([
      'throughput 1920x1080 rgb24 mtu 1400 relay',
      'throughput 3840x2160 rgb24 mtu 1400 relay',
    ]);
  });

  it('takes repeats and duration from flags over the environment', () => {
    expect(parseOptions(['--repeats', '5'], { BENCH_REPEATS: '2', BENCH_DURATION: '1.5' })).to.include({ repeats: 5, durationSec: 1.5 });
  });

  it('rejects bad input with a UsageError naming the flag or variable', () => {
    expect(() => parseOptions(['--repeats', '0'], {})).to.throw(UsageError, /--repeats: '0' must be a positive integer/);
    expect(() => parseOptions(['--paced-sec', '0'], {})).to.throw(UsageError, /--paced-sec: '0' must be a positive number/);
    expect(() => parseOptions([], { BENCH_DURATION: 'soon' })).to.throw(UsageError, /BENCH_DURATION: 'soon'/);
    expect(() => parseOptions(['--engines', 'ffmpeg'], {})).to.throw(UsageError, /--engines: 'ffmpeg' is not one of/);
    expect(() => parseOptions(['--out', '../x'], {})).to.throw(UsageError, /--out/);
    expect(() => parseOptions(['--fast'], {})).to.throw(UsageError, /fast/);
  });
});
