import type { Frame, FrameGeometry } from '../frame.js';

export type Wire = 'rtp' | 'raw';
export const WIRES: readonly Wire[] = ['rtp', 'raw'];

/** Called once per packet of a frame: send `header` then `payload` as one datagram (scatter-gather). */
export type EmitPacket = (header: Buffer, payload: Buffer) => void;

/**
 * Every packet of a frame as two tables, for a sender that hands the kernel a whole frame in one call
 * (sendmmsg): packet i is `headers[headerOffsets[i], headerOffsets[i + 1])` followed by
 * `frame.data[payloadOffsets[i], payloadOffsets[i + 1])`. Both tables hold packetsPerFrame + 1 offsets and are
 * fixed per geometry; only the header bytes change from frame to frame.
 */
export interface PacketTable {
  readonly headers: Buffer;
  readonly headerOffsets: Uint32Array;
  readonly payloadOffsets: Uint32Array;
}

export interface Packetizer {
  /** Packets every frame of this geometry takes (the layout is fixed per geometry and MTU). */
  readonly packetsPerFrame: number;
  readonly table: PacketTable;
  /**
   * Writes one frame's headers into `table.headers` without emitting anything: packetize() minus the emits.
   * The same rule holds: the headers and `frame.data` must stay untouched until the frame has been sent.
   */
  writeHeaders(frame: Frame): void;
  /**
   * Emits the packets of one frame in order. Header buffers belong to the packetizer and are rewritten by
   * the next call, and payloads are views of `frame.data`: the caller must let every send of this frame
   * complete before packetizing the next frame or changing the frame's pixels.
   */
  packetize(frame: Frame, emit: EmitPacket): void;
  /** RTP identity in use (raw wire: undefined). */
  readonly ssrc?: number;
  /** RTP timestamp the last packetized frame carried (raw wire: undefined). */
  readonly lastTimestamp?: number;
}

/** What the depacketizer knows about a frame it hands over, beside the pixels. */
export interface AssemblyInfo {
  complete: boolean;
  bytesMissing: number;
  /** RTP timestamp (raw wire: undefined). */
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

export interface DepacketizerStats {
  packetsReceived: number;
  bytesReceived: number;
  /** Sequence numbers never seen (gaps), net of late arrivals that filled a gap. */
  packetsLost: number;
  packetsDuplicate: number;
  packetsMalformed: number;
  /** Well-formed packets for a frame already handed over (or of an SSRC we are not following). */
  packetsLate: number;
  packetsForeignSsrc: number;
  framesComplete: number;
  framesIncomplete: number;
  ssrcChanges: number;
}

export interface Depacketizer {
  /** Feeds one datagram. Never throws: malformed input is counted in `stats.packetsMalformed`. */
  push(datagram: Buffer, arrivalUs: number): void;
  /** Hands over every frame still in reassembly (as incomplete if it is). Call at end of stream. */
  flush(): void;
  readonly stats: DepacketizerStats;
}

export interface PacketizerOptions {
  /** Link MTU: the UDP payload is at most mtu - 28 (IPv4 + UDP headers). */
  mtu: number;
  payloadType?: number;
  /** Fixed SSRC; random when absent. */
  ssrc?: number;
  initialSequence?: number;
  initialTimestamp?: number;
}

export interface DepacketizerOptions {
  /** Follow only this SSRC; otherwise follow the first seen and let another take over after 1 s of silence. */
  ssrc?: number;
  /** Frames that may be in reassembly at once (reordering tolerated across them). Default 3. */
  framesInFlight?: number;
}

export type { Frame, FrameGeometry };
