import type { ChainStats } from '../netsim/chain.js';
import type { Percentiles } from '../metrics.js';
import type { NackReport } from '../session/interceptors/nack.js';
import type { ReceiverReport } from '../transport/receiver.js';
import type { SenderStats } from '../transport/sender.js';
import type { ExpectationResult } from './expectations.js';
import type { FrameOutcome } from './frame-map.js';
import type { TimeSeries } from './measure.js';
import type { Metrics } from './metric-list.js';
import type { SampleFrame } from './sample-sink.js';

export const REPORT_SCHEMA_VERSION = 1;

/** A change of the network's settings during the run, for marking plots. */
export interface TimelineMark {
  /** Seconds after the first packet. */
  tSec: number;
  /** The step as written, e.g. "loss=5%, delay=40ms". */
  label: string;
}

/** The scenario as it ran, every default filled in, in the file's own terms. */
export interface ScenarioEcho {
  name: string;
  description?: string;
  source: string;
  size: string;
  format: string;
  fps: number;
  pacing: string;
  frames: number;
  mtu: number;
  wire: string;
  network: unknown;
  protection: { nack: boolean; latency: string; rtxHistory: string };
  sinks: string[];
  expect: Record<string, string>;
}

/**
 * Everything a run measured. The metrics sit at the top level so a test can say
 * `expect(report.deliveredRatio).to.be.at.least(0.95)`. docs/harness.md documents each field.
 */
export interface ScenarioReport extends Metrics {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  name: string;
  /** The network seed; run again with it to get the same per-frame delivery map. */
  seed: number;
  /** Every expectation held, the implicit `framesComplete > 0` included, and the run was not interrupted. */
  passed: boolean;
  /** The run was stopped early (SIGINT/SIGTERM, RunOptions.signal): the report covers the frames sent until then. */
  interrupted: boolean;
  startedAt: string;
  durationSec: number;
  scenario: ScenarioEcho;
  expectations: ExpectationResult[];
  /** Loss run length (packets) -> number of runs of exactly that length. */
  lossBursts: Record<string, number>;
  timeSeries: TimeSeries;
  timeline: TimelineMark[];
  /** Receiver records that matched no sent frame. */
  framesUnmatched: number;
  network: {
    forward: Omit<ChainStats, 'delayUs' | 'latenessUs'>;
    socketErrors: number;
    /** Packets lost that the simulator did not drop: the machine lost them, and the run is not repeatable. */
    lostOnHost: number;
    /**
     * Packets neither read by the receiver nor dropped by the simulator when the run stopped waiting for them (the
     * longest delay the network could give, plus a margin, after the last send). Counted lost, and in lostOnHost.
     */
    undelivered: number;
  };
  /** RTCP: the sender's round trip (LSR/DLSR), the receiver's jitter and loss, and what each said of the other. */
  rtcp?: {
    rttMs?: { p50: number; max: number };
    jitterMs: number;
    /** Packets lost as the receiver counted them, before retransmission. */
    packetsLostMeasured: number;
    /** What the receiver's last report reached the sender with. */
    peerFractionLost?: number;
    peerCumulativeLost?: number;
    senderReports: number;
    receiverReports: number;
    malformed: number;
  };
  /** Generic NACK and RTX (with protection.nack): requests, recoveries, bytes and latency they cost. */
  nack?: NackReport & {
    retransmitted: number;
    /** Retransmitted bytes / media bytes, percent. */
    overheadPercent: number;
    /** Latency of frames a request saved, and of frames that needed none (the cost of waiting for a repair). */
    latencyMs: { recovered?: Percentiles; clean?: Percentiles };
  };
  sender: SenderStats;
  receiver: Omit<ReceiverReport, 'latencyMs' | 'fps'>;
  /** One record per frame sent, in sending order. */
  frames: FrameOutcome[];
  /** A few received frames as PNG data URIs, for the HTML page (left out of the JSON report). */
  samples: SampleFrame[];
}

/** What an interrupted run says about itself: it did not run all its frames. */
export function interruption(report: ScenarioReport): string {
  return `interrupted after ${report.framesSent} of ${report.scenario.frames} frames`;
}
