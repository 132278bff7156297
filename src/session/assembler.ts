import { frameBytes, geometryOf, type Frame, type FrameGeometry } from '../frame.js';
import type { PayloadRuns } from '../rtp/formats/index.js';
import { SettingError } from '../usage-error.js';
import { CoverageBitmap } from './coverage-bitmap.js';

/** What the assembler knows about a frame it hands over, beside the pixels. */
export interface AssemblyInfo {
  complete: boolean;
  bytesMissing: number;
  /** RTP timestamp (bare formats: undefined). */
  rtpTimestamp?: number;
  ssrc?: number;
  packets: number;
  firstArrivalUs: number;
  lastArrivalUs: number;
}

/**
 * Called for each frame leaving reassembly. `frame.data` is a pooled buffer, valid only during the call.
 * `frame.index` is the ordinal of the frame among those handed over; `frame.captureTimeUs` is the arrival time
 * of its last packet (the stamp, when present, is the real capture time and is read by the receiver).
 */
export type OnFrame = (frame: Frame, info: AssemblyInfo) => void;

export interface AssemblerOptions {
  /**
   * Frames that may be in reassembly at once. Given, the pool is fixed and a frame is evicted when a newer one needs
   * its buffer. Absent, the pool starts at DEFAULT_FRAMES_IN_FLIGHT and grows, as far as MAX_POOL_BYTES of frames
   * (at least MAX_FRAMES_IN_FLIGHT, at most MAX_GROWN_FRAMES), rather than give up a frame whose deadline has not
   * passed.
   */
  framesInFlight?: number;
  /**
   * The latency budget: how long a frame waits for missing packets once the first packet of a newer frame has
   * arrived, in µs. Retransmission and FEC repair frames within it. Default DEFAULT_LATENCY_US.
   */
  latencyUs?: number;
  /** Frames are keyed by RTP timestamp (reported with each frame); false for bare formats, keyed by arrival. */
  rtpTimestamps?: boolean;
}

export const DEFAULT_FRAMES_IN_FLIGHT = 3;
/** The most frames a setting may fix the pool at; a growing pool reaches it whatever the frame size. */
export const MAX_FRAMES_IN_FLIGHT = 16;
/**
 * Each frame in flight is a full frame buffer: a growing pool stops here, so a stream cannot make us hold more. A
 * latency budget is kept only as far as its frames fit: 2 s of NACK budget at 30 fps is 60 frames in flight, held
 * at 640x480 (55 MB), not at 1080p (the pool stops at 43 frames there, and a frame waiting longer is evicted: counted).
 */
export const MAX_POOL_BYTES = 256 * 1024 * 1024;
/** ...and at this many frames (each packet looks for its frame among them): 2 s at 60 fps. */
export const MAX_GROWN_FRAMES = 128;
export const DEFAULT_LATENCY_US = 10_000;
/** Bounds the latency a setting can ask for: a frame held longer than this is no longer live video. */
export const MAX_LATENCY_US = 10_000_000;
/** Handed-over keys remembered so their stragglers count as late instead of opening a new frame. */
const RECENT_KEYS = 64;

interface Slot {
  busy: boolean;
  key: number;
  readonly data: Buffer;
  readonly coverage: CoverageBitmap;
  packets: number;
  firstArrivalUs: number;
  lastArrivalUs: number;
  /** When this frame is given up if still incomplete; Infinity until a newer frame starts. */
  deadlineUs: number;
  /** Its last packet (the RTP marker) has come. */
  ended: boolean;
}

/** `a` is before `b` in RFC 1982 serial-number order on 32-bit keys (RTP timestamps wrap). */
function isBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * Rebuilds frames from packets for every payload format: one pooled buffer per frame in flight, keyed by RTP
 * timestamp, with a coverage bitmap in the format's units so overlapping or repeated bytes never count twice.
 * A frame is handed over as soon as it is whole, or given up (handed over incomplete, its holes zeroed) when its
 * deadline passes, when a newer frame needs its buffer, or when the stream ends or restarts. A packet for a frame
 * already handed over is late; one that completes a frame still waiting is not.
 */
export class FrameAssembler {
  /** framesShort, framesEvicted: incomplete frames whose last packet had come, or that lost their buffer (StreamStats). */
  readonly stats = { framesComplete: 0, framesIncomplete: 0, framesShort: 0, framesEvicted: 0 };
  /** The pool grows no further than this (its fixed size, when framesInFlight is given). */
  readonly maxPoolSize: number;
  /** Reported with each frame; the stream reader sets it to the SSRC it follows. */
  ssrc: number | undefined;
  /** Earliest deadline of any frame in flight (Infinity: none); call expire() once the clock reaches it. */
  nextDeadlineUs = Infinity;
  private readonly geometry: FrameGeometry;
  private readonly bytes: number;
  private readonly slots: Slot[] = [];
  private readonly latencyUs: number;
  private readonly rtpTimestamps: boolean;
  private handedOver = 0;
  /** Every key at or before this (when set) is gone: given up, or older than one given up. */
  private retiredUpTo = 0;
  private anyRetired = false;
  private readonly recent = new Uint32Array(RECENT_KEYS);
  private recentCount = 0;
  private recentNext = 0;

  constructor(
    geometry: FrameGeometry,
    private readonly unitBytes: number,
    private readonly onFrame: OnFrame,
    options: AssemblerOptions = {},
  ) {
    this.geometry = geometryOf(geometry);
    this.bytes = frameBytes(geometry);
    const inFlight = options.framesInFlight;
    if (inFlight !== undefined && (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > MAX_FRAMES_IN_FLIGHT)) {
      throw new SettingError('framesInFlight', `${inFlight} must be an integer from 1 to ${MAX_FRAMES_IN_FLIGHT}`);
    }
    const latency = options.latencyUs ?? DEFAULT_LATENCY_US;
    if (!Number.isFinite(latency) || latency < 0 || latency > MAX_LATENCY_US) {
      throw new SettingError('latency', `${latency / 1000} ms must be from 0 to ${MAX_LATENCY_US / 1000} ms`);
    }
    if (this.bytes % unitBytes !== 0) throw new Error(`unitBytes ${unitBytes} does not divide a ${this.bytes}-byte frame`);
    this.latencyUs = latency;
    this.rtpTimestamps = options.rtpTimestamps ?? true;
    this.maxPoolSize = inFlight ??
      Math.min(MAX_GROWN_FRAMES, Math.max(MAX_FRAMES_IN_FLIGHT, Math.floor(MAX_POOL_BYTES / this.bytes)));
    for (let i = 0; i < (inFlight ?? DEFAULT_FRAMES_IN_FLIGHT); i++) this.addSlot();
  }

  /** Frame buffers allocated so far (the pool grows only when frames wait on their deadline). */
  get poolSize(): number {
    return this.slots.length;
  }

  /**
   * The frame being rebuilt under `key`, opened (over the oldest frame's buffer if none is free) when new; undefined
   * when that frame was already handed over, or is older than every frame in flight with no buffer to spare: late.
   */
  open(key: number, arrivalUs: number): Slot | undefined {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.busy && s.key === key) return s;
    }
    if (this.isRetired(key)) return undefined;
    let slot: Slot | undefined;
    for (let i = 0; i < slots.length && slot === undefined; i++) if (!slots[i]!.busy) slot = slots[i];
    if (slot === undefined) {
      const oldest = this.oldestBusy()!;
      // Evicting a newer frame for an older one would trade a likely-complete frame for a stale one.
      if (isBefore(key, oldest.key)) return undefined;
      // A fixed pool starts at its maxPoolSize, so only a growing one gets past this.
      if (slots.length < this.maxPoolSize && oldest.deadlineUs > arrivalUs) {
        slot = this.addSlot();
      } else {
        if (oldest.deadlineUs > arrivalUs) this.stats.framesEvicted++;
        this.handOver(oldest, true);
        slot = oldest;
      }
    }
    const newerStarted = this.startDeadlines(key, arrivalUs);
    // Not zeroed here: a complete frame overwrites every byte, and an incomplete one has its holes zeroed when it is
    // handed over (a memset of every 6 MB 1080p frame was a sixth of a receiver's time at --fps max).
    slot.coverage.clear();
    slot.busy = true;
    slot.key = key;
    slot.packets = 0;
    slot.firstArrivalUs = arrivalUs;
    slot.lastArrivalUs = arrivalUs;
    slot.deadlineUs = Infinity;
    slot.ended = false;
    // A frame whose first packet comes after a newer frame's (reordering) is already on the clock.
    if (newerStarted) this.setDeadline(slot, arrivalUs + this.latencyUs);
    return slot;
  }

  /**
   * Copies a packet's runs into its frame and hands the frame over if that made it whole. `last`: the sender marked
   * it as its frame's last packet (the RTP marker).
   */
  fill(slot: Slot, datagram: Buffer, runs: PayloadRuns, arrivalUs: number, last: boolean): void {
    const unit = this.unitBytes;
    const { frameOffset, packetOffset, length } = runs;
    for (let k = 0; k < runs.count; k++) {
      const src = packetOffset[k]!;
      const len = length[k]!;
      datagram.copy(slot.data, frameOffset[k]!, src, src + len);
      slot.coverage.mark(frameOffset[k]! / unit, len / unit);
    }
    slot.packets++;
    slot.lastArrivalUs = arrivalUs;
    if (last) slot.ended = true;
    if (slot.coverage.full) this.handOver(slot, false);
  }

  /** Gives up every frame whose deadline is at or before `nowUs`, oldest first. */
  expire(nowUs: number): void {
    for (;;) {
      let due: Slot | undefined;
      for (const s of this.slots) {
        if (s.busy && s.deadlineUs <= nowUs && (due === undefined || isBefore(s.key, due.key))) due = s;
      }
      if (due === undefined) break;
      this.handOver(due, true);
    }
    this.updateNextDeadline();
  }

  /** Hands over every frame still in reassembly (incomplete ones as such), oldest first: the end of a stream. */
  flush(): void {
    for (;;) {
      const oldest = this.oldestBusy();
      if (oldest === undefined) return;
      this.handOver(oldest, true);
    }
  }

  /** A new stream (restarted sender, new SSRC): the old one's frames will never complete, and its keys mean nothing. */
  restart(): void {
    this.flush();
    this.anyRetired = false;
    this.recentCount = 0;
  }

  private addSlot(): Slot {
    const slot: Slot = {
      busy: false,
      key: 0,
      data: Buffer.alloc(this.bytes),
      coverage: new CoverageBitmap(this.bytes / this.unitBytes),
      packets: 0,
      firstArrivalUs: 0,
      lastArrivalUs: 0,
      deadlineUs: Infinity,
      ended: false,
    };
    this.slots.push(slot);
    return slot;
  }

  /**
   * Frame `key` has started: every older frame still waiting now has `latency` left to complete. Returns whether a
   * newer frame than `key` is already in flight.
   */
  private startDeadlines(key: number, arrivalUs: number): boolean {
    const deadline = arrivalUs + this.latencyUs;
    let newerStarted = false;
    for (const s of this.slots) {
      if (!s.busy) continue;
      if (isBefore(s.key, key)) {
        if (s.deadlineUs === Infinity) this.setDeadline(s, deadline);
      } else {
        newerStarted = true;
      }
    }
    return newerStarted;
  }

  private setDeadline(slot: Slot, deadlineUs: number): void {
    slot.deadlineUs = deadlineUs;
    if (deadlineUs < this.nextDeadlineUs) this.nextDeadlineUs = deadlineUs;
  }

  private updateNextDeadline(): void {
    let next = Infinity;
    for (const s of this.slots) if (s.busy && s.deadlineUs < next) next = s.deadlineUs;
    this.nextDeadlineUs = next;
  }

  private isRetired(key: number): boolean {
    if (this.anyRetired && !isBefore(this.retiredUpTo, key)) return true;
    for (let i = 0; i < this.recentCount; i++) if (this.recent[i] === key) return true;
    return false;
  }

  private oldestBusy(): Slot | undefined {
    let oldest: Slot | undefined;
    for (const s of this.slots) {
      if (s.busy && (oldest === undefined || isBefore(s.key, oldest.key))) oldest = s;
    }
    return oldest;
  }

  /** `giveUp`: the frame is the oldest in flight and is being given up on, so everything before it is too. */
  private handOver(slot: Slot, giveUp: boolean): void {
    const complete = slot.coverage.full;
    if (complete) {
      this.stats.framesComplete++;
    } else {
      this.stats.framesIncomplete++;
      if (slot.ended) this.stats.framesShort++;
    }
    if (giveUp) {
      this.retiredUpTo = slot.key;
      this.anyRetired = true;
    }
    this.recent[this.recentNext] = slot.key;
    this.recentNext = (this.recentNext + 1) % RECENT_KEYS;
    this.recentCount = Math.min(this.recentCount + 1, RECENT_KEYS);
    if (!complete) {
      const unit = this.unitBytes;
      slot.coverage.forEachGap((start, count) => slot.data.fill(0, start * unit, (start + count) * unit));
    }
    const { width, height, format } = this.geometry;
    const deadline = slot.deadlineUs;
    // Freed before the callback returns would let a re-entrant push reuse the buffer under it: busy until after.
    this.onFrame(
      { width, height, format, data: slot.data, index: this.handedOver++, captureTimeUs: slot.lastArrivalUs },
      {
        complete,
        bytesMissing: (slot.coverage.size - slot.coverage.marked) * this.unitBytes,
        rtpTimestamp: this.rtpTimestamps ? slot.key : undefined,
        ssrc: this.ssrc,
        packets: slot.packets,
        firstArrivalUs: slot.firstArrivalUs,
        lastArrivalUs: slot.lastArrivalUs,
      },
    );
    slot.busy = false;
    slot.deadlineUs = Infinity;
    if (deadline === this.nextDeadlineUs) this.updateNextDeadline();
  }
}
