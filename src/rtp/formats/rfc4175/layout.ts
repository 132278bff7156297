import { lineBytes, pixelGroup, type FrameGeometry } from '../../../frame.js';
import { EXTENDED_SEQUENCE_BYTES, LINE_HEADER_BYTES } from './wire.js';

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

/** The smallest payload that carries one pixel group: the extended sequence number, a line header, the group. */
export function minRfc4175Payload(geometry: FrameGeometry): number {
  return EXTENDED_SEQUENCE_BYTES + LINE_HEADER_BYTES + pixelGroup(geometry.format).bytes;
}

/**
 * Cuts a frame into packets, filling each payload (at most `maxPayloadBytes`) with as many whole pixel groups as
 * fit after the extended sequence number and one line header per segment. Segments follow raster order, so a
 * packet's data is one contiguous slice of the frame.
 */
export function planRfc4175Layout(geometry: FrameGeometry, maxPayloadBytes: number): PacketPlan[] {
  if (maxPayloadBytes < minRfc4175Payload(geometry)) {
    throw new Error(`a ${maxPayloadBytes}-byte payload cannot carry one pixel group: check minPayload first`);
  }
  const pg = pixelGroup(geometry.format);
  const budget = maxPayloadBytes - EXTENDED_SEQUENCE_BYTES;
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
