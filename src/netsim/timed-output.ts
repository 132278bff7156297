import { monotonicOriginNs } from '../transport/monotonic-origin.js';
import type { NativeUdpSocket } from '../transport/native-udp.js';
import type { Pacer } from '../transport/pacer.js';
import type { ImpairmentChain, TimedOutput } from './chain.js';

/** How early the chain hands a datagram over: longer than any stall of the JS thread it should ride out. */
const LEAD_US = 20_000;
/**
 * Datagrams the pacer holds, and its slab: 4096 MTU-size datagrams (200,000 a second within the lead) or about 128
 * datagrams of 64 KB (a raw-wire frame each), in 8 MB.
 */
const TIMED_SLOTS = 4096;
const TIMED_SLOT_BYTES = 2048;
/** Datagrams waiting in JS for room in a full pacer, at most: beyond it they are dropped (the chain's `overflowed`). */
const MAX_WAITING = 65_536;
/** How often departures are collected while any are outstanding. */
const COLLECT_MS = 2;

interface Waiting {
  lane: number;
  data: Buffer;
  dueUs: number;
  arrivalUs: number;
}

/**
 * Exact departures for a relay direction. Node's timers fire a millisecond or more late, and later still on a busy
 * machine, so a relay that sends from a timer has a delay tail that is its own scheduling noise. Here the chain hands
 * each delayed datagram over LEAD_US before it is due, and the socket's native send thread (native/pacer.c) sends it
 * at its due time to within tens of µs. The delay and lateness the chain reports are taken from the thread's record of
 * when each datagram really left, not from when it was scheduled.
 *
 *   chain ──(due - 5 ms, due order)──▶ TimedPacerOutput ──copy──▶ pacer ring ──(at due)──▶ sendmmsg
 *     ▲                                                                 │
 *     └──────── departed(sent - arrival, sent - due) ◀── collect() ────┘
 *
 * A full ring (more than TIMED_SLOTS datagrams due within the lead) leaves the rest waiting here, in order, until the
 * thread has made room: late, counted as such, never reordered.
 *
 * Several chains may share one socket (a relay's media, retransmissions and RTCP all go forward): each gets a lane,
 * and each departure is reported to the chain whose datagram it was.
 */
export class TimedPacerOutput {
  /** Datagrams the kernel refused: lost (counted; those beyond MAX_WAITING are the chain's `overflowed`). */
  refused = 0;
  private readonly pacer: Pacer;
  private readonly lanes: TimedLane[] = [];
  /** The lane and arrival time of each datagram in the pacer, by queue position (the pacer reports in queue order). */
  private readonly owners = new Uint8Array(TIMED_SLOTS);
  private readonly arrivals = new Float64Array(TIMED_SLOTS);
  private queued = 0;
  private reported = 0;
  private readonly waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The pacer's clock (ns) less the chains' (monotonicUs x 1000): both are CLOCK_MONOTONIC, from different origins. */
  private readonly offsetNs = monotonicOriginNs();

  /** Starts a send thread on `socket` (connected: datagrams go to its peer), for chains on the monotonicUs clock. */
  constructor(socket: NativeUdpSocket) {
    this.pacer = socket.openPacer({ slots: TIMED_SLOTS, slotBytes: TIMED_SLOT_BYTES }, this.onRecord);
  }

  /** A lane for one chain: give it as the chain's `timed` option, then `attach` the chain built with it. */
  lane(): TimedLane {
    const lane = new TimedLane(this, this.lanes.length);
    this.lanes.push(lane);
    return lane;
  }

  send(lane: number, datagram: Buffer, dueUs: number, arrivalUs: number): void {
    if (this.waiting.length >= MAX_WAITING) {
      this.lanes[lane]!.chain.overflowed();
      return;
    }
    if (this.waiting.length === 0 && this.enqueue(lane, datagram, dueUs, arrivalUs)) return;
    this.waiting.push({ lane, data: Buffer.from(datagram), dueUs, arrivalUs });
    this.arm();
  }

  /** Stops the thread; what it had not sent yet, and what waited for room, is discarded in flight (counted). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pacer.close(); // collects the last records first
    for (let k = this.reported; k < this.queued; k++) this.lanes[this.owners[k % TIMED_SLOTS]!]!.chain.undelivered(1);
    for (const w of this.waiting) this.lanes[w.lane]!.chain.undelivered(1);
    this.reported = this.queued;
    this.waiting.length = 0;
  }

  private enqueue(lane: number, datagram: Buffer, dueUs: number, arrivalUs: number): boolean {
    if (!this.pacer.enqueue(datagram, dueUs * 1000 + this.offsetNs)) return false;
    const at = this.queued++ % TIMED_SLOTS;
    this.owners[at] = lane;
    this.arrivals[at] = arrivalUs;
    this.arm();
    return true;
  }

  /** The pacer's record of one datagram, in queue order: sent at sentNs (or refused: negative). */
  private readonly onRecord = (dueNs: number, sentNs: number): void => {
    const at = this.reported++ % TIMED_SLOTS;
    const chain = this.lanes[this.owners[at]!]!.chain;
    if (sentNs < 0) {
      this.refused++;
      chain.departed();
      return;
    }
    chain.departed((sentNs - this.offsetNs) / 1000 - this.arrivals[at]!, Math.max(0, sentNs - dueNs) / 1000);
  };

  private arm(): void {
    this.timer ??= setTimeout(this.tick, COLLECT_MS);
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.pacer.collect();
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (!this.enqueue(next.lane, next.data, next.dueUs, next.arrivalUs)) break;
      this.waiting.shift();
    }
    if (this.reported < this.queued || this.waiting.length > 0) this.arm();
  };
}

/** One chain's way into a shared TimedPacerOutput. */
export class TimedLane implements TimedOutput {
  readonly leadUs = LEAD_US;
  private attached: ImpairmentChain | undefined;

  constructor(
    private readonly output: TimedPacerOutput,
    private readonly index: number,
  ) {}

  /** The chain built with this lane (it needs the lane first, so it comes second). */
  attach(chain: ImpairmentChain): void {
    this.attached = chain;
  }

  get chain(): ImpairmentChain {
    if (!this.attached) throw new Error('TimedLane: no chain attached');
    return this.attached;
  }

  send(datagram: Buffer, dueUs: number, arrivalUs: number): void {
    this.output.send(this.index, datagram, dueUs, arrivalUs);
  }
}
