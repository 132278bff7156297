import { expect } from 'chai';
import { buildFrameMap } from '../../../src/harness/frame-map.js';
import type { FrameRecord } from '../../../src/transport/receiver.js';
import type { SentFrame } from '../../../src/transport/sender.js';

const BYTES = 1000;

function sentFrames(n: number): SentFrame[] {
  return Array.from({ length: n }, (_, i) => ({ index: i, captureTimeUs: 1e9 + i * 33_333, rtpTimestamp: 5000 + i * 3000, packets: 4 }));
}

function record(over: Partial<FrameRecord>): FrameRecord {
  return { index: 0, complete: true, bytesMissing: 0, indexFrom: 'stamp', intact: true, latencyMs: 5, arrivalUs: 0, ...over };
}

describe('harness frame map', () => {
  it('gives every sent frame a fate, never-seen ones missing all their bytes', () => {
    const sent = sentFrames(4);
    const map = buildFrameMap({
      sent,
      stamped: true,
      frameBytes: BYTES,
      records: [
        record({ index: 0, rtpTimestamp: 5000 }),
        record({ index: 1, rtpTimestamp: 8000, complete: false, bytesMissing: 300, intact: undefined, latencyMs: undefined }),
        record({ index: 3, rtpTimestamp: 14000, intact: false }),
      ],
    });
    expect(map.frames.map((f) => [f.index, f.fate, f.complete, f.bytesMissing, f.latencyMs])).to.deep.equal([
      [0, 'complete', true, 0, 5],
      [1, 'incomplete', false, 300, undefined],
      [2, 'never-seen', false, BYTES, undefined],
      [3, 'corrupt', true, 0, undefined],
    ]);
  });

  it('matches by RTP timestamp when the stamp rows were lost or hold a stale stamp', () => {
    const sent = sentFrames(3);
    const map = buildFrameMap({
      sent,
      stamped: true,
      frameBytes: BYTES,
      records: [
        // Frame 2 lost its top rows: the pooled buffer still showed frame 0's stamp, or none at all.
        record({ index: 0, rtpTimestamp: 11000, complete: false, bytesMissing: 100 }),
        record({ index: 7, indexFrom: 'rtpTimestamp', rtpTimestamp: 8000, complete: false, bytesMissing: 50, intact: undefined }),
      ],
    });
    expect(map.frames.map((f) => f.fate)).to.deep.equal(['never-seen', 'incomplete', 'incomplete']);
    expect(map.frames[2]!.bytesMissing).to.equal(100);
    expect(map.unmatched).to.equal(0);
  });

  it('matches by stamp index on a wire without timestamps, and counts what matches nothing', () => {
    const sent = sentFrames(2).map(({ rtpTimestamp: _ts, ...f }) => f);
    const map = buildFrameMap({
      sent,
      stamped: true,
      frameBytes: BYTES,
      records: [record({ index: 1 }), record({ index: 0, indexFrom: 'ordinal' }), record({ index: 99 })],
    });
    expect(map.frames.map((f) => f.fate)).to.deep.equal(['never-seen', 'complete']);
    expect(map.unmatched).to.equal(2);
  });

  it('counts a whole frame without a readable stamp as corrupt when the source stamps', () => {
    const sent = sentFrames(1);
    const records = [record({ indexFrom: 'rtpTimestamp', intact: undefined, latencyMs: undefined, rtpTimestamp: 5000 })];
    expect(buildFrameMap({ sent, records, frameBytes: BYTES, stamped: true }).frames[0]!.fate).to.equal('corrupt');
    expect(buildFrameMap({ sent, records, frameBytes: BYTES, stamped: false }).frames[0]!.fate).to.equal('complete');
  });

  it('counts duplicates and whole frames out of order, keeping the best copy', () => {
    const sent = sentFrames(3);
    const map = buildFrameMap({
      sent,
      stamped: true,
      frameBytes: BYTES,
      records: [
        record({ index: 0, rtpTimestamp: 5000, complete: false, bytesMissing: 10 }),
        record({ index: 2, rtpTimestamp: 11000 }),
        record({ index: 1, rtpTimestamp: 8000 }),
        record({ index: 0, rtpTimestamp: 5000 }),
      ],
    });
    expect(map.duplicates).to.equal(1);
    expect(map.outOfOrder).to.equal(1);
    expect(map.frames.map((f) => f.fate)).to.deep.equal(['complete', 'complete', 'complete']);
  });
});
