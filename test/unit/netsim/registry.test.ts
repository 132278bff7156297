import { expect } from 'chai';
import { z } from 'zod';
import { registerStage, registeredStages } from '../../../src/netsim/stages/index.js';
import { defineStage, type StageDescriptor } from '../../../src/netsim/stages/stage.js';

/** A stage that does nothing, with one setting; the fields tests change to collide with the built-in stages. */
function toy(overrides: Partial<StageDescriptor> = {}): StageDescriptor {
  return {
    ...defineStage({
      name: 'toy',
      settings: { toy: { schema: z.boolean(), flag: { name: 'toy', value: 'bool', help: 'a toy' } } },
      causes: ['toy'],
      resolve: (raw) => ({ toy: raw.toy ?? false }),
      create: () => ({ configure() {}, apply() {} }),
    }),
    ...overrides,
  };
}

describe('netsim stage registry', () => {
  it('lists the built-in stages in chain order', () => {
    expect(registeredStages().map((s) => s.name)).to.deep.equal([
      'drop-list', 'loss', 'duplicate', 'corrupt', 'reorder', 'rate-limit', 'delay',
    ]);
  });

  it('places a stage before or after a named one, and removes it again', () => {
    const before = registeredStages();
    const unregister = registerStage(toy(), { before: 'delay' });
    expect(registeredStages().map((s) => s.name).slice(-3)).to.deep.equal(['rate-limit', 'toy', 'delay']);
    unregister();
    expect(registeredStages()).to.deep.equal(before);
    registerStage(toy(), { after: 'drop-list' })();
    expect(registeredStages()).to.deep.equal(before);
  });

  it('refuses a stage that would take what another stage has, or a cause traces cannot write', () => {
    const at = { after: 'delay' };
    expect(() => registerStage(toy(), { after: 'nothing' })).to.throw(/no stage 'nothing'/);
    expect(() => registerStage(toy({ name: 'loss' }), at)).to.throw(/name 'loss' is already stage 'loss''s/);
    const loss = registeredStages().find((s) => s.name === 'loss')!;
    expect(() => registerStage(toy({ settings: { burst: loss.settings.burst! } }), at)).to.throw(/setting 'burst'/);
    const renamed = { schema: z.boolean(), flag: { name: 'jitter', value: 'b', help: '' } };
    expect(() => registerStage(toy({ settings: { other: renamed } }), at)).to.throw(/flag 'jitter' is already stage 'delay''s/);
    expect(() => registerStage(toy({ resolve: () => ({ delayUs: 0 }) }), at)).to.throw(/resolved key 'delayUs'/);
    expect(() => registerStage(toy({ causes: ['queue'] }), at)).to.throw(/drop cause 'queue' is already stage 'rate-limit''s/);
    expect(() => registerStage(toy({ causes: ['Toy Drop'] }), at)).to.throw(/drop cause 'Toy Drop' is not/);
    expect(registeredStages().map((s) => s.name)).to.not.include('toy');
  });
});
