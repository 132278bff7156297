import type { FrameGeometry } from './frame.js';

/**
 * Pixel conversion between rgb24 and uyvy (4:2:2, BT.601 limited range), with the integer formulas
 * FFmpeg and most capture hardware use. Every function writes into a caller-provided buffer so the
 * per-frame paths allocate nothing.
 */

/** Luma of black and white in limited-range YCbCr. */
export const Y_BLACK = 16;
export const Y_WHITE = 235;
/** Cb/Cr of a grey (no colour). */
export const CHROMA_NEUTRAL = 128;

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** BT.601 limited-range luma of one RGB pixel. */
function rgbToY(r: number, g: number, b: number): number {
  return ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
}

/**
 * rgb24 -> uyvy. `width` must be even. Each pixel pair shares the chroma of its averaged RGB, which
 * is what swscale's default path gives where the pair has one colour (and within a step at edges).
 */
export function rgb24ToUyvy(src: Uint8Array, dst: Uint8Array, width: number, height: number): void {
  const pairs = (width * height) >> 1;
  for (let p = 0, s = 0, d = 0; p < pairs; p++, s += 6, d += 4) {
    const r0 = src[s], g0 = src[s + 1], b0 = src[s + 2];
    const r1 = src[s + 3], g1 = src[s + 4], b1 = src[s + 5];
    const r = r0 + r1, g = g0 + g1, b = b0 + b1; // twice the pair's mean, halved inside the rounding below
    dst[d] = ((-38 * r - 74 * g + 112 * b + 256) >> 9) + 128;
    dst[d + 1] = rgbToY(r0, g0, b0);
    dst[d + 2] = ((112 * r - 94 * g - 18 * b + 256) >> 9) + 128;
    dst[d + 3] = rgbToY(r1, g1, b1);
  }
}

/** uyvy -> rgb24. `width` must be even. */
export function uyvyToRgb24(src: Uint8Array, dst: Uint8Array, width: number, height: number): void {
  const pairs = (width * height) >> 1;
  for (let p = 0, s = 0, d = 0; p < pairs; p++, s += 4, d += 6) {
    const u = src[s] - 128;
    const v = src[s + 2] - 128;
    const rc = 409 * v + 128;
    const gc = -100 * u - 208 * v + 128;
    const bc = 516 * u + 128;
    const y0 = 298 * (src[s + 1] - 16);
    const y1 = 298 * (src[s + 3] - 16);
    dst[d] = clamp8((y0 + rc) >> 8);
    dst[d + 1] = clamp8((y0 + gc) >> 8);
    dst[d + 2] = clamp8((y0 + bc) >> 8);
    dst[d + 3] = clamp8((y1 + rc) >> 8);
    dst[d + 4] = clamp8((y1 + gc) >> 8);
    dst[d + 5] = clamp8((y1 + bc) >> 8);
  }
}

/** Bytes an rgb24 copy of a frame of this geometry needs. */
export function rgb24Bytes(g: FrameGeometry): number {
  return g.width * g.height * 3;
}

/**
 * The pixels of a frame as rgb24: `data` itself when the frame is rgb24, else converted into `scratch`
 * (at least {@link rgb24Bytes} long). Sinks that only speak RGB (PNG, display) use this.
 */
export function asRgb24(g: FrameGeometry, data: Buffer, scratch: Buffer): Buffer {
  const bytes = rgb24Bytes(g);
  if (g.format === 'rgb24') return data.subarray(0, bytes);
  uyvyToRgb24(data, scratch, g.width, g.height);
  return scratch.subarray(0, bytes);
}

/**
 * Writes an rgb24 picture into `dst` in the pixel format of `g`: a copy for rgb24, a conversion for uyvy.
 * Sources render in RGB and use this to deliver either format.
 */
export function rgb24ToFormat(rgb: Uint8Array, g: FrameGeometry, dst: Uint8Array): void {
  if (g.format === 'rgb24') {
    dst.set(rgb.subarray(0, rgb24Bytes(g)));
  } else {
    rgb24ToUyvy(rgb, dst, g.width, g.height);
  }
}
