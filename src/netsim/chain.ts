import { BufferPool } from './buffer-pool.js';
import type { DirectionConfig, ImpairmentSettings } from './config.js';
import { FateScratch, causeKey, type PacketFate } from './fate.js';
import { Histogram, type Summary } from '../histogram.js';
import { Direction, KeyedRng } from './rng.js';
import { Scheduler, monotonicUs, type Clock } from './scheduler.js';
import { flipBit } from './stages/corrupt.js';
import { dropCauses, registeredStages } from './stages/index.js';
import type { Stage } from './stages/stage.js';

export interface ChainOptions {
  seed: number;
  direction?: Direction;
  /**
   * Receives each datagram as it leaves. The buffer may be one the chain reuses once deliver returns, so
   * deliver must finish with it (send it, copy it) before returning. Must not throw.
   */
  deliver: (datagram: Buffer) => void;
  /** Monotonic clock in microseconds; performance.now() by default. */
  now?: Clock;
  /** Called with each packet's fate as it is decided (a fresh object each time). */
  record?: (fate: PacketFate) => void;
  /** Fates to apply instead of deciding them, by ordinal (from a trace). Ordinals not in it pass untouched. */
  replay?: ReadonlyMap<number, PacketFate>;
  /**
   * Where delayed datagrams go to leave at an exact time (a native send thread, src/netsim/timed-output.ts): each is
   * handed over `leadUs` before it is due, in due order, and the output reports its real departure back through
   * `departed`, which is when it counts as forwarded and what the delay figures record. Without it the chain sends
   * each one itself when its timer fires (good to a millisecond or so).
   */
  timed?: TimedOutput;
}

/** Takes datagrams ahead of their due time and sends each at that time (see ChainOptions.timed). */
export interface TimedOutput {
  readonly leadUs: number;
  /** Copies `datagram` (it may be reused on return) to leave at dueUs; arrivalUs is when it entered the chain. */
  send(datagram: Buffer, dueUs: number, arrivalUs: number): void;
}

export interface ChainStats {
  /** Datagrams pushed in. */
  received: number;
  /** Datagrams delivered, duplicates included. */
  forwarded: number;
  /**
   * Datagrams dropped, by cause: each registered stage's causes under their camelCase keys, in report order
   * (`{ loss, queue, dropList }` for the built-in stages).
   */
  dropped: Record<string, number>;
  duplicated: number;
  corrupted: number;
  /** Left ahead of a packet that arrived before them (by the reorder stage or by jitter). */
  reordered: number;
  /** Datagrams waiting for their time now, duplicates included. */
  pending: number;
  /** Still waiting when the chain was closed. */
  discarded: number;
  /**
   * Dropped by the relay itself, not the simulated network: its timed output had more datagrams waiting for the send
   * thread than it holds (the host could not keep up).
   */
  overflowed: number;
  /** Replayed ordinals the trace had no fate for (forwarded untouched). */
  unreplayed: number;
  /**
   * Replayed fates that did not fit their packet: a corrupted bit beyond the datagram's end (forwarded
   * uncorrupted), or a drop cause no registered stage gives (dropped, but under no cause).
   */
  replayErrors: number;
  /** Time from push to delivery. */
  delayUs: Summary;
  /** How late each delivery was against its scheduled time: the scheduler's own error. */
  latenessUs: Summary;
}

export interface ImpairmentChain {
  /**
   * Takes one datagram. `owned` = the caller will never touch the buffer again (as with a dgram 'message'
   * buffer), so the chain may hold or corrupt it in place instead of copying. `arrivalUs` (on the chain's clock):
   * when it really arrived, if known better than now (a kernel receive stamp); its delay counts from then.
   */
  push(datagram: Buffer, owned?: boolean, arrivalUs?: number): void;
  /** Impairs the packets from now on by another config; ordinals and seed carry on. */
  reconfigure(config: DirectionConfig): void;
  readonly stats: ChainStats;
  /** Datagrams waiting for their time, duplicates included. */
  readonly pending: number;
  /** Resolves when nothing is waiting (in the chain, or handed to a timed output and not yet sent). */
  drain(): Promise<void>;
  /**
   * A timed output sent a datagram it was handed: delay and lateness as it measured them (undefined when the send was
   * refused, which the output counts).
   */
  departed(delayUs?: number, latenessUs?: number): void;
  /** A timed output was closed with this many datagrams it had not sent: discarded in flight. */
  undelivered(count: number): void;
  /** A timed output had no room for a datagram: dropped by the relay (overflowed). */
  overflowed(): void;
  /** Stops the timers; waiting datagrams are discarded and counted. */
  close(): void;
}

interface Held {
  /** When the scheduler hands it on: its due time, or that less the timed output's lead. */
  dueUs: number;
  /** When it is to leave. */
  departUs: number;
  seq: number;
  arrivalUs: number;
  data: Buffer;
  pooled: boolean;
  copies: number;
}

/** Builds the chain of impairment stages for one direction. */
export function createImpairmentChain(config: DirectionConfig, options: ChainOptions): ImpairmentChain {
  return new Chain(config, options);
}

class Chain implements ImpairmentChain {
  private readonly now: Clock;
  /** The registered stages when the chain was built, in chain order. */
  private readonly stages: Array<Stage<ImpairmentSettings>>;
  /** Drop causes in report order, with their stats keys; `dropped[i]` counts `causes[i]`. */
  private readonly causes = dropCauses();
  private readonly causeKeys = this.causes.map(causeKey);
  private readonly dropped = this.causes.map(() => 0);
  private readonly scheduler: Scheduler<Held>;
  private readonly pool = new BufferPool();
  private readonly spare: Held[] = [];
  private readonly fate = new FateScratch();
  // Delays are tens of ms that must read true to tens of µs (the relay is checked against a probe): 0.2% buckets.
  private readonly delays = new Histogram(9);
  private readonly lateness = new Histogram();
  private readonly counts = {
    received: 0,
    forwarded: 0,
    duplicated: 0,
    corrupted: 0,
    reordered: 0,
    discarded: 0,
    overflowed: 0,
    unreplayed: 0,
    replayErrors: 0,
  };
  private ordinal = 0;
  private pendingCopies = 0;
  private firstArrivalUs = -1;
  private nextStep = 0;
  /** Latest departure time given to any packet so far: a packet due before it overtakes that packet. */
  private latestDueUs = -Infinity;
  private closed = false;
  private drained: Array<() => void> = [];

  constructor(
    private config: DirectionConfig,
    private readonly options: ChainOptions,
  ) {
    this.now = options.now ?? monotonicUs;
    const rng = new KeyedRng(options.seed, options.direction ?? Direction.forward);
    this.stages = registeredStages().map((stage) => stage.create(rng));
    this.configure(config.settings);
    this.scheduler = new Scheduler<Held>(this.now, (held, nowUs) => this.release(held, nowUs));
  }

  /**
   * Applies another config to the packets from now on (a live switch, as the demo's presets do). Ordinals and the
   * seed carry on, so fates stay keyed as before; the new timeline counts from the next packet.
   */
  reconfigure(config: DirectionConfig): void {
    this.config = config;
    this.nextStep = 0;
    this.firstArrivalUs = -1;
    this.configure(config.settings);
  }

  get pending(): number {
    return this.pendingCopies;
  }

  push(datagram: Buffer, owned = false, arrivalUs?: number): void {
    const c = this.counts;
    c.received++;
    if (this.closed) {
      c.discarded++;
      return;
    }
    // Whole microseconds: stages compute due times from it, and a fraction rounded away later could let a packet
    // overtake the one before it when FIFO order was asked for.
    const nowUs = Math.round(arrivalUs ?? this.now());
    const fate = this.decide(this.ordinal++, datagram, nowUs);
    if (this.options.record) this.options.record(fate.snapshot());
    if (fate.fate === 'dropped') {
      const cause = this.causes.indexOf(fate.cause!);
      if (cause >= 0) this.dropped[cause]!++;
      else c.replayErrors++;
      return;
    }
    let data = datagram;
    let pooled = false;
    if (fate.corrupted !== null && fate.corrupted >= datagram.length * 8) c.replayErrors++;
    else if (fate.corrupted !== null) {
      if (!owned) {
        data = this.pool.copy(datagram);
        pooled = true;
      }
      flipBit(data, fate.corrupted);
      c.corrupted++;
    }
    const copies = fate.duplicated ? 2 : 1;
    if (fate.duplicated) c.duplicated++;
    const dueUs = nowUs + Math.max(0, fate.delayUs);
    if (dueUs < this.latestDueUs) c.reordered++;
    else this.latestDueUs = dueUs;
    if (fate.delayUs <= 0) {
      this.scheduler.runDue(nowUs);
      this.send(data, copies, 0, 0);
      if (pooled) this.pool.release(data);
      return;
    }
    if (!owned && !pooled) {
      data = this.pool.copy(datagram);
      pooled = true;
    }
    const held = this.spare.pop() ?? { dueUs: 0, departUs: 0, seq: 0, arrivalUs: 0, data, pooled, copies };
    held.dueUs = dueUs - (this.options.timed?.leadUs ?? 0);
    held.departUs = dueUs;
    held.arrivalUs = nowUs;
    held.data = data;
    held.pooled = pooled;
    held.copies = copies;
    this.pendingCopies += copies;
    this.scheduler.schedule(held);
  }

  get stats(): ChainStats {
    const c = this.counts;
    return {
      received: c.received,
      forwarded: c.forwarded,
      dropped: Object.fromEntries(this.causeKeys.map((key, i) => [key, this.dropped[i]!])),
      duplicated: c.duplicated,
      corrupted: c.corrupted,
      reordered: c.reordered,
      pending: this.pendingCopies,
      discarded: c.discarded,
      overflowed: c.overflowed,
      unreplayed: c.unreplayed,
      replayErrors: c.replayErrors,
      delayUs: this.delays.summary(),
      latenessUs: this.lateness.summary(),
    };
  }

  drain(): Promise<void> {
    if (this.pendingCopies === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  departed(delayUs?: number, latenessUs?: number): void {
    this.counts.forwarded++;
    if (delayUs !== undefined) this.delays.record(delayUs);
    if (latenessUs !== undefined) this.lateness.record(latenessUs);
    if (--this.pendingCopies === 0) this.settle();
  }

  undelivered(count: number): void {
    this.counts.discarded += count;
    this.pendingCopies -= count;
    if (this.pendingCopies === 0) this.settle();
  }

  overflowed(): void {
    this.counts.overflowed++;
    if (--this.pendingCopies === 0) this.settle();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const held of this.scheduler.cancel()) {
      this.counts.discarded += held.copies;
      this.pendingCopies -= held.copies;
      if (held.pooled) this.pool.release(held.data);
    }
    this.settle();
  }

  private configure(settings: ImpairmentSettings): void {
    for (const stage of this.stages) stage.configure(settings);
  }

  private decide(ordinal: number, datagram: Buffer, nowUs: number): FateScratch {
    const fate = this.fate;
    const replay = this.options.replay;
    if (replay) {
      const recorded = replay.get(ordinal);
      if (recorded) fate.copyFrom(recorded);
      else {
        fate.reset(ordinal);
        this.counts.unreplayed++;
      }
      return fate;
    }
    this.advanceTimeline(nowUs);
    fate.reset(ordinal);
    for (const stage of this.stages) stage.apply(fate, datagram, nowUs);
    fate.delayUs = Math.round(fate.delayUs);
    return fate;
  }

  /** Timeline steps are relative to this direction's first packet and applied as packets arrive. */
  private advanceTimeline(nowUs: number): void {
    const timeline = this.config.timeline;
    if (this.nextStep >= timeline.length) return;
    if (this.firstArrivalUs < 0) this.firstArrivalUs = nowUs;
    const elapsed = nowUs - this.firstArrivalUs;
    while (this.nextStep < timeline.length && timeline[this.nextStep]!.atUs <= elapsed) {
      this.configure(timeline[this.nextStep++]!.settings);
    }
  }

  private release(held: Held, nowUs: number): void {
    const timed = this.options.timed;
    if (timed) {
      // Still counted as pending: the output reports each copy's departure (departed) or loss (undelivered).
      for (let i = 0; i < held.copies; i++) timed.send(held.data, held.departUs, held.arrivalUs);
    } else {
      this.pendingCopies -= held.copies;
      this.send(held.data, held.copies, nowUs - held.arrivalUs, nowUs - held.departUs);
    }
    if (held.pooled) this.pool.release(held.data);
    held.data = EMPTY;
    this.spare.push(held);
    if (this.pendingCopies === 0) this.settle();
  }

  private send(data: Buffer, copies: number, heldUs: number, lateUs: number): void {
    for (let i = 0; i < copies; i++) {
      this.counts.forwarded++;
      this.delays.record(heldUs);
      this.lateness.record(lateUs);
      this.options.deliver(data);
    }
  }

  private settle(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const resolve of waiting) resolve();
  }
}

const EMPTY = Buffer.alloc(0);
