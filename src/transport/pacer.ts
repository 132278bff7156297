import { setTimeout as sleep } from 'node:timers/promises';
import { Histogram, type Summary } from '../histogram.js';
import type { OutgoingPackets } from '../rtp/outgoing-packets.js';

/** The addon's pacer functions (native/pacer.c has each one's contract). */
export interface PacerAddon {
  pacerOpen(
    fd: number, slots: number, slotBytes: number, earlyNs: number, segment: boolean, catchUpRate: number,
  ): object;
  pacerEnqueuePackets(
    handle: object,
    headers: Buffer,
    headerOffsets: Uint32Array,
    data: Buffer,
    dataOffsets: Uint32Array,
    from: number,
    firstDueNs: number,
    spacingNs: number,
  ): number;
  pacerEnqueue(handle: object, datagram: Buffer, dueNs: number, name?: Buffer): boolean;
  pacerCollect(handle: object, records: Float64Array): number;
  pacerStats(handle: object, out: Float64Array): void;
  pacerClose(handle: object): number;
  pacerNow(): number;
}

/** How big a pacer's queue is, and how exact it is. */
export interface PacerOptions {
  /** Datagrams queued (and not yet collected) at most. */
  slots: number;
  /**
   * Slab bytes per slot: datagrams are copied into a slab of slots x slotBytes, each taking its own length (up to
   * 64 KB), so this is the mean datagram size the queue is sized for. The slab is resident from the start.
   */
  slotBytes: number;
  /**
   * A datagram due within this many ns of a batch's send time goes with the batch, early (0, the default: never
   * early, for exact delays). At most 1 ms.
   */
  earlyNs?: number;
  /**
   * A stream (earlyNs > 0) that fell behind (the thread was off the CPU) slides its schedule to now and catches up at
   * this many times its rate, instead of sending everything overdue in one burst. From 1 (the default: the delay is
   * kept) to 16.
   */
  catchUpRate?: number;
  /**
   * Datagrams that leave together (a train, or a relay's datagrams due at once) go as UDP GSO runs where they lie
   * back to back in the queue: one trip through the stack a run. Off when the kernel refuses it. Default false.
   */
  segment?: boolean;
}

/**
 * Told about each datagram the pacer finished, in the order they were queued: its due time and the time its
 * sendmmsg call was made (CLOCK_MONOTONIC ns), or a negative errno when the kernel refused it (it is lost).
 */
export type OnPacerRecord = (dueNs: number, sentNs: number) => void;

/** What a pacer did so far. */
export interface PacerCounts {
  /** Datagrams handed to the kernel at (or after) their due time. */
  sent: number;
  /** Datagrams the kernel refused (ECONNREFUSED, EMSGSIZE, ...): lost. */
  refused: number;
  /** Datagrams still queued when the pacer was closed: never sent. */
  unsent: number;
  /** sendmmsg calls: sent / batches is how many left together on average. */
  batches: number;
  /** Times the send buffer was full (EAGAIN/ENOBUFS) and the thread waited for room before sending on. */
  retries: number;
  /** Actual send time minus due time, µs (0 for a datagram sent early, as earlyNs allows). */
  latenessUs: Summary;
  /** The thread runs at a real-time priority (SCHED_FIFO 1): allowed to root, CAP_SYS_NICE or an RLIMIT_RTPRIO. */
  realtime: boolean;
  /** Runs leave as UDP GSO messages: asked for, and not refused by the kernel. */
  gso: boolean;
}

/** Records taken off the pacer per collect call: 2 numbers each. */
const RECORDS = 1024;
/** How often a full queue, or a drain, is looked at again: JS only needs to keep ahead of the thread. */
const POLL_MS = 1;

/**
 * A native send thread on one UDP socket (native/pacer.c): JS queues datagrams with absolute due times on the
 * CLOCK_MONOTONIC clock (`now()`, in ns), the thread sends each at its time (sleeping, then spinning the last 50 µs;
 * never early unless `earlyNs` allows) in small sendmmsg batches (runs as UDP GSO messages with `segment`), and reports for every datagram when it really went. Datagrams are copied in, so their
 * buffers are free when an enqueue call returns. The queue is bounded: a slot is free again only once its record
 * has been collected (`collect()`, also done by `waitForRoom()` and `drain()`), so no record is ever lost, and an
 * enqueue that finds no room accepts fewer (the caller waits and retries: backpressure).
 *
 * Callers queue in due order: the thread sends in queue order, so a datagram due earlier than the one before it
 * waits for that one.
 *
 * The pacer does not own the socket: its owner closes the pacer first (NativeUdpSocket does).
 */
export class Pacer {
  /** Lateness of every datagram sent so far, ns. */
  readonly lateness = new Histogram();
  private readonly handle: object;
  private readonly records = new Float64Array(RECORDS * 2);
  private readonly stats = new Float64Array(8);
  private refused = 0;
  private unsent = 0;
  private closed = false;

  /** Starts the thread on `fd`; `onRecord` (optional) sees every datagram's due and send time as they are collected. */
  constructor(
    private readonly addon: PacerAddon,
    fd: number,
    readonly size: PacerOptions,
    private readonly onRecord?: OnPacerRecord,
  ) {
    this.handle = addon.pacerOpen(
      fd, size.slots, size.slotBytes, size.earlyNs ?? 0, size.segment ?? false, size.catchUpRate ?? 1,
    );
  }

  /** CLOCK_MONOTONIC in ns: the clock due times are on (the same as process.hrtime.bigint()). */
  now(): number {
    return this.addon.pacerNow();
  }

  /**
   * Queues packets from..count-1 of a frame, packet i due at firstDueNs + (i - from) x spacingNs. Returns the index
   * it stopped at: packets.count when all are queued, less when the queue is full.
   */
  enqueuePackets(packets: OutgoingPackets, from: number, firstDueNs: number, spacingNs: number): number {
    if (this.closed) throw new Error('enqueuePackets: the pacer is closed');
    const { headers, headerOffsets, data, dataOffsets, count } = packets;
    const offsets = count + 1;
    return this.addon.pacerEnqueuePackets(
      this.handle, headers, headerOffsets.subarray(0, offsets), data, dataOffsets.subarray(0, offsets), from,
      firstDueNs, spacingNs,
    );
  }

  /**
   * Queues one datagram due at dueNs, to the socket address `name` (src/transport/sockaddr.ts) or, without one, to
   * the connected socket's peer. False when the queue is full (nothing was queued).
   */
  enqueue(datagram: Buffer, dueNs: number, name?: Buffer): boolean {
    if (this.closed) throw new Error('enqueue: the pacer is closed');
    return this.addon.pacerEnqueue(this.handle, datagram, dueNs, name);
  }

  /** Takes the records of every datagram finished since the last call (freeing their slots); returns how many. */
  collect(): number {
    if (this.closed) return 0;
    let total = 0;
    for (;;) {
      const n = this.addon.pacerCollect(this.handle, this.records);
      for (let k = 0; k < n; k++) {
        const due = this.records[2 * k]!;
        const sent = this.records[2 * k + 1]!;
        if (sent < 0) this.refused++;
        else this.lateness.record(Math.max(0, sent - due)); // early (earlyNs) counts as on time
        this.onRecord?.(due, sent);
      }
      total += n;
      if (n < RECORDS) return total;
    }
  }

  /** Datagrams queued and not yet sent. */
  get queued(): number {
    if (this.closed) return 0;
    this.addon.pacerStats(this.handle, this.stats);
    return this.stats[0]!;
  }

  /** Resolves once some room is free in the queue (collecting records meanwhile), or the signal aborts. */
  async waitForRoom(signal?: AbortSignal): Promise<void> {
    while (!this.closed && !signal?.aborted) {
      if (this.collect() > 0) return;
      await sleep(POLL_MS);
    }
  }

  /** Resolves once every queued datagram has been sent and its record collected, or the signal aborts. */
  async drain(signal?: AbortSignal): Promise<void> {
    while (!this.closed && !signal?.aborted) {
      // Nothing queued first, then collect: the other order misses the records of a batch sent in between.
      const sentAll = this.queued === 0;
      this.collect();
      if (sentAll) return;
      await sleep(POLL_MS);
    }
  }

  counts(): PacerCounts {
    if (!this.closed) this.addon.pacerStats(this.handle, this.stats);
    const s = this.lateness.summary();
    return {
      sent: s.count,
      refused: this.refused,
      unsent: this.unsent,
      batches: this.stats[2]!,
      retries: this.stats[3]!,
      latenessUs: { count: s.count, p50: s.p50 / 1000, p99: s.p99 / 1000, max: s.max / 1000 },
      realtime: this.stats[6] === 1,
      gso: this.stats[7] === 1,
    };
  }

  /**
   * Stops the thread (within a few ms) and collects the last records; what was still queued is never sent, and is
   * counted in `unsent`. Once is enough; again is harmless. The socket may be closed after this returns.
   */
  close(): void {
    if (this.closed) return;
    this.unsent = this.addon.pacerClose(this.handle);
    this.collect();
    this.addon.pacerStats(this.handle, this.stats);
    this.closed = true;
  }
}
