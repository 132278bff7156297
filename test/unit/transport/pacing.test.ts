import { expect } from 'chai';
import { frameSchedule, GAPPED_ACTIVE_RATIO, resolvePacing } from '../../../src/transport/pacing.js';
import { SettingError } from '../../../src/usage-error.js';

describe('pacing schedule (ST 2110-21 section 6.3)', () => {
  const period60 = 1e9 / 60;

  it('linear spreads a frame evenly over the whole period: TRS = TFRAME / NPACKETS', () => {
    const { spacingNs } = frameSchedule('linear', period60, 672);
    expect(spacingNs).to.be.closeTo(24_801.6, 0.1);
    // The last packet is due one spacing before the next frame's first.
    expect(671 * spacingNs + spacingNs).to.be.closeTo(period60, 1e-6);
  });

  it('gapped leaves the vertical blanking gap at the end: TRS = TFRAME x 1080/1125 / NPACKETS', () => {
    expect(GAPPED_ACTIVE_RATIO).to.equal(0.96);
    const period30 = 1e9 / 30;
    const { spacingNs } = frameSchedule('gapped', period30, 1343);
    expect(spacingNs).to.be.closeTo((period30 * 1080) / 1125 / 1343, 1e-9);
    const lastDue = 1342 * spacingNs;
    // The gap after the last packet is the blanking, 45/1125 of the frame (1.33 ms at 30 fps) plus one spacing.
    expect(period30 - lastDue - spacingNs).to.be.closeTo((period30 * 45) / 1125, 1e-3);
  });

  it('burst sends every packet at once', () => {
    expect(frameSchedule('burst', period60, 672).spacingNs).to.equal(0);
  });

  it('defaults to linear at a set fps, and at max to adaptive with RTCP or burst without; a mode that cannot work is an error that says why', () => {
    expect(resolvePacing(undefined, 30, true)).to.equal('linear');
    expect(resolvePacing('gapped', 30, true)).to.equal('gapped');
    expect(resolvePacing(undefined, 'max', true)).to.equal('adaptive');
    expect(resolvePacing(undefined, 'max', false)).to.equal('burst');
    expect(resolvePacing('burst', 'max', true)).to.equal('burst');
    for (const mode of ['linear', 'gapped'] as const) {
      expect(() => resolvePacing(mode, 'max', true)).to.throw(SettingError, /--fps max has none/).with.property('setting', 'pacing');
    }
    expect(() => resolvePacing('adaptive', 'max', false)).to.throw(SettingError, /raw wire has none/).with.property('setting', 'pacing');
    expect(() => resolvePacing('adaptive', 30, true)).to.throw(SettingError, /adaptive is for --fps max/).with.property('setting', 'pacing');
    expect(() => resolvePacing('smooth' as never, 30, true)).to.throw(SettingError, /'smooth' is not a pacing mode/);
  });
});
