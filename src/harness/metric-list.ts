/**
 * The totals of a scenario run, by name. Every value is computed from what the receiver assembled and verified;
 * none comes from what the sender meant to send. Undefined means nothing was there to measure (latency when no
 * frame was complete), which fails any expectation on it.
 */
export interface Metrics {
  framesSent: number;
  framesReceived: number;
  framesComplete: number;
  framesIncomplete: number;
  framesNeverSeen: number;
  framesCorrupt: number;
  framesDuplicate: number;
  framesOutOfOrder: number;
  deliveredRatio: number;
  fps: number;
  fpsSent: number;
  latencyP50Ms: number | undefined;
  latencyP95Ms: number | undefined;
  latencyP99Ms: number | undefined;
  latencyMaxMs: number | undefined;
  jitterMs: number | undefined;
  packetsSent: number;
  packetsLost: number;
  packetLossPct: number;
  maxLossBurst: number;
  throughputMbps: number;
  framesRecovered: number | undefined;
  rtxOverheadPct: number | undefined;
  rttP50Ms: number | undefined;
}

export type MetricName = keyof Metrics;

/** The metrics that come from RTCP, NACK and RTX rather than from the frame map. */
export type FeedbackMetricName = 'framesRecovered' | 'rtxOverheadPct' | 'rttP50Ms';

/** What each metric measures: the list an expectation may name, and the reference docs/harness.md mirrors. */
export const METRICS: Readonly<Record<MetricName, string>> = {
  framesSent: 'frames the sender put on the wire',
  framesReceived: 'sent frames the receiver saw at least one packet of',
  framesComplete: 'sent frames that arrived whole and, when stamped, matched their CRC',
  framesIncomplete: 'sent frames that arrived with bytes missing',
  framesNeverSeen: 'sent frames of which not one packet arrived',
  framesCorrupt: 'sent frames that arrived whole but whose pixels did not match their stamp',
  framesDuplicate: 'frames the receiver assembled more than once',
  framesOutOfOrder: 'frames the receiver assembled after a later frame',
  deliveredRatio: 'framesComplete / framesSent',
  fps: 'complete frames per second of the sending window (N frames over N frame periods)',
  fpsSent: 'frames sent per second over the sending window',
  latencyP50Ms: 'median capture-to-arrival latency of complete stamped frames, ms',
  latencyP95Ms: '95th percentile latency, ms',
  latencyP99Ms: '99th percentile latency, ms',
  latencyMaxMs: 'largest latency, ms',
  jitterMs: 'mean |change in transit time| between consecutive delivered frames (RFC 3550 D), ms',
  packetsSent: 'packets the sender put on the wire',
  packetsLost: 'sent packets that never reached the receiver',
  packetLossPct: 'packetsLost / packetsSent, percent',
  maxLossBurst: 'longest run of consecutive lost packets',
  throughputMbps: 'bytes the receiver took in, Mbit/s over its receiving window',
  framesRecovered: 'complete frames that needed a packet asked for again (protection.nack)',
  rtxOverheadPct: 'retransmitted bytes / media bytes, percent (protection.nack)',
  rttP50Ms: "median round trip from the receiver's RTCP reports (LSR/DLSR), ms",
};

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
