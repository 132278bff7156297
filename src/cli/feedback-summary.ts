import type { ReceiverReport } from '../transport/receiver.js';
import type { SenderStats } from '../transport/sender.js';

/** Milliseconds for a summary line. */
function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

/**
 * The RTCP, NACK and RTX lines of a send or receive summary: what this end measured beside what its peer reported,
 * so a disagreement shows. Empty when the stream carried no RTCP (the raw wire).
 */
export function feedbackSummary(r: SenderStats | ReceiverReport): string {
  const lines: string[] = [];
  if ('framesSent' in r) {
    const { rtcp, rtx } = r;
    if (rtcp) {
      const rtt = rtcp.rttMs ? `round trip p50 ${ms(rtcp.rttMs.p50)}, max ${ms(rtcp.rttMs.max)}` : 'no round trip measured (no report echoed a sender report)';
      const peer = rtcp.peer
        ? `; the receiver reports ${rtcp.peer.cumulativeLost} of ${rtcp.packetsSent} packets lost (last interval ${percent(rtcp.peer.fractionLost)}), jitter ${ms(rtcp.peer.jitterMs)}`
        : '; no receiver report came back';
      lines.push(`rtcp: ${rtcp.reportsSent} sender reports sent, ${rtcp.reportsReceived} received, ${rtcp.malformed} malformed; ${rtt}${peer}`);
    }
    if (rtx) {
      lines.push(`rtx: ${rtx.retransmitted} of ${rtx.packetsRequested} packets asked for sent again in ${rtx.nacksReceived} NACKs ` +
        `(${rtx.overheadPercent}% overhead; ${rtx.notInHistory} no longer kept, ${rtx.repeatedRequests} repeats, ${rtx.rateLimited} over budget)`);
    }
  } else {
    const { rtcp, nack } = r;
    if (rtcp) {
      const peer = rtcp.peer ? `; the sender reports ${rtcp.peer.packetsSent} packets sent, ${rtcp.packetsReceived} arrived` : '; no sender report came';
      lines.push(`rtcp: ${rtcp.reportsSent} receiver reports sent, ${rtcp.reportsReceived} received, ${rtcp.malformed} malformed; ` +
        `loss ${rtcp.cumulativeLost} packets, jitter ${ms(rtcp.jitterMs)}${peer}`);
    }
    if (nack) {
      lines.push(`nack: ${nack.packetsRequested} packets asked for in ${nack.nacksSent} NACKs (${nack.requestsSent} requests), ` +
        `${nack.retransmissionsReceived} arrived, ${nack.framesRecovered} frames recovered, ${nack.packetsTooLate} too late; ` +
        `round trip ${ms(nack.rttMs)}`);
    }
  }
  return lines.map((l) => `framewire ${'framesSent' in r ? 'send' : 'receive'}: ${l}\n`).join('');
}
