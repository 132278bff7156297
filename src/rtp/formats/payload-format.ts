import type { Frame, FrameGeometry } from '../../frame.js';
import type { PayloadRuns } from './payload-runs.js';

/**
 * A payload format is what differs between wires: how a frame's bytes are laid out in packets (the payloader) and
 * where a packet's bytes go in the frame (the depayloader). Neither knows SSRCs, sequence numbers or timestamps:
 * the RTP stream writer and reader own those, and the assembler owns the frames being rebuilt.
 */
export interface PayloadFormat {
  /** The name `--wire` and scenario files use. */
  readonly name: string;
  /** One line for help text. */
  readonly summary: string;
  /**
   * 'rtp': each packet carries an RTP header (RFC 3550) that the stream writer and reader own. 'bare': datagrams
   * carry the payload alone, as the original one-datagram-a-frame program sent them.
   */
  readonly framing: 'rtp' | 'bare';
  /** RTP timestamp clock, Hz (RFC 4175 section 6.1: 90 kHz for video). */
  readonly clockRate: number;
  readonly defaultPayloadType: number;
  /**
   * The smallest payload (the format's header and data, after UDP and RTP headers) that carries anything of a
   * frame of this geometry, and what that is, for the error an MTU below it gets.
   */
  minPayload(geometry: FrameGeometry): { bytes: number; carries: string };
  /**
   * `maxPayloadBytes`: what one packet's payload may take, at least minPayload(geometry).bytes. Throws a
   * SettingError naming the setting (`geometry`, `wire`) when frames of this geometry cannot be carried at all.
   */
  createPayloader(geometry: FrameGeometry, maxPayloadBytes: number): Payloader;
  createDepayloader(geometry: FrameGeometry): Depayloader;
}

/**
 * A frame's packets as two tables: packet i is the format's header `headers[headerOffsets[i], headerOffsets[i + 1])`
 * followed by `data[dataOffsets[i], dataOffsets[i + 1])`. Offsets hold packets + 1 entries.
 */
export interface PayloadLayout {
  readonly packets: number;
  readonly headers: Buffer;
  readonly headerOffsets: Uint32Array;
  readonly dataOffsets: Uint32Array;
}

export interface Payloader {
  /** Packets each frame takes, for formats whose layout is fixed per geometry (undefined when it varies). */
  readonly packetsPerFrame?: number;
  /**
   * The layout of `frame`'s packets. A format whose layout is fixed per geometry returns the same object every
   * time, which lets the stream writer build its header table once.
   */
  layout(frame: Frame): PayloadLayout;
  /** The buffer the layout's data offsets index: the frame's pixels for uncompressed video. */
  data(frame: Frame): Buffer;
  /**
   * Writes into packet headers what follows from the extended (32-bit) sequence number, for formats that carry
   * more of it than RTP's 16 bits (RFC 4175 section 4: the high 16 bits). `at` is where the format's header starts.
   */
  setSequence?(headers: Buffer, at: number, extendedSequence: number): void;
}

export interface Depayloader {
  /**
   * The assembler tracks arrival in units of this many bytes; every run this format places starts and ends on a
   * unit boundary (RFC 4175: a pixel group).
   */
  readonly unitBytes: number;
  /**
   * Checks the payload `datagram[start, end)` against the geometry and fills `runs` with where its bytes go, having
   * changed nothing when it returns false (malformed). Never throws, never trusts a length without a bound.
   */
  locate(datagram: Buffer, start: number, end: number, runs: PayloadRuns): boolean;
  /**
   * The packet's 32-bit sequence number when the payload carries its high bits (RFC 4175), given RTP's low 16;
   * -1 when the payload is too short to say.
   */
  extendedSequence?(datagram: Buffer, start: number, end: number, sequence: number): number;
}
