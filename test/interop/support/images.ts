import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/**
 * A deterministic rgb24 picture in which neighbouring pixels differ in every channel, so a shifted line, a
 * swapped pixel group or a channel order mix-up changes bytes. `variant` gives distinct pictures of one size.
 */
export function testPicture(width: number, height: number, variant = 0): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0, at = 0; y < height; y++) {
    for (let x = 0; x < width; x++, at += 3) {
      data[at] = (x * 3 + y + variant * 17) & 255;
      data[at + 1] = (y * 5 + (x >> 2) + variant * 31) & 255;
      data[at + 2] = ((x * y) ^ (x + variant * 7)) & 255;
    }
  }
  return data;
}

export async function writePng(file: string, rgb: Buffer, width: number, height: number): Promise<void> {
  await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

/** The rgb24 pixels of a PNG file, checking its size. */
export async function readPngRgb(file: string, width: number, height: number): Promise<Buffer> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`${file} is ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return data;
}

/** The PNG files a framewire png sink wrote to `dir`, in frame order. */
export async function framePngs(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /^frame-\d+\.png$/.test(n)).sort();
  return names.map((n) => path.join(dir, n));
}

/** Splits a file of back-to-back raw frames into frames; a trailing partial frame is an error. */
export async function readRawFrames(file: string, frameBytes: number): Promise<Buffer[]> {
  const data = await readFile(file);
  if (data.length % frameBytes !== 0) throw new Error(`${file}: ${data.length} bytes is not a whole number of ${frameBytes}-byte frames`);
  const frames: Buffer[] = [];
  for (let at = 0; at < data.length; at += frameBytes) frames.push(data.subarray(at, at + frameBytes));
  return frames;
}

/** Largest per-byte difference between two equal-length buffers. */
export function maxByteDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}


/** Why two frames differ, for a failure message: how many rows differ and which, or '' when they are equal. */
export function frameDifference(actual: Uint8Array, expected: Uint8Array, rowBytes: number): string {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  const rows: number[] = [];
  for (let at = 0; at < expected.length; at += rowBytes) {
    if (Buffer.compare(actual.subarray(at, at + rowBytes), expected.subarray(at, at + rowBytes)) !== 0) rows.push(at / rowBytes);
  }
  if (rows.length === 0) return '';
  return `${rows.length} rows differ (first ${rows[0]}, last ${rows[rows.length - 1]}), max byte difference ${maxByteDifference(actual, expected)}`;
}
