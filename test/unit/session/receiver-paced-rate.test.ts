import { expect } from 'chai';
import { buildRtcp, parseRtcp, type RtcpMessage } from '../../../src/rtcp/rtcp-message.js';
import type { OutgoingPackets } from '../../../src/rtp/outgoing-packets.js';
import { ReceiverPacedRate } from '../../../src/session/interceptors/receiver-paced-rate.js';
import type { SendContext } from '../../../src/session/interceptor.js';
import type { Frame } from '../../../src/frame.js';

const SSRC = 0x1234;

/** A receiver report on the stream with this share lost (RFC 3550's 8-bit fraction), as the session hands it on. */
function report(lost: number, ssrc = SSRC): RtcpMessage {
  return parseRtcp(buildRtcp({
    ssrc: 99, cname: 'rx',
    blocks: [{ ssrc, fractionLost: Math.round(lost * 256), cumulativeLost: 0, highestSequence: 0, jitter: 0, lsr: 0, dlsr: 0 }],
  }))!;
}

/** A controller on a fake clock; `sent(pps)` feeds it 200 ms of packets at that rate, then a report. */
function controller(initial = 100_000) {
  let nowUs = 0;
  const rates: number[] = [];
  const rate = new ReceiverPacedRate({ initialPacketsPerSecond: initial, onRate: (pps) => rates.push(pps), nowUs: () => nowUs });
  rate.bind({ ssrc: SSRC } as SendContext);
  const frame = {} as Frame;
  const step = (pps: number, lost: number) => {
    rate.onFrameOut({ count: pps / 5 } as OutgoingPackets, frame);
    nowUs += 200_000;
    rate.onRtcpIn(report(lost));
  };
  return { rate, rates, step };
}

describe('ReceiverPacedRate (adaptive pacing at --fps max)', () => {
  it('rises 1.5 times per clean report until the first loss, then cuts to 80% and rises 6% per clean report', () => {
    const { rate, rates, step } = controller();
    step(100_000, 0); // the first report has no rate to compare with: 150,000
    step(150_000, 0);
    step(225_000, 0);
    step(337_500, 0.1); // the receiver's limit
    step(270_000, 0);
    step(286_200, 0);
    expect(rates.map(Math.round)).to.deep.equal([150_000, 225_000, 337_500, 270_000, 286_200, 303_372]);
    expect(rate.report()).to.deep.include({ increases: 5, decreases: 1, reports: 6, peakPacketsPerSecond: 337_500 });
  });

  it('waits a report after a cut before cutting again: that report still covers the old rate', () => {
    const { rates, step } = controller(400_000);
    step(400_000, 0.2);
    step(320_000, 0.2); // sent partly before the cut: held
    step(320_000, 0.2);
    expect(rates.map(Math.round)).to.deep.equal([320_000, 256_000]);
  });

  it('cuts to the share that arrived when more than a fifth was lost: what an overflowing receiver took', () => {
    const { rates, step } = controller(400_000);
    step(400_000, 0); // 600,000: past what the receiver takes
    step(600_000, 0.6); // a little over 240,000 arrived
    expect(rates.map(Math.round)).to.deep.equal([600_000, 239_063]); // 600,000 x (1 - 153/256)
  });

  it('tolerates loss up to 2/256, and never goes under 1000 packets a second', () => {
    const { rates, step } = controller(1200);
    step(1200, 1 / 256);
    step(1800, 0.1);
    step(1440, 0);
    step(1440, 0.1);
    expect(rates.map(Math.round)).to.deep.equal([1800, 1440, 1526, 1221]);
    const low = controller(1100);
    low.step(1100, 0.5);
    low.step(1100, 0);
    low.step(1100, 0.5);
    expect(low.rates.map(Math.round)).to.deep.equal([1000, 1060, 1000]);
  });

  it('rises no further than 1.5 times what the sender really sent: a sender-bound stream reports no loss', () => {
    const { rates, step } = controller(100_000);
    step(100_000, 0); // 150,000
    step(80_000, 0); // the sender managed 80,000/s: 120,000 at most, under the rate: no rise
    step(120_000, 0); // 120,000/s sent: up to 180,000
    expect(rates.map(Math.round)).to.deep.equal([150_000, 180_000]);
  });

  it('reads only reports on its own stream', () => {
    const { rates, rate } = controller();
    rate.onRtcpIn(report(0.5, 0x9999));
    expect(rates).to.deep.equal([]);
    expect(rate.report().reports).to.equal(0);
  });
});
