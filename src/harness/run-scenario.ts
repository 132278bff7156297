import { setTimeout as sleep } from 'node:timers/promises';
import { frameBytes } from '../frame.js';
import type { ChainStats } from '../netsim/chain.js';
import type { ImpairmentSettings, NetworkConfig } from '../netsim/config.js';
import { startRelay, type Relay } from '../netsim/relay.js';
import { randomSeed } from '../netsim/rng.js';
import type { Sink } from '../sinks/sink.js';
import { createSink } from '../sinks/spec.js';
import type { Source } from '../sources/source.js';
import { createSource } from '../sources/spec.js';
import { stampRows } from '../stamp.js';
import { Receiver, type FrameRecord, type ReceiverReport } from '../transport/receiver.js';
import { summarize } from '../metrics.js';
import { payloadFormat } from '../rtp/formats/index.js';
import { Sender, type SenderStats, type SentFrame } from '../transport/sender.js';
import { evaluateExpectations, formatCondition } from './expectations.js';
import { buildFrameMap, type FrameMap } from './frame-map.js';
import { measure } from './measure.js';
import type { Metrics } from './metric-list.js';
import { analyzeLoss, ReceivedPackets, RtpSequenceTap } from './packet-log.js';
import { REPORT_SCHEMA_VERSION, type ScenarioEcho, type ScenarioReport, type TimelineMark } from './report.js';
import { prepareReports, writeReports } from './report-files.js';
import { asScenarioField } from './scenario-fields.js';
import { SampleSink } from './sample-sink.js';
import { isScenario, parseScenario, type Scenario } from './scenario.js';

export interface RunProgress {
  framesSent: number;
  framesTotal: number;
}

export interface RunOptions {
  /** Network seed; overrides the scenario's `network.seed`. Random when neither is given (see report.seed). */
  seed?: number;
  /** Directory to write report.json, junit.xml and report.html into (checked before the run starts). */
  out?: string;
  /** Told after each frame is sent. */
  onProgress?: (progress: RunProgress) => void;
  /**
   * Stops the run early (Ctrl-C): no more frames are sent, nothing more is waited for, and the report covers what ran,
   * with `interrupted` set (an interrupted run does not pass).
   */
  signal?: AbortSignal;
}

/** The network seed a run uses: the one given, else the scenario's, else a random one (printed, and in the report). */
export function scenarioSeed(scenario: Scenario, seed?: number): number {
  return seed ?? scenario.network.seed ?? randomSeed();
}

/** Our own stream identity, so the packet tap can tell its packets from anything else arriving. */
const SSRC = 0x66776972;
const INITIAL_SEQUENCE = 0;
/** Time allowed beyond the slowest packet's delay for datagrams to cross loopback and be read. */
const STRAGGLER_MARGIN_MS = 300;
/** How often the end of a run checks whether everything sent has been read. */
const DELIVERY_POLL_MS = 5;

/**
 * RTCP and NACK as the run saw them: each end's own figures beside what its peer reported, what retransmission cost
 * in bytes, and in latency: frames a request saved against frames that needed none.
 */
function feedbackReport(
  sender: SenderStats,
  receiver: ReceiverReport,
  map: FrameMap,
  sent: readonly SentFrame[],
  recovered: ReadonlySet<number>,
): Pick<ScenarioReport, 'rtcp' | 'nack'> {
  const out: Pick<ScenarioReport, 'rtcp' | 'nack'> = {};
  if (sender.rtcp && receiver.rtcp) {
    out.rtcp = {
      ...(sender.rtcp.rttMs ? { rttMs: { p50: sender.rtcp.rttMs.p50, max: sender.rtcp.rttMs.max } } : {}),
      jitterMs: receiver.rtcp.jitterMs,
      packetsLostMeasured: receiver.rtcp.cumulativeLost,
      ...(sender.rtcp.peer
        ? { peerFractionLost: sender.rtcp.peer.fractionLost, peerCumulativeLost: sender.rtcp.peer.cumulativeLost }
        : {}),
      senderReports: sender.rtcp.reportsSent,
      receiverReports: receiver.rtcp.reportsSent,
      malformed: sender.rtcp.malformed + receiver.rtcp.malformed,
    };
  }
  if (receiver.nack && sender.rtx) {
    const latency = (want: boolean) => summarize(map.frames.flatMap((o, i) =>
      o.latencyMs !== undefined && recovered.has(sent[i]!.rtpTimestamp!) === want ? [o.latencyMs] : []));
    out.nack = {
      ...receiver.nack,
      retransmitted: sender.rtx.retransmitted,
      overheadPercent: sender.rtx.overheadPercent,
      latencyMs: { recovered: latency(true), clean: latency(false) },
    };
  }
  return out;
}

/** The longest a forwarded packet can be held by any settings the run may use, in ms. */
function stragglerLimitMs(network: NetworkConfig): number {
  const all: ImpairmentSettings[] = [network.settings, ...network.timeline.map((s) => s.settings)];
  let worstUs = 0;
  for (const s of all) {
    // Normal jitter is unbounded; four standard deviations cover all but 1 in 30,000 packets.
    const jitterUs = s.distribution === 'normal' ? 4 * s.jitterUs : s.jitterUs;
    const queueUs = s.rateBitsPerSec > 0 ? (s.queueBytes * 8 * 1e6) / s.rateBitsPerSec : 0;
    worstUs = Math.max(worstUs, s.delayUs + jitterUs + queueUs);
  }
  return worstUs / 1000 + STRAGGLER_MARGIN_MS;
}

/**
 * Datagrams sent but not yet read at the far end: not yet read by the relay, held by it for their time, or
 * forwarded and not yet read by the receiver. Dropped ones are not in flight; so 0 means all was delivered.
 */
function inFlight(sent: number, relay: Relay, receiver: Receiver): number {
  const { forward, repair } = relay.stats;
  const { received, pending, forwarded } = forward;
  // Retransmissions still held by the relay are on their way too: a frame may yet be completed by one.
  return Math.max(0, sent - received) + pending + repair.pending + Math.max(0, forwarded - receiver.progress().packetsReceived);
}

/**
 * Waits until every datagram sent has been read by the receiver or dropped by the simulator, by the counts at each
 * hop rather than by time, so a slow machine or a long delay never ends a run early. Gives up `limitMs` after the
 * last send (what the kernel lost never arrives), or when the run is interrupted, and returns how many were still in
 * flight then.
 */
async function awaitDelivery(sent: number, relay: Relay, receiver: Receiver, limitMs: number, signal?: AbortSignal): Promise<number> {
  const deadline = Date.now() + limitMs;
  while (inFlight(sent, relay, receiver) > 0 && Date.now() < deadline && !signal?.aborted) await sleep(DELIVERY_POLL_MS);
  return inFlight(sent, relay, receiver);
}

function echo(s: Scenario): ScenarioEcho {
  return {
    name: s.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    source: s.source,
    size: `${s.geometry.width}x${s.geometry.height}`,
    format: s.geometry.format,
    fps: s.fps,
    pacing: s.pacing,
    frames: s.frames,
    mtu: s.mtu,
    wire: s.wire,
    network: s.networkInput,
    protection: {
      nack: s.protection.nack,
      latency: `${s.protection.latencyUs / 1000}ms`,
      rtxHistory: `${s.protection.rtxHistoryUs / 1000}ms`,
    },
    sinks: s.sinks,
    expect: Object.fromEntries(s.expect.map((e) => [e.metric, formatCondition(e)])),
  };
}

function timelineMarks(s: Scenario): TimelineMark[] {
  const written = (s.networkInput as { timeline?: Array<Record<string, unknown>> }).timeline ?? [];
  return s.network.timeline.map((step, i) => ({
    tSec: step.atUs / 1e6,
    label: Object.entries(written[i] ?? {})
      .filter(([k]) => k !== 'at')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', '),
  }));
}

/**
 * Packets lost beyond those the simulator dropped: the machine itself lost them (a full socket buffer). Non-zero
 * means the run's delivery map is not repeatable, so reports show it.
 */
function lostOnHost(packetsLost: number, forward: Pick<ChainStats, 'dropped' | 'discarded'>): number {
  const dropped = Object.values(forward.dropped).reduce((sum, n) => sum + n, 0);
  return Math.max(0, packetsLost - dropped - forward.discarded);
}

/** On the raw wire a frame is one datagram: the packets that arrived are the frames that were seen. */
function rawPacketsSeen(map: FrameMap): ReceivedPackets {
  const seen = new ReceivedPackets();
  map.frames.forEach((o, i) => {
    if (o.fate !== 'never-seen') seen.mark(i);
  });
  return seen;
}

async function openSinks(specs: readonly string[]): Promise<Sink[]> {
  const sinks: Sink[] = [];
  for (const [i, spec] of specs.entries()) sinks.push(await asScenarioField(() => createSink(spec), i));
  return sinks;
}

/**
 * Runs a scenario: source -> Sender -> netsim relay -> Receiver -> sinks over real loopback sockets in this
 * process, then measures what the receiver assembled and checks the expectations. `scenario` is a parsed
 * {@link Scenario} or the JSON of a scenario file (validated here; a UsageError names the bad field).
 */
export async function runScenario(scenario: unknown, options: RunOptions = {}): Promise<ScenarioReport> {
  const s = isScenario(scenario) ? scenario : parseScenario(scenario);
  const seed = scenarioSeed(s, options.seed);
  const { signal } = options;
  if (options.out !== undefined) await prepareReports({ dir: options.out });
  const geometry = s.geometry;
  const stamped = stampRows(geometry) > 0;
  const source: Source = await asScenarioField(() => createSource(s.source, { ...geometry, stamp: true, fps: s.fps, seed }));
  // Stopping the receiver and closing the relay are idempotent, so the finally block may repeat them safely.
  const cleanups: Array<() => Promise<unknown>> = [() => source.close()];
  try {
    const userSinks = await openSinks(s.sinks);
    const samples = new SampleSink(s.frames);
    const sent: SentFrame[] = [];
    const records: FrameRecord[] = [];
    const recovered = new Set<number>();
    let sender: Sender | undefined;
    const rtp = payloadFormat(s.wire).framing === 'rtp';
    const tap = rtp ? new RtpSequenceTap(SSRC, INITIAL_SEQUENCE, () => sender?.packetsSent ?? 0) : undefined;
    // One port each way through the relay: RTCP shares the RTP path (RFC 5761) and its reverse direction.
    const receiver = await asScenarioField(() => Receiver.open({
      listen: { host: '127.0.0.1', port: 0 },
      geometry,
      wire: s.wire,
      sinks: [samples, ...userSinks],
      ssrc: tap ? SSRC : undefined,
      rtcpMux: true,
      latencyMs: s.protection.latencyUs / 1000,
      // The loss map is of what the network delivered: the tap sees packets before retransmissions repair any.
      taps: tap ? [tap] : [],
      nack: s.protection.nack ? { onRecovered: (ts) => recovered.add(ts) } : undefined,
      onFrame: (record) => records.push(record),
    }));
    cleanups.push(async () => { receiver.stop(); await receiver.done; });
    const relay = await startRelay({ listen: { host: '127.0.0.1', port: 0 }, to: receiver.address, network: s.network, seed });
    cleanups.push(() => relay.close());
    sender = await asScenarioField(() => Sender.open(source, {
      to: relay.address, wire: s.wire, mtu: s.mtu, fps: s.fps, pacing: s.pacing, frames: s.frames, ssrc: SSRC,
      initialSequence: INITIAL_SEQUENCE, rtcpMux: true, signal,
      rtx: s.protection.nack ? { historyMs: s.protection.rtxHistoryUs / 1000 } : undefined,
      onFrameSent: (frame) => {
        sent.push(frame);
        options.onProgress?.({ framesSent: sent.length, framesTotal: s.frames });
      },
    }));
    const startedAt = new Date();
    const senderStats = await sender.run();
    // Interrupted, the run ends now: what is in flight counts as undelivered.
    const undelivered = await awaitDelivery(senderStats.packetsSent, relay, receiver, stragglerLimitMs(s.network), signal);
    receiver.stop();
    const received = await receiver.done;
    const relayStats = await relay.close();

    const map = buildFrameMap({ sent, records, frameBytes: frameBytes(geometry), stamped });
    const loss = analyzeLoss(tap ? tap.received : rawPacketsSeen(map), senderStats.packetsSent);
    const measured = measure({ map, sent, loss, fps: s.fps, receiver: received });
    const feedback = feedbackReport(senderStats, received, map, sent, recovered);
    const metrics: Metrics = {
      ...measured.metrics,
      framesRecovered: feedback.nack?.framesRecovered,
      rtxOverheadPct: feedback.nack?.overheadPercent,
      rttP50Ms: feedback.rtcp?.rttMs?.p50,
    };
    const expectations = evaluateExpectations(s.expect, metrics);
    const interrupted = signal?.aborted === true;
    const { latencyMs: _latency, fps: _fps, ...receiverTotals } = received;
    const { delayUs: _delay, latenessUs: _lateness, ...forward } = relayStats.forward;
    const report: ScenarioReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      name: s.name,
      seed: relay.seed,
      passed: !interrupted && expectations.every((e) => e.passed),
      interrupted,
      startedAt: startedAt.toISOString(),
      durationSec: (Date.now() - startedAt.getTime()) / 1000,
      ...metrics,
      scenario: echo(s),
      expectations,
      lossBursts: loss.bursts,
      timeSeries: measured.timeSeries,
      timeline: timelineMarks(s),
      framesUnmatched: map.unmatched,
      network: {
        forward,
        socketErrors: relayStats.socketErrors,
        lostOnHost: lostOnHost(loss.packetsLost, forward),
        undelivered,
      },
      ...feedback,
      sender: senderStats,
      receiver: receiverTotals,
      frames: map.frames,
      samples: await samples.encode(),
    };
    if (options.out !== undefined) await writeReports(report, { dir: options.out });
    return report;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
