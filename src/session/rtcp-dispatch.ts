import { parseRtcp, type RtcpMessage } from '../rtcp/rtcp-message.js';

/** Features that threw, counted, with the first one's message (a session's `featureErrors`). */
export interface FeatureErrors {
  count: number;
  first: string;
}

/** What dispatchRtcp needs of a feature: a send and a receive interceptor alike. */
interface RtcpReader {
  readonly name: string;
  onRtcpIn?(message: RtcpMessage, arrivalUs: number): void;
}

/**
 * Parses an incoming RTCP datagram once and hands the message to every feature that reads RTCP, in chain order. A
 * feature that throws is counted in `errors` and the rest still get the message: one broken feature must not silence
 * feedback for the others. False for a datagram that is not valid RTCP (the session counts it).
 */
export function dispatchRtcp(features: readonly RtcpReader[], datagram: Buffer, arrivalUs: number, errors: FeatureErrors): boolean {
  const message = parseRtcp(datagram);
  if (!message) return false;
  for (const feature of features) {
    if (!feature.onRtcpIn) continue;
    try {
      feature.onRtcpIn(message, arrivalUs);
    } catch (err) {
      if (errors.count++ === 0) errors.first = `${feature.name}: ${(err as Error).message}`;
    }
  }
  return true;
}
