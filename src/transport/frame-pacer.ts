import { setTimeout as sleep } from 'node:timers/promises';
import { Histogram } from '../histogram.js';
import type { OutgoingPackets } from '../rtp/outgoing-packets.js';
import type { ReceiverPacedRateReport } from '../session/interceptors/receiver-paced-rate.js';
import { NativeUdpSocket } from './native-udp.js';
import type { Pacer } from './pacer.js';
import { frameSchedule, monotonicNs, type PacingMode } from './pacing.js';
import type { FramePort } from './port.js';

/** Where the pacing ran: the addon's send thread, or Node's timers (node:dgram, or no addon). */
export type PacingPath = 'native thread' | 'node timers';

/** What a sender's pacing did, for its stats and reports. */
export interface PacingReport {
  mode: PacingMode;
  /** Absent for burst: nothing was paced. */
  path?: PacingPath;
  /** Packets sent on the schedule. */
  packets: number;
  /** Actual send time minus due time, µs: the native thread's per datagram, the timers' per group. */
  latenessUs?: { p50: number; p99: number; max: number };
  /** sendmmsg calls of the native thread. */
  batches?: number;
  /** The native thread sent its trains as UDP GSO runs (asked for, and not refused by the kernel). */
  gso?: boolean;
  /** Waits for room in a full send buffer (native thread). */
  retries?: number;
  /** The native thread ran at a real-time priority (SCHED_FIFO), as it does where allowed. */
  realtime?: boolean;
  /** Packets refused by the kernel, or still queued when the sender stopped: lost. */
  dropped: number;
  /** Of those, the ones still queued when the sender stopped (native thread): never sent, so no receiver saw them go. */
  unsent?: number;
  /** Adaptive pacing: the rate the receiver's reports led to. */
  rate?: ReceiverPacedRateReport;
  /**
   * Frames whose first packet was due later than the frame's own time (JS was late, or the previous frame still
   * going out): each goes at most CATCH_UP_RATE times as fast as its schedule until the delay is caught up, so it does
   * not last.
   */
  framesDelayed: number;
}

/**
 * Spreads each frame's packets over its frame period (src/transport/pacing.ts): packet i of a frame due at the
 * frame's time + i x TRS, on CLOCK_MONOTONIC. A frame never starts before the previous one has ended (its schedule
 * slides, counted in framesDelayed), nor in the past (it starts a little after now), so a late frame is never sent
 * as a catch-up burst.
 */
export abstract class FramePacer {
  abstract readonly path: PacingPath;
  protected packets = 0;
  private framesDelayed = 0;
  /** When the next frame's first packet may be due at the earliest: one spacing after the last one. */
  private nextFreeNs = 0;

  constructor(
    readonly mode: Exclude<PacingMode, 'burst'>,
    private periodNs: number,
  ) {}

  /** A new frame period (adaptive pacing: the rate the receiver keeps up with changed), from the next frame on. */
  setPeriodNs(periodNs: number): void {
    this.periodNs = periodNs;
  }

  /**
   * Sends `packets` paced, the first due at `frameNs` (CLOCK_MONOTONIC ns) or as soon after as the schedule allows;
   * adaptive pacing has no frame clock, and sends each frame right after the one before. Resolves once the packets'
   * buffers are free again (copied into the native queue, or sent by the timers).
   */
  send(packets: OutgoingPackets, frameNs: number, signal?: AbortSignal): Promise<void> {
    let { spacingNs } = frameSchedule(this.mode, this.periodNs, packets.count);
    const firstDueNs = Math.max(this.mode === 'adaptive' ? 0 : frameNs, this.nextFreeNs, monotonicNs() + START_MARGIN_NS);
    if (this.mode !== 'adaptive' && firstDueNs > frameNs + spacingNs) {
      // Late (JS was held up, or the frame before was): squeeze this frame into what is left of its own slot, at
      // most CATCH_UP_RATE times as fast as the schedule, so a delay is caught up within a few frames instead of
      // being kept for the rest of the stream (its latency would only ever grow).
      this.framesDelayed++;
      const slotEndNs = frameNs + packets.count * spacingNs;
      spacingNs = Math.max(spacingNs / CATCH_UP_RATE, (slotEndNs - firstDueNs) / packets.count);
    }
    this.nextFreeNs = firstDueNs + packets.count * spacingNs;
    this.packets += packets.count;
    return this.queue(packets, firstDueNs, spacingNs, signal);
  }

  /** Resolves once every packet has left (or the signal aborts). */
  abstract drain(signal?: AbortSignal): Promise<void>;

  report(): PacingReport {
    return { mode: this.mode, path: this.path, ...this.achieved(), framesDelayed: this.framesDelayed };
  }

  protected abstract queue(packets: OutgoingPackets, firstDueNs: number, spacingNs: number, signal?: AbortSignal): Promise<void>;
  protected abstract achieved(): Omit<PacingReport, 'mode' | 'path' | 'framesDelayed'>;
}

/**
 * How much faster than its schedule a late frame may go to catch up; the native thread is given it too, and catches
 * up at this rate after a stall (native/pacer.c), for the same reason. At twice the rate, a cold sender's first frames
 * on a loaded machine came at 900 Mbit/s (720p30 uyvy) into GStreamer's default 200 KB socket buffer, and two of them
 * were lost; at 1.25 times a delay takes a few more frames to go.
 */
const CATCH_UP_RATE = 1.25;

/** Time JS needs to queue a frame that is due at once, before the thread may send its first packet. */
const START_MARGIN_NS = 1_000_000;

/** Frames the native queue holds: the one going out and the next one, queued a frame period ahead. */
const QUEUED_FRAMES = 2;
const MIN_SLOTS = 1024;
/**
 * Packets leave in trains of up to this many: a packet due within TRAIN spacings of a batch's send time joins it,
 * early, so the thread (and the receiver, woken once per train instead of once per packet) sleeps in between. Eight
 * is well inside the ~90 packets a default 200 KB socket buffer holds, and half the burst ST 2110-21 allows a wide
 * sender (CMAX 16 at these rates); at most MAX_EARLY_NS early, so slow streams keep packet-exact times.
 */
const TRAIN = 8;
const MAX_EARLY_NS = 200_000;
const MAX_SLOTS = 32768;

/** Pacing on the addon's send thread: packets are copied into its queue, and leave within µs of their due time. */
class ThreadFramePacer extends FramePacer {
  readonly path = 'native thread' as const;

  constructor(mode: Exclude<PacingMode, 'burst'>, periodNs: number, private readonly pacer: Pacer) {
    super(mode, periodNs);
  }

  protected async queue(packets: OutgoingPackets, firstDueNs: number, spacingNs: number, signal?: AbortSignal): Promise<void> {
    let next = 0;
    for (;;) {
      this.pacer.collect();
      next = this.pacer.enqueuePackets(packets, next, firstDueNs + next * spacingNs, spacingNs);
      if (next === packets.count || signal?.aborted) return;
      await this.pacer.waitForRoom(signal);
    }
  }

  drain(signal?: AbortSignal): Promise<void> {
    return this.pacer.drain(signal);
  }

  protected achieved(): Omit<PacingReport, 'mode' | 'path' | 'framesDelayed'> {
    const c = this.pacer.counts();
    return {
      packets: this.packets,
      latenessUs: { p50: c.latenessUs.p50, p99: c.latenessUs.p99, max: c.latenessUs.max },
      batches: c.batches,
      gso: c.gso,
      retries: c.retries,
      realtime: c.realtime,
      dropped: c.refused + c.unsent,
      unsent: c.unsent,
    };
  }
}

/** The timers' granularity: a group of packets due within this leaves together, at the group's first due time. */
const GROUP_NS = 1_000_000;
/** setTimeout is only worth it for waits longer than this; shorter ones go at once. */
const MIN_SLEEP_NS = 500_000;

/**
 * Pacing with Node's timers, where there is no send thread: a timer fires once per group of packets due within
 * 1 ms, and the group is sent at once, so packets inside a group leave up to 1 ms early and groups late by a timer's
 * precision (a millisecond or more on a busy loop). Better than a burst; not the packet-level pacing of the thread.
 */
class TimerFramePacer extends FramePacer {
  readonly path = 'node timers' as const;
  private readonly lateness = new Histogram();
  private dropped = 0;

  constructor(mode: Exclude<PacingMode, 'burst'>, periodNs: number, private readonly port: FramePort) {
    super(mode, periodNs);
  }

  protected async queue(packets: OutgoingPackets, firstDueNs: number, spacingNs: number, signal?: AbortSignal): Promise<void> {
    const group = spacingNs > 0 ? Math.max(1, Math.floor(GROUP_NS / spacingNs)) : packets.count;
    for (let first = 0; first < packets.count && !signal?.aborted; first += group) {
      const dueNs = firstDueNs + first * spacingNs;
      const waitNs = dueNs - monotonicNs();
      if (waitNs > MIN_SLEEP_NS) await sleep(waitNs / 1e6, undefined, { signal }).catch(() => undefined);
      const end = Math.min(packets.count, first + group);
      this.lateness.record(Math.max(0, monotonicNs() - dueNs));
      this.dropped += await this.port.sendFrame(slice(packets, first, end));
    }
  }

  drain(): Promise<void> {
    return Promise.resolve(); // each group is sent before queue() moves on
  }

  protected achieved(): Omit<PacingReport, 'mode' | 'path' | 'framesDelayed'> {
    const s = this.lateness.summary();
    return { packets: this.packets, latenessUs: { p50: s.p50 / 1000, p99: s.p99 / 1000, max: s.max / 1000 }, dropped: this.dropped };
  }
}

/** Packets first..end-1 of a frame, as a frame of their own (offsets are positions in the shared buffers). */
function slice(packets: OutgoingPackets, first: number, end: number): OutgoingPackets {
  return {
    ...packets,
    count: end - first,
    headerOffsets: packets.headerOffsets.subarray(first, end + 1),
    dataOffsets: packets.dataOffsets.subarray(first, end + 1),
  };
}

/**
 * The pacer for a sender's media port: the native send thread on a native socket, Node's timers otherwise.
 * `packetsPerFrame` (when known) sizes the native queue; `maxDatagramBytes` its slots. For adaptive pacing, `fps` is
 * where it starts (setPeriodNs changes it).
 */
export function openFramePacer(
  port: FramePort,
  mode: Exclude<PacingMode, 'burst'>,
  fps: number,
  packetsPerFrame: number | undefined,
  maxDatagramBytes: number,
): FramePacer {
  const periodNs = 1e9 / fps;
  if (!(port instanceof NativeUdpSocket)) return new TimerFramePacer(mode, periodNs, port);
  const slots = Math.min(MAX_SLOTS, Math.max(MIN_SLOTS, QUEUED_FRAMES * (packetsPerFrame ?? 1) + 64));
  // Adaptive pacing runs at rates found later, up to the receiver's limit: trains as long as MAX_EARLY_NS allows.
  const earlyNs = mode === 'adaptive'
    ? MAX_EARLY_NS
    : Math.min(MAX_EARLY_NS, Math.round((TRAIN * periodNs) / (packetsPerFrame ?? 1)));
  return new ThreadFramePacer(mode, periodNs, port.openPacer({
    slots, slotBytes: maxDatagramBytes, earlyNs, segment: port.path === 'gso', catchUpRate: CATCH_UP_RATE,
  }));
}
