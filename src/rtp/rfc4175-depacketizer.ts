import { frameBytes, geometryOf, lineBytes, pixelGroup, validateGeometry, type FrameGeometry } from '../frame.js';
import { UsageError } from '../usage-error.js';
import { CoverageBitmap } from './coverage-bitmap.js';
import { emptyStats } from './depacketizer-stats.js';
import type { Depacketizer, DepacketizerOptions, OnFrame } from './payload-format.js';
import { createParsedRtpHeader, parseRtpHeader } from './rtp-header.js';
import {
  CONTINUATION_BIT,
  EXTENDED_SEQUENCE_BYTES,
  FIELD_BIT,
  LINE_HEADER_BYTES,
  LINE_MASK,
  OFFSET_MASK,
} from './rfc4175-format.js';
import { SEQ_DUPLICATE, SEQ_IMPLAUSIBLE, SEQ_RESTART, SequenceTracker } from './sequence-tracker.js';

export const DEFAULT_FRAMES_IN_FLIGHT = 3;
/** Each frame in flight is a full frame buffer; this bounds the memory a flag can ask for. */
export const MAX_FRAMES_IN_FLIGHT = 16;
/** A sender silent this long may be replaced by another SSRC. */
export const SSRC_TAKEOVER_US = 1_000_000;
/** Handed-over timestamps remembered so their stragglers count as late instead of opening a new frame. */
const RECENT_TIMESTAMPS = 64;

interface Slot {
  busy: boolean;
  timestamp: number;
  readonly data: Buffer;
  readonly coverage: CoverageBitmap;
  packets: number;
  firstArrivalUs: number;
  lastArrivalUs: number;
}

/** `a` is before `b` in RFC 1982 serial-number order on 32-bit timestamps. */
function isBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * RFC 4175 receiver side. Reassembles frames by RTP timestamp into a fixed pool of buffers sized from the
 * configured geometry, tracks which pixel groups of each frame arrived, and hands a frame over as soon as all
 * arrived, or as incomplete when a newer frame needs its buffer.
 */
export class Rfc4175Depacketizer implements Depacketizer {
  readonly stats = emptyStats();
  private readonly geometry: FrameGeometry;
  private readonly pgBytes: number;
  private readonly pgPixels: number;
  private readonly groupsPerLine: number;
  private readonly bytesPerLine: number;
  private readonly slots: Slot[];
  private readonly header = createParsedRtpHeader();
  private readonly sequence = new SequenceTracker();
  private readonly pinned: boolean;
  private ssrc: number | undefined;
  private lastHeardUs = 0;
  private handedOver = 0;
  /** Every timestamp at or before this (when set) is gone: evicted, flushed or older than an evicted one. */
  private retiredUpTo = 0;
  private anyRetired = false;
  private readonly recent = new Uint32Array(RECENT_TIMESTAMPS);
  private recentCount = 0;
  private recentNext = 0;

  constructor(
    geometry: FrameGeometry,
    private readonly onFrame: OnFrame,
    options: DepacketizerOptions = {},
  ) {
    this.geometry = validateGeometry(geometryOf(geometry), 'geometry');
    const inFlight = options.framesInFlight ?? DEFAULT_FRAMES_IN_FLIGHT;
    if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > MAX_FRAMES_IN_FLIGHT) {
      throw new UsageError(`framesInFlight: ${inFlight} must be an integer from 1 to ${MAX_FRAMES_IN_FLIGHT}`);
    }
    const ssrc = options.ssrc;
    if (ssrc !== undefined && !(Number.isInteger(ssrc) && ssrc >= 0 && ssrc <= 0xffffffff)) {
      throw new UsageError(`--ssrc: ${ssrc} must be an integer from 0 to ${0xffffffff}`);
    }
    this.pinned = ssrc !== undefined;
    this.ssrc = ssrc;
    const pg = pixelGroup(geometry.format);
    this.pgBytes = pg.bytes;
    this.pgPixels = pg.pixels;
    this.groupsPerLine = geometry.width / pg.pixels;
    this.bytesPerLine = lineBytes(geometry);
    const bytes = frameBytes(geometry);
    const groups = bytes / pg.bytes;
    this.slots = Array.from({ length: inFlight }, () => ({
      busy: false,
      timestamp: 0,
      data: Buffer.alloc(bytes),
      coverage: new CoverageBitmap(groups),
      packets: 0,
      firstArrivalUs: 0,
      lastArrivalUs: 0,
    }));
  }

  push(datagram: Buffer, arrivalUs: number): void {
    const stats = this.stats;
    stats.packetsReceived++;
    stats.bytesReceived += datagram.length;
    const h = this.header;
    if (!parseRtpHeader(datagram, h)) {
      stats.packetsMalformed++;
      return;
    }
    const segments = this.validateSegments(datagram, h.payloadStart, h.payloadEnd);
    if (segments === 0) {
      stats.packetsMalformed++;
      return;
    }
    if (!this.follows(h.ssrc, arrivalUs)) {
      stats.packetsForeignSsrc++;
      return;
    }
    const seq = ((datagram.readUInt16BE(h.payloadStart) << 16) | h.sequence) >>> 0;
    const verdict = this.sequence.accept(seq);
    stats.packetsLost = this.sequence.lost;
    if (verdict === SEQ_DUPLICATE) {
      stats.packetsDuplicate++;
      return;
    }
    if (verdict === SEQ_IMPLAUSIBLE) {
      stats.packetsMalformed++;
      return;
    }
    // A sender restarted under the same SSRC (e.g. pinned with --ssrc) starts a new timestamp line too.
    if (verdict === SEQ_RESTART) this.forgetStream();
    const slot = this.slotFor(h.timestamp, arrivalUs);
    if (slot === undefined) {
      stats.packetsLate++;
      return;
    }
    this.copySegments(datagram, h.payloadStart + EXTENDED_SEQUENCE_BYTES, segments, slot);
    slot.packets++;
    slot.lastArrivalUs = arrivalUs;
    if (slot.coverage.full) this.handOver(slot, false);
  }

  flush(): void {
    for (;;) {
      const oldest = this.oldestBusy();
      if (oldest === undefined) return;
      this.handOver(oldest, true);
    }
  }

  /**
   * Checks every line header against the configured geometry before any byte is copied, so a bad packet
   * changes nothing. Returns how many segments the packet carries, 0 when it is malformed.
   */
  private validateSegments(dg: Buffer, start: number, end: number): number {
    const { width, height } = this.geometry;
    const pgBytes = this.pgBytes;
    const pgPixels = this.pgPixels;
    let p = start + EXTENDED_SEQUENCE_BYTES;
    let count = 0;
    let dataBytes = 0;
    for (;;) {
      if (p + LINE_HEADER_BYTES > end) return 0;
      const length = (dg[p]! << 8) | dg[p + 1]!;
      const lineWord = (dg[p + 2]! << 8) | dg[p + 3]!;
      const offsetWord = (dg[p + 4]! << 8) | dg[p + 5]!;
      p += LINE_HEADER_BYTES;
      count++;
      // F set means an interlaced field; we only carry progressive frames.
      if (lineWord & FIELD_BIT) return 0;
      const offset = offsetWord & OFFSET_MASK;
      if ((lineWord & LINE_MASK) >= height || offset % pgPixels !== 0 || length % pgBytes !== 0) return 0;
      // A segment stays within its line.
      if (offset + (length / pgBytes) * pgPixels > width) return 0;
      dataBytes += length;
      if (!(offsetWord & CONTINUATION_BIT)) break;
    }
    return p + dataBytes <= end ? count : 0;
  }

  private copySegments(dg: Buffer, headerAt: number, count: number, slot: Slot): void {
    let src = headerAt + count * LINE_HEADER_BYTES;
    for (let k = 0, p = headerAt; k < count; k++, p += LINE_HEADER_BYTES) {
      const length = (dg[p]! << 8) | dg[p + 1]!;
      const line = ((dg[p + 2]! << 8) | dg[p + 3]!) & LINE_MASK;
      const group = (((dg[p + 4]! << 8) | dg[p + 5]!) & OFFSET_MASK) / this.pgPixels;
      dg.copy(slot.data, line * this.bytesPerLine + group * this.pgBytes, src, src + length);
      slot.coverage.mark(line * this.groupsPerLine + group, length / this.pgBytes);
      src += length;
    }
  }

  /** The old stream's frames will never complete: hands them over, then forgets which timestamps it retired. */
  private forgetStream(): void {
    this.flush();
    this.anyRetired = false;
    this.recentCount = 0;
  }

  /** Decides whether a packet of `ssrc` is ours, letting a new sender take over from one gone silent. */
  private follows(ssrc: number, arrivalUs: number): boolean {
    if (this.ssrc === undefined) {
      this.ssrc = ssrc;
    } else if (ssrc !== this.ssrc) {
      if (this.pinned || arrivalUs - this.lastHeardUs < SSRC_TAKEOVER_US) return false;
      this.forgetStream();
      this.sequence.reset();
      this.ssrc = ssrc;
      this.stats.ssrcChanges++;
    }
    this.lastHeardUs = arrivalUs;
    return true;
  }

  /** The slot reassembling `timestamp`, opening one (evicting the oldest if all are busy); undefined if late. */
  private slotFor(timestamp: number, arrivalUs: number): Slot | undefined {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.busy && s.timestamp === timestamp) return s;
    }
    if (this.isRetired(timestamp)) return undefined;
    let slot: Slot | undefined;
    for (let i = 0; i < slots.length && slot === undefined; i++) if (!slots[i]!.busy) slot = slots[i];
    if (slot === undefined) {
      const oldest = this.oldestBusy()!;
      // Evicting a newer frame for an older one would trade a likely-complete frame for a stale one.
      if (isBefore(timestamp, oldest.timestamp)) return undefined;
      this.handOver(oldest, true);
      slot = oldest;
    }
    slot.data.fill(0);
    slot.coverage.clear();
    slot.busy = true;
    slot.timestamp = timestamp;
    slot.packets = 0;
    slot.firstArrivalUs = arrivalUs;
    return slot;
  }

  private isRetired(timestamp: number): boolean {
    if (this.anyRetired && !isBefore(this.retiredUpTo, timestamp)) return true;
    for (let i = 0; i < this.recentCount; i++) if (this.recent[i] === timestamp) return true;
    return false;
  }

  private oldestBusy(): Slot | undefined {
    let oldest: Slot | undefined;
    for (const s of this.slots) {
      if (s.busy && (oldest === undefined || isBefore(s.timestamp, oldest.timestamp))) oldest = s;
    }
    return oldest;
  }

  /** `retireOlder`: the slot is the oldest in flight and is being given up on, so everything before it is too. */
  private handOver(slot: Slot, retireOlder: boolean): void {
    const complete = slot.coverage.full;
    if (complete) this.stats.framesComplete++;
    else this.stats.framesIncomplete++;
    if (retireOlder) {
      this.retiredUpTo = slot.timestamp;
      this.anyRetired = true;
    }
    this.recent[this.recentNext] = slot.timestamp;
    this.recentNext = (this.recentNext + 1) % RECENT_TIMESTAMPS;
    this.recentCount = Math.min(this.recentCount + 1, RECENT_TIMESTAMPS);
    const { width, height, format } = this.geometry;
    this.onFrame(
      { width, height, format, data: slot.data, index: this.handedOver++, captureTimeUs: slot.lastArrivalUs },
      {
        complete,
        bytesMissing: (slot.coverage.size - slot.coverage.marked) * this.pgBytes,
        rtpTimestamp: slot.timestamp,
        ssrc: this.ssrc,
        packets: slot.packets,
        firstArrivalUs: slot.firstArrivalUs,
        lastArrivalUs: slot.lastArrivalUs,
      },
    );
    // Freed only after the callback, which may still be reading the buffer.
    slot.busy = false;
  }
}
