import { randomInt } from 'node:crypto';
import { frameBytes, geometryOf, lineBytes, pixelGroup, validateGeometry, type Frame, type FrameGeometry } from '../frame.js';
import { UsageError } from '../usage-error.js';
import { assertFrameFits } from './frame-check.js';
import type { EmitPacket, PacketTable, Packetizer, PacketizerOptions } from './payload-format.js';
import { RTP_HEADER_BYTES, writeRtpHeader } from './rtp-header.js';
import {
  CONTINUATION_BIT,
  DEFAULT_PAYLOAD_TYPE,
  EXTENDED_SEQUENCE_BYTES,
  LINE_HEADER_BYTES,
  videoTimestamp,
} from './rfc4175-format.js';
import { IPV4_UDP_OVERHEAD, MAX_UDP_PAYLOAD } from './udp-limits.js';

/** One run of pixel groups within a scan line. */
export interface Segment {
  line: number;
  /** In pixels, as on the wire. */
  offset: number;
  /** In bytes. */
  length: number;
}

/** One packet of the fixed layout: its segments and the contiguous slice of frame data they cover. */
export interface PacketPlan {
  segments: Segment[];
  dataStart: number;
  dataEnd: number;
}

/**
 * Cuts a frame into packets, filling each UDP payload (at most mtu - 28 bytes) with as many whole pixel groups
 * as fit after the RTP header, the extended sequence number and one line header per segment. Segments follow
 * raster order, so a packet's data is one contiguous slice of the frame.
 */
export function planRfc4175Layout(geometry: FrameGeometry, mtu: number): PacketPlan[] {
  const pg = pixelGroup(geometry.format);
  const budget = mtu - IPV4_UDP_OVERHEAD - RTP_HEADER_BYTES - EXTENDED_SEQUENCE_BYTES;
  if (budget < LINE_HEADER_BYTES + pg.bytes) {
    const smallest = IPV4_UDP_OVERHEAD + RTP_HEADER_BYTES + EXTENDED_SEQUENCE_BYTES + LINE_HEADER_BYTES + pg.bytes;
    throw new UsageError(
      `--mtu: ${mtu} cannot carry one ${geometry.format} pixel group with its headers (smallest is ${smallest})`,
    );
  }
  const groupsPerLine = geometry.width / pg.pixels;
  const bytesPerLine = lineBytes(geometry);
  const plans: PacketPlan[] = [];
  let line = 0;
  let group = 0;
  while (line < geometry.height) {
    const segments: Segment[] = [];
    const dataStart = line * bytesPerLine + group * pg.bytes;
    let room = budget;
    while (line < geometry.height && room >= LINE_HEADER_BYTES + pg.bytes) {
      room -= LINE_HEADER_BYTES;
      const groups = Math.min(groupsPerLine - group, Math.floor(room / pg.bytes));
      segments.push({ line, offset: group * pg.pixels, length: groups * pg.bytes });
      room -= groups * pg.bytes;
      group += groups;
      if (group === groupsPerLine) {
        line++;
        group = 0;
      }
    }
    plans.push({ segments, dataStart, dataEnd: line * bytesPerLine + group * pg.bytes });
  }
  return plans;
}

function checkUint(value: number | undefined, max: number, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max)) {
    throw new UsageError(`${field}: ${value} must be an integer from 0 to ${max}`);
  }
}

function checkOptions(options: PacketizerOptions): void {
  const maxMtu = MAX_UDP_PAYLOAD + IPV4_UDP_OVERHEAD;
  if (!Number.isInteger(options.mtu) || options.mtu > maxMtu) {
    throw new UsageError(`--mtu: ${options.mtu} must be an integer of at most ${maxMtu}`);
  }
  checkUint(options.payloadType, 127, '--payload-type');
  checkUint(options.ssrc, 0xffffffff, '--ssrc');
  checkUint(options.initialSequence, 0xffffffff, 'initialSequence');
  checkUint(options.initialTimestamp, 0xffffffff, 'initialTimestamp');
}

/** RFC 4175 sender side: a fixed per-geometry layout whose preallocated headers are patched for each frame. */
export class Rfc4175Packetizer implements Packetizer {
  readonly packetsPerFrame: number;
  readonly table: PacketTable;
  readonly ssrc: number;
  private lastTs: number | undefined;
  private readonly geometry: FrameGeometry;
  private readonly bytes: number;
  private readonly headers: Buffer[];
  private readonly timestampOffset: number;
  /** Next extended (32-bit) sequence number. */
  private sequence: number;
  /** Payload views of the last frame buffer seen; sources that reuse one buffer then cost no views per frame. */
  private views: Buffer[] = [];
  private viewsOf: Buffer | undefined;

  constructor(geometry: FrameGeometry, options: PacketizerOptions) {
    this.geometry = validateGeometry(geometryOf(geometry), 'geometry');
    checkOptions(options);
    this.bytes = frameBytes(geometry);
    this.ssrc = options.ssrc ?? randomInt(0x100000000);
    this.sequence = options.initialSequence ?? randomInt(0x10000);
    this.timestampOffset = options.initialTimestamp ?? randomInt(0x100000000);
    const plans = planRfc4175Layout(geometry, options.mtu);
    this.packetsPerFrame = plans.length;
    this.table = buildTable(plans, options.payloadType ?? DEFAULT_PAYLOAD_TYPE, this.ssrc);
    const { headers, headerOffsets } = this.table;
    this.headers = plans.map((_, i) => headers.subarray(headerOffsets[i], headerOffsets[i + 1]));
  }

  get lastTimestamp(): number | undefined {
    return this.lastTs;
  }

  packetize(frame: Frame, emit: EmitPacket): void {
    this.writeHeaders(frame);
    if (frame.data !== this.viewsOf) {
      const offsets = this.table.payloadOffsets;
      this.views = this.headers.map((_, i) => frame.data.subarray(offsets[i], offsets[i + 1]));
      this.viewsOf = frame.data;
    }
    const headers = this.headers;
    const views = this.views;
    for (let i = 0; i < headers.length; i++) emit(headers[i]!, views[i]!);
  }

  writeHeaders(frame: Frame): void {
    assertFrameFits(frame, this.geometry, this.bytes);
    const ts = videoTimestamp(frame.captureTimeUs, this.timestampOffset);
    const { headers: all, headerOffsets } = this.table;
    let seq = this.sequence;
    for (let i = 0; i < this.packetsPerFrame; i++) {
      const h = headerOffsets[i]!;
      all[h + 2] = (seq >>> 8) & 0xff;
      all[h + 3] = seq & 0xff;
      all[h + 4] = ts >>> 24;
      all[h + 5] = (ts >>> 16) & 0xff;
      all[h + 6] = (ts >>> 8) & 0xff;
      all[h + 7] = ts & 0xff;
      all[h + 12] = seq >>> 24;
      all[h + 13] = (seq >>> 16) & 0xff;
      seq = (seq + 1) >>> 0;
    }
    this.sequence = seq;
    this.lastTs = ts;
  }
}

/** All headers live back to back in one allocation. Only seq and timestamp change per frame. */
function buildTable(plans: PacketPlan[], payloadType: number, ssrc: number): PacketTable {
  const fixed = RTP_HEADER_BYTES + EXTENDED_SEQUENCE_BYTES;
  const headerOffsets = new Uint32Array(plans.length + 1);
  plans.forEach((p, i) => {
    headerOffsets[i + 1] = headerOffsets[i]! + fixed + p.segments.length * LINE_HEADER_BYTES;
  });
  const all = Buffer.alloc(headerOffsets[plans.length]!);
  plans.forEach((plan, i) => {
    const h = all.subarray(headerOffsets[i], headerOffsets[i + 1]);
    writeRtpHeader(h, 0, { marker: i === plans.length - 1, payloadType, sequence: 0, timestamp: 0, ssrc });
    plan.segments.forEach((s, k) => {
      const o = fixed + k * LINE_HEADER_BYTES;
      h.writeUInt16BE(s.length, o);
      h.writeUInt16BE(s.line, o + 2);
      h.writeUInt16BE(s.offset | (k < plan.segments.length - 1 ? CONTINUATION_BIT : 0), o + 4);
    });
  });
  // Packets cover the frame in raster order, each right after the last, so n + 1 offsets describe them all.
  const payloadOffsets = Uint32Array.from([...plans.map((p) => p.dataStart), plans.at(-1)?.dataEnd ?? 0]);
  return { headers: all, headerOffsets, payloadOffsets };
}
