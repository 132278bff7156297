import { expect } from 'chai';
import { SOURCE_KINDS, createSource } from '../../../src/sources/spec.js';
import { expectUsageError } from './helpers.js';

const QVGA = { width: 160, height: 120, format: 'rgb24' } as const;

describe('source spec', () => {
  it('lists the kinds for help text', () => {
    expect(Object.keys(SOURCE_KINDS)).to.include.members(['pattern', 'png']);
    for (const kind of Object.values(SOURCE_KINDS)) expect(kind.usage).to.be.a('string').and.not.equal('');
  });

  it('builds a source from kind:arg', async () => {
    const source = await createSource('pattern:smpte', QVGA);
    expect(source.description).to.equal('pattern:smpte 160x120 rgb24');
    await source.close();
  });

  it('rejects unknown kinds, listing the known ones', async () => {
    await expectUsageError(createSource('webcamz:0', QVGA), "source: unknown source kind 'webcamz' (known: pattern, png");
    await expectUsageError(createSource('toString:x', QVGA), "unknown source kind 'toString'");
  });

  it('rejects a kind without its argument', async () => {
    await expectUsageError(createSource('pattern', QVGA), 'source: pattern needs a name: pattern:NAME (smpte, ');
    await expectUsageError(createSource('png:', QVGA), 'source: png needs a path');
  });

  it('rejects unknown patterns and bad solid colours', async () => {
    await expectUsageError(createSource('pattern:plaid', QVGA), "source: unknown pattern 'plaid' (known: smpte, gradient");
    await expectUsageError(createSource('pattern:constructor', QVGA), "unknown pattern 'constructor'");
    await expectUsageError(createSource('pattern:solid:ff80', QVGA), "source: pattern:solid colour 'ff80' is not six hex digits");
    await expectUsageError(createSource('pattern:solid:gg8000', QVGA), "colour 'gg8000'");
  });

  it('rejects a bad geometry naming the geometry setting', async () => {
    await expectUsageError(createSource('pattern:smpte', { width: 161, height: 120, format: 'uyvy' }), 'geometry: width 161 must be even');
    await expectUsageError(createSource('pattern:smpte', { width: 0, height: 120, format: 'rgb24' }), 'geometry:');
  });
});
