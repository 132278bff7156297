import type { OutgoingPackets } from '../rtp/outgoing-packets.js';
import { SettingError } from '../usage-error.js';

/** Reads packets back from the send history. */
export interface HistoryReader {
  /** Packet `sequence` as it was sent, or undefined when no longer held; valid until the next packet is sent. */
  get(sequence: number, nowUs: number): Buffer | undefined;
}

/** What a feature asks the history to keep. The history keeps enough for every request made of it. */
export interface HistoryRequest {
  /** Packets to keep, at least. */
  packets: number;
  /** Packets older than this are not handed out even if still held (a retransmission would arrive too late). */
  maxAgeUs?: number;
}

/** Bounds what a setting can make the sender preallocate: one million 1,500-byte slots is 1.5 GB. */
export const MAX_HISTORY_PACKETS = 1 << 20;

/**
 * The bytes of the packets last sent, by extended sequence number, in a ring preallocated at creation: packet s
 * lives in slot s mod capacity until a packet capacity numbers later takes it. The zero-copy send path hands the
 * kernel views of frame buffers that are reused for the next frame; this is the one copy that lets retransmission
 * and FEC still read a packet afterwards.
 */
export class SendHistory implements HistoryReader {
  private readonly ring: Buffer;
  private readonly lengths: Int32Array;
  private readonly sequences: Float64Array;
  private readonly sentAtUs: Float64Array;
  private maxAgeUs: number;

  constructor(
    private readonly capacity: number,
    private readonly slotBytes: number,
    maxAgeUs = Infinity,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_HISTORY_PACKETS) {
      throw new SettingError('history', `${capacity} packets must be from 1 to ${MAX_HISTORY_PACKETS}`);
    }
    this.ring = Buffer.allocUnsafeSlow(capacity * slotBytes);
    this.lengths = new Int32Array(capacity);
    this.sequences = new Float64Array(capacity).fill(-1);
    this.sentAtUs = new Float64Array(capacity);
    this.maxAgeUs = maxAgeUs;
  }

  get size(): number {
    return this.capacity;
  }

  /** Loosens the age limit to cover another request (a history serves every feature that asked). */
  allowAge(maxAgeUs: number): void {
    this.maxAgeUs = Math.max(this.maxAgeUs, maxAgeUs);
  }

  /** Copies every packet of a frame in, as it is about to be sent at `nowUs`. */
  record(packets: OutgoingPackets, nowUs: number): void {
    const { headers, headerOffsets: h, data, dataOffsets: d, count } = packets;
    for (let i = 0; i < count; i++) {
      const slot = this.claim((packets.firstSequence + i) >>> 0, nowUs);
      const headerBytes = h[i + 1]! - h[i]!;
      const dataBytes = d[i + 1]! - d[i]!;
      if (headerBytes + dataBytes > this.slotBytes) continue; // larger than any packet the MTU allows: not ours to keep
      const at = slot * this.slotBytes;
      headers.copy(this.ring, at, h[i], h[i + 1]);
      data.copy(this.ring, at + headerBytes, d[i], d[i + 1]);
      this.lengths[slot] = headerBytes + dataBytes;
    }
  }

  /**
   * Packet `sequence` as it was sent, or undefined when it is no longer held (overwritten, never sent, or older than
   * the age limit at `nowUs`). The view is valid until the next record().
   */
  get(sequence: number, nowUs: number): Buffer | undefined {
    const slot = sequence % this.capacity;
    if (this.sequences[slot] !== sequence || this.lengths[slot]! < 0) return undefined;
    if (nowUs - this.sentAtUs[slot]! > this.maxAgeUs) return undefined;
    const at = slot * this.slotBytes;
    return this.ring.subarray(at, at + this.lengths[slot]!);
  }

  private claim(sequence: number, nowUs: number): number {
    const slot = sequence % this.capacity;
    this.sequences[slot] = sequence;
    this.sentAtUs[slot] = nowUs;
    this.lengths[slot] = -1;
    return slot;
  }
}
