import { geometryOf, lineBytes, pixelGroup, type FrameGeometry } from '../../../frame.js';
import type { Depayloader } from '../payload-format.js';
import type { PayloadRuns } from '../payload-runs.js';
import {
  CONTINUATION_BIT,
  EXTENDED_SEQUENCE_BYTES,
  FIELD_BIT,
  LINE_HEADER_BYTES,
  LINE_MASK,
  OFFSET_MASK,
} from './wire.js';

/**
 * RFC 4175 receiver side: checks every line header against the geometry before saying where any byte goes, so a
 * bad packet places nothing; each segment becomes one run.
 */
export class Rfc4175Depayloader implements Depayloader {
  readonly unitBytes: number;
  private readonly width: number;
  private readonly height: number;
  private readonly pgPixels: number;
  private readonly bytesPerLine: number;

  constructor(geometry: FrameGeometry) {
    const g = geometryOf(geometry);
    const pg = pixelGroup(g.format);
    this.unitBytes = pg.bytes;
    this.pgPixels = pg.pixels;
    this.width = g.width;
    this.height = g.height;
    this.bytesPerLine = lineBytes(g);
  }

  extendedSequence(datagram: Buffer, start: number, end: number, sequence: number): number {
    if (end - start < EXTENDED_SEQUENCE_BYTES) return -1;
    return ((((datagram[start]! << 8) | datagram[start + 1]!) << 16) | sequence) >>> 0;
  }

  locate(dg: Buffer, start: number, end: number, runs: PayloadRuns): boolean {
    const { width, height, unitBytes: pgBytes, pgPixels, bytesPerLine } = this;
    // First pass: the line headers alone, so the data offset of the first segment is known.
    let p = start + EXTENDED_SEQUENCE_BYTES;
    let count = 0;
    let dataBytes = 0;
    for (;;) {
      if (p + LINE_HEADER_BYTES > end) return false;
      const length = (dg[p]! << 8) | dg[p + 1]!;
      const lineWord = (dg[p + 2]! << 8) | dg[p + 3]!;
      const offsetWord = (dg[p + 4]! << 8) | dg[p + 5]!;
      p += LINE_HEADER_BYTES;
      count++;
      // F set means an interlaced field; we only carry progressive frames.
      if (lineWord & FIELD_BIT) return false;
      const offset = offsetWord & OFFSET_MASK;
      if ((lineWord & LINE_MASK) >= height || offset % pgPixels !== 0 || length % pgBytes !== 0) return false;
      // A segment stays within its line.
      if (offset + (length / pgBytes) * pgPixels > width) return false;
      dataBytes += length;
      if (!(offsetWord & CONTINUATION_BIT)) break;
    }
    if (p + dataBytes > end) return false;
    runs.count = 0;
    let src = p;
    for (let k = 0, h = start + EXTENDED_SEQUENCE_BYTES; k < count; k++, h += LINE_HEADER_BYTES) {
      const length = (dg[h]! << 8) | dg[h + 1]!;
      const line = ((dg[h + 2]! << 8) | dg[h + 3]!) & LINE_MASK;
      const group = (((dg[h + 4]! << 8) | dg[h + 5]!) & OFFSET_MASK) / pgPixels;
      if (!runs.add(line * bytesPerLine + group * pgBytes, src, length)) return false;
      src += length;
    }
    return true;
  }
}
