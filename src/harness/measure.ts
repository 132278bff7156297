import { FrameSpan, perSecond } from '../frame-rate.js';
import { percentile, round, summarize } from '../metrics.js';
import type { SentFrame } from '../transport/sender.js';
import type { FeedbackMetricName, Metrics } from './metric-list.js';
import type { FrameMap } from './frame-map.js';
import type { PacketLoss } from './packet-log.js';

const TIME_SERIES_INTERVAL_MS = 100;

/** Columns for plotting, one row per 100 ms from the first frame's capture; null where there was nothing. */
export interface TimeSeries {
  intervalMs: number;
  /** Start of each interval, seconds since the first frame was captured. */
  tSec: number[];
  /** Complete frames arriving in the interval, per second. */
  fps: number[];
  /** Packet loss among the packets of frames captured in the interval, percent. */
  lossPct: (number | null)[];
  /** Median latency of the complete frames arriving in the interval, ms. */
  latencyMs: (number | null)[];
}

export interface MeasureInput {
  map: FrameMap;
  sent: readonly SentFrame[];
  loss: PacketLoss;
  /** The scenario's frame rate, whose period closes the sending window (src/frame-rate.ts). */
  fps: number;
  /** What the receiver took in, for throughput. */
  receiver: { bitrateMbps: number };
}

export interface Measurements {
  metrics: Omit<Metrics, FeedbackMetricName>;
  timeSeries: TimeSeries;
  /** Latencies of complete frames, ascending, for a CDF. */
  latenciesMs: number[];
}

/** Mean |D| of RFC 3550 6.4.1 over consecutive arrivals, unsmoothed so it does not depend on the last few frames. */
function transitJitterMs(map: FrameMap, sent: readonly SentFrame[]): number | undefined {
  const transits: Array<[arrivalUs: number, transitUs: number]> = [];
  map.frames.forEach((o, i) => {
    if (o.fate === 'complete' && o.arrivalUs !== undefined) transits.push([o.arrivalUs, o.arrivalUs - sent[i]!.captureTimeUs]);
  });
  if (transits.length < 2) return undefined;
  transits.sort((a, b) => a[0] - b[0]);
  let sum = 0;
  for (let i = 1; i < transits.length; i++) sum += Math.abs(transits[i]![1] - transits[i - 1]![1]);
  return sum / (transits.length - 1) / 1000;
}

function buildTimeSeries({ map, sent, loss }: MeasureInput): TimeSeries {
  const intervalUs = TIME_SERIES_INTERVAL_MS * 1000;
  const series: TimeSeries = { intervalMs: TIME_SERIES_INTERVAL_MS, tSec: [], fps: [], lossPct: [], latencyMs: [] };
  if (sent.length === 0) return series;
  const t0 = sent[0]!.captureTimeUs;
  let endUs = sent[sent.length - 1]!.captureTimeUs;
  for (const o of map.frames) if (o.arrivalUs !== undefined) endUs = Math.max(endUs, o.arrivalUs);
  const bins = Math.floor((endUs - t0) / intervalUs) + 1;
  const binOf = (us: number): number => Math.min(bins - 1, Math.max(0, Math.floor((us - t0) / intervalUs)));
  const complete = new Array<number>(bins).fill(0);
  const packets = new Array<number>(bins).fill(0);
  const lost = new Array<number>(bins).fill(0);
  const latencies: number[][] = Array.from({ length: bins }, () => []);
  let ordinal = 0;
  sent.forEach((f, i) => {
    const bin = binOf(f.captureTimeUs);
    for (let k = 0; k < f.packets && ordinal < loss.lost.length; k++, ordinal++) {
      packets[bin]!++;
      lost[bin]! += loss.lost[ordinal]!;
    }
    const o = map.frames[i]!;
    if (o.fate === 'complete' && o.arrivalUs !== undefined) {
      const arrival = binOf(o.arrivalUs);
      complete[arrival]!++;
      if (o.latencyMs !== undefined) latencies[arrival]!.push(o.latencyMs);
    }
  });
  for (let b = 0; b < bins; b++) {
    series.tSec.push(round((b * intervalUs) / 1e6, 3));
    series.fps.push(complete[b]! * (1000 / TIME_SERIES_INTERVAL_MS));
    series.lossPct.push(packets[b]! > 0 ? round((100 * lost[b]!) / packets[b]!, 3) : null);
    const sorted = latencies[b]!.sort((x, y) => x - y);
    series.latencyMs.push(sorted.length > 0 ? round(percentile(sorted, 50), 3) : null);
  }
  return series;
}

/** Turns the per-frame map and the packet loss into the metrics expectations are checked against. */
export function measure(input: MeasureInput): Measurements {
  const { map, sent, loss, fps } = input;
  const count = (fate: string): number => map.frames.filter((o) => o.fate === fate).length;
  const framesSent = sent.length;
  const framesComplete = count('complete');
  const framesNeverSeen = count('never-seen');
  // The sending window, N frames over N frame periods, as the sender measures it: rates are per second of it.
  const sending = new FrameSpan();
  for (const f of sent) sending.add(f.captureTimeUs);
  const windowUs = sending.windowUs(1e6 / fps);
  const latenciesMs = map.frames.flatMap((o) => (o.latencyMs !== undefined ? [o.latencyMs] : [])).sort((a, b) => a - b);
  const latency = summarize([...latenciesMs]);
  const jitter = transitJitterMs(map, sent);
  const metrics: Omit<Metrics, FeedbackMetricName> = {
    framesSent,
    framesReceived: framesSent - framesNeverSeen,
    framesComplete,
    framesIncomplete: count('incomplete'),
    framesNeverSeen,
    framesCorrupt: count('corrupt'),
    framesDuplicate: map.duplicates,
    framesOutOfOrder: map.outOfOrder,
    deliveredRatio: framesSent > 0 ? round(framesComplete / framesSent, 4) : 0,
    fps: round(perSecond(framesComplete, windowUs), 2),
    fpsSent: round(perSecond(framesSent, windowUs), 2),
    latencyP50Ms: latency && round(latency.p50, 3),
    latencyP95Ms: latency && round(latency.p95, 3),
    latencyP99Ms: latency && round(latency.p99, 3),
    latencyMaxMs: latency && round(latency.max, 3),
    jitterMs: jitter === undefined ? undefined : round(jitter, 3),
    packetsSent: loss.packetsSent,
    packetsLost: loss.packetsLost,
    packetLossPct: loss.packetsSent > 0 ? round((100 * loss.packetsLost) / loss.packetsSent, 3) : 0,
    maxLossBurst: loss.maxBurst,
    throughputMbps: input.receiver.bitrateMbps,
  };
  return { metrics, timeSeries: buildTimeSeries(input), latenciesMs };
}
