import { expect } from 'chai';
import {
  MAX_DROPOUT,
  SEQ_DUPLICATE,
  SEQ_IMPLAUSIBLE,
  SEQ_NEW,
  SEQ_RESTART,
  SEQUENCE_WINDOW,
  SequenceTracker,
} from '../../../src/rtp/sequence-tracker.js';

describe('SequenceTracker', () => {
  it('counts gaps as lost and late arrivals as filling them', () => {
    const t = new SequenceTracker();
    for (const s of [10, 11, 14, 15]) expect(t.accept(s)).to.equal(SEQ_NEW);
    expect(t.lost).to.equal(2);
    expect(t.accept(12)).to.equal(SEQ_NEW);
    expect(t.lost).to.equal(1);
  });

  it('flags duplicates across the window and wraps 32 bits', () => {
    const t = new SequenceTracker();
    let s = 0xfffffff0;
    for (let i = 0; i < 40; i++) t.accept((s + i) >>> 0);
    expect(t.accept(0xfffffff5)).to.equal(SEQ_DUPLICATE);
    expect(t.accept(3)).to.equal(SEQ_DUPLICATE);
    expect(t.lost).to.equal(0);
    s = (s + 40) >>> 0;
    // Slide the window a full lap: an old number's bit must not make a new number look duplicate.
    expect(t.accept((s + SEQUENCE_WINDOW) >>> 0)).to.equal(SEQ_NEW);
    expect(t.accept((s + 5) >>> 0)).to.equal(SEQ_NEW);
    expect(t.lost).to.equal(SEQUENCE_WINDOW - 1);
  });

  it('takes a packet that overtook the first one as the true start', () => {
    const t = new SequenceTracker();
    t.accept(100);
    t.accept(98);
    expect(t.lost).to.equal(1);
    expect(t.accept(99)).to.equal(SEQ_NEW);
    expect(t.lost).to.equal(0);
  });

  it('holds an implausible jump until a second in sequence confirms a restart, keeping earlier loss', () => {
    const t = new SequenceTracker();
    t.accept(1);
    t.accept(3);
    expect(t.accept(3 + MAX_DROPOUT)).to.equal(SEQ_IMPLAUSIBLE);
    expect(t.accept(10 + MAX_DROPOUT)).to.equal(SEQ_IMPLAUSIBLE);
    expect(t.lost).to.equal(1);
    expect(t.accept(11 + MAX_DROPOUT)).to.equal(SEQ_RESTART);
    expect(t.accept(13 + MAX_DROPOUT)).to.equal(SEQ_NEW);
    expect(t.lost).to.equal(2);
  });

  it('reset keeps the loss counted so far and starts a new stream', () => {
    const t = new SequenceTracker();
    t.accept(1);
    t.accept(5);
    t.reset();
    t.accept(9000);
    expect(t.accept(9000)).to.equal(SEQ_DUPLICATE);
    expect(t.lost).to.equal(3);
  });
});
