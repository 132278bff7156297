import { randomInt } from 'node:crypto';
import { geometryOf, validateGeometry, type Frame, type FrameGeometry } from '../frame.js';
import { SettingError } from '../usage-error.js';
import type { PayloadFormat, PayloadLayout, Payloader } from './formats/index.js';
import type { OutgoingPackets } from './outgoing-packets.js';
import { rtpTimestamp } from './rtp-clock.js';
import { RTP_HEADER_BYTES, setRtpSequence, setRtpTimestamp, writeRtpHeader } from './rtp-header.js';
import { IPV4_UDP_OVERHEAD, MAX_UDP_PAYLOAD } from './udp-limits.js';

export interface StreamWriterOptions {
  /** Link MTU: a datagram is at most mtu - 28 bytes (IPv4 + UDP headers). Bare formats send one datagram a frame. */
  mtu: number;
  payloadType?: number;
  /** Fixed SSRC; random when absent. */
  ssrc?: number;
  /** Extended (32-bit) sequence number of the first packet; random 16-bit when absent. */
  initialSequence?: number;
  initialTimestamp?: number;
}

/** Numbers a stream's frames into packets: the one place an outgoing packet's framing is decided. */
export interface StreamWriter {
  readonly format: PayloadFormat;
  /** RTP identity (bare formats: undefined). */
  readonly ssrc: number | undefined;
  readonly payloadType: number | undefined;
  /** RTP timestamp of the last frame written (bare formats: undefined). */
  readonly lastTimestamp: number | undefined;
  /** Packets each frame takes when the format's layout is fixed (undefined when it varies per frame). */
  readonly packetsPerFrame: number | undefined;
  /** The RTP timestamp this stream gives wall-clock time `timeUs` (an RTCP sender report pairs the two). */
  rtpTimestampAt(timeUs: number): number | undefined;
  /** Lays out and numbers one frame's packets; the result (and its headers) is rewritten by the next call. */
  write(frame: Frame): OutgoingPackets;
}

function checkUint(value: number | undefined, max: number, setting: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max)) {
    throw new SettingError(setting, `${value} must be an integer from 0 to ${max}`);
  }
}

/** The largest payload a packet may carry after UDP and the framing's own header, checked against the format. */
function maxPayloadBytes(format: PayloadFormat, geometry: FrameGeometry, mtu: number): number {
  const maxMtu = MAX_UDP_PAYLOAD + IPV4_UDP_OVERHEAD;
  if (!Number.isInteger(mtu) || mtu < 1 || mtu > maxMtu) throw new SettingError('mtu', `${mtu} must be an integer from 1 to ${maxMtu}`);
  // A bare format's frame is one datagram whatever the MTU: IP fragments it.
  if (format.framing === 'bare') return MAX_UDP_PAYLOAD;
  const max = mtu - IPV4_UDP_OVERHEAD - RTP_HEADER_BYTES;
  const min = format.minPayload(geometry);
  if (max < min.bytes) {
    throw new SettingError(
      'mtu',
      `${mtu} cannot carry ${min.carries} (smallest is ${IPV4_UDP_OVERHEAD + RTP_HEADER_BYTES + min.bytes})`,
    );
  }
  return max;
}

/** Opens the writer a format's framing calls for. */
export function createStreamWriter(format: PayloadFormat, geometry: FrameGeometry, options: StreamWriterOptions): StreamWriter {
  const g = validateGeometry(geometryOf(geometry), 'geometry');
  const payloader = format.createPayloader(g, maxPayloadBytes(format, g, options.mtu));
  return format.framing === 'bare' ? new BareStreamWriter(format, payloader) : new RtpStreamWriter(format, payloader, options);
}

/**
 * RTP framing (RFC 3550 section 5.1): owns SSRC, sequence numbers, timestamps and the marker (set on a frame's last
 * packet, RFC 4175 section 4.1). Headers for a layout are built once, RTP header and the format's header side by
 * side; each frame then rewrites only the sequence numbers and the timestamp.
 */
class RtpStreamWriter implements StreamWriter {
  readonly ssrc: number;
  readonly payloadType: number;
  private sequence: number;
  private readonly timestampOffset: number;
  private lastTs: number | undefined;
  private table: PacketsOut | undefined;
  private layoutOf: PayloadLayout | undefined;

  constructor(
    readonly format: PayloadFormat,
    private readonly payloader: Payloader,
    options: StreamWriterOptions,
  ) {
    checkUint(options.payloadType, 127, 'payloadType');
    checkUint(options.ssrc, 0xffffffff, 'ssrc');
    checkUint(options.initialSequence, 0xffffffff, 'initialSequence');
    checkUint(options.initialTimestamp, 0xffffffff, 'initialTimestamp');
    this.payloadType = options.payloadType ?? format.defaultPayloadType;
    this.ssrc = options.ssrc ?? randomInt(0x100000000);
    this.sequence = options.initialSequence ?? randomInt(0x10000);
    this.timestampOffset = options.initialTimestamp ?? randomInt(0x100000000);
  }

  get lastTimestamp(): number | undefined {
    return this.lastTs;
  }

  get packetsPerFrame(): number | undefined {
    return this.payloader.packetsPerFrame;
  }

  rtpTimestampAt(timeUs: number): number {
    return rtpTimestamp(timeUs, this.format.clockRate, this.timestampOffset);
  }

  write(frame: Frame): OutgoingPackets {
    const layout = this.payloader.layout(frame);
    if (layout !== this.layoutOf) {
      this.table = this.build(layout);
      this.layoutOf = layout;
    }
    const table = this.table!;
    table.data = this.payloader.data(frame);
    const ts = this.rtpTimestampAt(frame.captureTimeUs);
    const { headers, headerOffsets } = table;
    const payloader = this.payloader;
    let seq = this.sequence;
    table.firstSequence = seq;
    for (let i = 0; i < table.count; i++) {
      const at = headerOffsets[i]!;
      setRtpSequence(headers, at, seq);
      setRtpTimestamp(headers, at, ts);
      if (payloader.setSequence) payloader.setSequence(headers, at + RTP_HEADER_BYTES, seq);
      seq = (seq + 1) >>> 0;
    }
    this.sequence = seq;
    table.timestamp = ts;
    this.lastTs = ts;
    return table;
  }

  private build(layout: PayloadLayout): PacketsOut {
    const n = layout.packets;
    const headerOffsets = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) {
      headerOffsets[i + 1] = headerOffsets[i]! + RTP_HEADER_BYTES + layout.headerOffsets[i + 1]! - layout.headerOffsets[i]!;
    }
    const headers = Buffer.alloc(headerOffsets[n]!);
    for (let i = 0; i < n; i++) {
      const at = headerOffsets[i]!;
      writeRtpHeader(headers, at, { marker: i === n - 1, payloadType: this.payloadType, sequence: 0, timestamp: 0, ssrc: this.ssrc });
      layout.headers.copy(headers, at + RTP_HEADER_BYTES, layout.headerOffsets[i], layout.headerOffsets[i + 1]);
    }
    return new PacketsOut(n, headers, headerOffsets, layout.dataOffsets);
  }
}

/** Bare framing: the format's packets go out as they are, with no header of ours. */
class BareStreamWriter implements StreamWriter {
  readonly ssrc = undefined;
  readonly payloadType = undefined;
  readonly lastTimestamp = undefined;

  get packetsPerFrame(): number | undefined {
    return this.payloader.packetsPerFrame;
  }

  rtpTimestampAt(): undefined {
    return undefined;
  }
  private table: PacketsOut | undefined;
  private layoutOf: PayloadLayout | undefined;

  constructor(
    readonly format: PayloadFormat,
    private readonly payloader: Payloader,
  ) {}

  write(frame: Frame): OutgoingPackets {
    const layout = this.payloader.layout(frame);
    if (layout !== this.layoutOf) {
      this.table = new PacketsOut(layout.packets, layout.headers, layout.headerOffsets, layout.dataOffsets);
      this.layoutOf = layout;
    }
    this.table!.data = this.payloader.data(frame);
    return this.table!;
  }
}

/** The writer's reusable OutgoingPackets: tables fixed per layout, data and numbers per frame. */
class PacketsOut implements OutgoingPackets {
  data: Buffer = Buffer.alloc(0);
  firstSequence = 0;
  timestamp = 0;
  readonly bytes: number;

  constructor(
    readonly count: number,
    readonly headers: Buffer,
    readonly headerOffsets: Uint32Array,
    readonly dataOffsets: Uint32Array,
  ) {
    this.bytes = headerOffsets[count]! - headerOffsets[0]! + dataOffsets[count]! - dataOffsets[0]!;
  }
}
