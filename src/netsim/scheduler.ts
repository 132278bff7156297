import { DueQueue, type DueEntry } from './due-queue.js';

/** Monotonic microseconds. */
export type Clock = () => number;

export const monotonicUs: Clock = () => performance.now() * 1000;

/**
 * Within this much of the earliest due time the scheduler stops sleeping on setTimeout (whose wake-up is
 * only good to a millisecond or two) and polls with setImmediate, which lets socket I/O run between polls.
 */
const SPIN_WINDOW_US = 1_500;

/**
 * The longest setTimeout sleeps: Node turns anything longer into 1 ms, with a TimeoutOverflowWarning each time.
 * An entry due later is waited for in sleeps of this length.
 */
const MAX_SLEEP_MS = 2 ** 31 - 1;

/**
 * One timer for many packets: entries sit in a heap keyed by due time, and a single setTimeout (far) or
 * setImmediate (near) is armed for the earliest. Timer functions are looked up on each call so fake timers
 * installed after construction take effect.
 */
export class Scheduler<E extends DueEntry> {
  private readonly queue = new DueQueue<E>();
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private timeoutAtUs = Infinity;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private readonly fire = (): void => this.onTimer();

  constructor(
    private readonly now: Clock,
    /** Called with each entry whose time has come, in due order. */
    private readonly onDue: (entry: E, nowUs: number) => void,
  ) {}

  get size(): number {
    return this.queue.size;
  }

  schedule(entry: E): void {
    this.queue.push(entry);
    if (entry.dueUs < this.timeoutAtUs) this.arm(this.now());
  }

  /** Hands over every entry already due. */
  runDue(nowUs: number): void {
    while (this.queue.peekDue() <= nowUs) this.onDue(this.queue.pop()!, nowUs);
  }

  /** Stops the timers and returns the entries still waiting. */
  cancel(): E[] {
    this.disarm();
    return this.queue.clear();
  }

  private onTimer(): void {
    this.timeout = undefined;
    this.immediate = undefined;
    this.timeoutAtUs = Infinity;
    const now = this.now();
    this.runDue(now);
    this.arm(now);
  }

  private arm(nowUs: number): void {
    const due = this.queue.peekDue();
    if (due === Infinity) return this.disarm();
    if (this.immediate) return;
    const sleepMs = Math.min(MAX_SLEEP_MS, Math.floor((due - nowUs - SPIN_WINDOW_US) / 1000));
    if (sleepMs >= 1) {
      const wakeUs = nowUs + sleepMs * 1000;
      if (this.timeout && wakeUs >= this.timeoutAtUs) return;
      if (this.timeout) clearTimeout(this.timeout);
      this.timeoutAtUs = wakeUs;
      this.timeout = setTimeout(this.fire, sleepMs);
    } else {
      if (this.timeout) clearTimeout(this.timeout);
      this.timeout = undefined;
      this.timeoutAtUs = -Infinity; // polling: later entries need not re-arm
      this.immediate = setImmediate(this.fire);
    }
  }

  private disarm(): void {
    if (this.timeout) clearTimeout(this.timeout);
    if (this.immediate) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
    this.timeoutAtUs = Infinity;
  }
}
