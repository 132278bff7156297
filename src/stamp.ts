import { crc32 } from './crc32.js';
import type { Frame, FrameGeometry } from './frame.js';
import { frameBytes, lineBytes } from './frame.js';
import { CHROMA_NEUTRAL, Y_BLACK, Y_WHITE } from './pixels.js';
import { SettingError } from './usage-error.js';

/**
 * The frame stamp: 160 bits drawn as black/white square blocks across the top rows of a frame, so a
 * receiver can tell which frame it got, when it was captured, and whether its pixels arrived intact.
 *
 * Bit layout (MSB first, row-major over blocks):
 *   magic 16 | index 32 | capture time µs 64 | CRC-32 of the bytes below the stamp 32 | check 16
 * The check is the low 16 bits of the CRC-32 of the 18 bytes before it. An image that is not stamped
 * must match the 16-bit magic and then the 16-bit check by chance (about 1 in 4 billion) to be taken
 * for a stamp; flat or striped areas decode to runs that fail the magic at once.
 *
 * Size: the block edge is width/40 clamped to 2..8 pixels, so a row of blocks holds at least 40 bits
 * (32 at the narrowest) and the stamp is 4 block rows at 160 wide (16 pixel rows), 1 row of 8-pixel
 * blocks from 1280 wide. Stamping needs width >= 64 and at least one pixel row below the stamp
 * (64x11 is the smallest frame). Index and capture time stay readable after JPEG quality 75: tested with
 * 4-pixel blocks and up (width >= 160); 8-pixel blocks (width >= 320) sit on JPEG's 8x8 grid and survive
 * far worse. Decoding thresholds the mean luma of the 2x2 pixels at each block's centre (the centre pixel
 * for odd block sizes), where JPEG ringing from neighbouring blocks is weakest.
 */

const STAMP_BITS = 160;
const STAMP_BYTES = STAMP_BITS / 8;
const MAGIC = 0x9e37;
const MIN_WIDTH = 64;
const MIN_BLOCK = 2;
const MAX_BLOCK = 8;
const BLOCKS_PER_ROW_TARGET = 40;

/** rgb24 luma (BT.601 weights, full range, x256) above which a block reads as white. */
const RGB_THRESHOLD_X256 = 128 * 256;
/** uyvy limited-range luma above which a block reads as white: midway between black and white. */
const UYVY_THRESHOLD = (Y_BLACK + Y_WHITE) >> 1;

interface Layout {
  block: number;
  columns: number;
  rows: number;
  pixelRows: number;
}

function layoutOf(g: FrameGeometry): Layout | undefined {
  if (g.width < MIN_WIDTH) return undefined;
  const block = Math.min(MAX_BLOCK, Math.max(MIN_BLOCK, Math.floor(g.width / BLOCKS_PER_ROW_TARGET)));
  const columns = Math.floor(g.width / block);
  const rows = Math.ceil(STAMP_BITS / columns);
  const pixelRows = rows * block;
  if (g.height <= pixelRows) return undefined;
  return { block, columns, rows, pixelRows };
}

/** Pixel rows the stamp occupies at the top of a frame of this geometry; 0 when it is too small to stamp. */
export function stampRows(g: FrameGeometry): number {
  return layoutOf(g)?.pixelRows ?? 0;
}

/**
 * Checks a frame of this geometry can carry a stamp, for sources asked to stamp (`--stamp`), before any work.
 */
export function assertStampable(g: FrameGeometry): void {
  if (stampRows(g) === 0) {
    throw new SettingError('stamp', `a ${g.width}x${g.height} frame is too small to stamp (needs width >= 64 and room below the stamp)`);
  }
}

/** CRC-32 of the frame bytes below the stamp rows (of the whole frame when it is too small to stamp). */
export function crcBelowStamp(frame: FrameGeometry & Pick<Frame, 'data'>): number {
  return crc32(frame.data.subarray(stampRows(frame) * lineBytes(frame), frameBytes(frame)));
}

// One stamp is encoded or decoded at a time (single-threaded), so both share one scratch buffer.
const fields = Buffer.alloc(STAMP_BYTES);

function bitAt(i: number): number {
  return (fields[i >> 3] >> (7 - (i & 7))) & 1;
}

function checkOf(): number {
  return crc32(fields.subarray(0, STAMP_BYTES - 2)) & 0xffff;
}

/**
 * Draws the stamp for `frame.index` and `frame.captureTimeUs` into the frame's top rows. The CRC of the
 * pixels below is computed unless `pixelCrc` is given (a source repeating a static picture caches it).
 * Throws a RangeError for a frame too small to stamp: callers check {@link stampRows} first.
 */
export function writeStamp(frame: Frame, pixelCrc?: number): void {
  const layout = layoutOf(frame);
  if (!layout) throw new RangeError(`a ${frame.width}x${frame.height} frame is too small to stamp`);
  const time = Math.max(0, Math.trunc(frame.captureTimeUs));
  fields.writeUInt16BE(MAGIC, 0);
  fields.writeUInt32BE(frame.index >>> 0, 2);
  fields.writeUInt32BE(Math.floor(time / 0x1_0000_0000) >>> 0, 6);
  fields.writeUInt32BE(time >>> 0, 10);
  fields.writeUInt32BE((pixelCrc ?? crcBelowStamp(frame)) >>> 0, 14);
  fields.writeUInt16BE(checkOf(), 18);
  drawBlocks(frame, layout);
}

function drawBlocks(frame: Frame, { block, columns, rows }: Layout): void {
  const { data, width } = frame;
  const stride = lineBytes(frame);
  const rgb = frame.format === 'rgb24';
  for (let r = 0; r < rows; r++) {
    // Draw the first pixel row of this block row, then copy it down the block's height.
    const rowStart = r * block * stride;
    for (let x = 0; x < width; x++) {
      const column = Math.floor(x / block);
      const bit = r * columns + column;
      const white = column < columns && bit < STAMP_BITS && bitAt(bit) === 1;
      if (rgb) {
        const at = rowStart + x * 3;
        data[at] = data[at + 1] = data[at + 2] = white ? 255 : 0;
      } else {
        const at = rowStart + (x >> 1) * 4;
        data[at + 1 + (x & 1) * 2] = white ? Y_WHITE : Y_BLACK;
        data[at + (x & 1) * 2] = CHROMA_NEUTRAL;
      }
    }
    for (let y = 1; y < block; y++) data.copyWithin(rowStart + y * stride, rowStart, rowStart + stride);
  }
}

function lumaAt(frame: Frame, x: number, y: number, stride: number): number {
  const d = frame.data;
  if (frame.format === 'rgb24') {
    const at = y * stride + x * 3;
    return 77 * d[at] + 150 * d[at + 1] + 29 * d[at + 2];
  }
  return d[y * stride + (x >> 1) * 4 + 1 + (x & 1) * 2];
}

function readBit(frame: Frame, layout: Layout, stride: number, i: number): number {
  const { block, columns } = layout;
  const x0 = (i % columns) * block + ((block - 1) >> 1);
  const y0 = Math.floor(i / columns) * block + ((block - 1) >> 1);
  const x1 = x0 + 1 - (block & 1); // odd blocks have one centre pixel, even ones a 2x2 centre
  const y1 = y0 + 1 - (block & 1);
  const sum =
    lumaAt(frame, x0, y0, stride) + lumaAt(frame, x1, y0, stride) + lumaAt(frame, x0, y1, stride) + lumaAt(frame, x1, y1, stride);
  const threshold = frame.format === 'rgb24' ? RGB_THRESHOLD_X256 : UYVY_THRESHOLD;
  return sum > threshold * 4 ? 1 : 0;
}

function readBits(frame: Frame, layout: Layout, stride: number, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    fields[byte] = readBit(frame, layout, stride, i) ? fields[byte] | mask : fields[byte] & ~mask;
  }
}

/**
 * Decodes the stamp at the top of `frame`. Undefined when there is none (or the frame is too small or
 * shorter than its geometry says); `intact` tells whether the pixels below the stamp match its CRC.
 * Reads the 16 magic blocks first, so an unstamped frame costs almost nothing. With `checkPixels` false the
 * CRC over the whole frame is skipped (a frame known to have holes cannot be intact) and `intact` is false.
 */
export function readStamp(
  frame: Frame,
  checkPixels = true,
): { index: number; captureTimeUs: number; intact: boolean } | undefined {
  const layout = layoutOf(frame);
  if (!layout || frame.data.length < frameBytes(frame)) return undefined;
  const stride = lineBytes(frame);
  readBits(frame, layout, stride, 0, 16);
  if (fields.readUInt16BE(0) !== MAGIC) return undefined;
  readBits(frame, layout, stride, 16, STAMP_BITS);
  if (fields.readUInt16BE(18) !== checkOf()) return undefined;
  const index = fields.readUInt32BE(2);
  const captureTimeUs = fields.readUInt32BE(6) * 0x1_0000_0000 + fields.readUInt32BE(10);
  const intact = checkPixels && fields.readUInt32BE(14) === crcBelowStamp(frame);
  return { index, captureTimeUs, intact };
}
