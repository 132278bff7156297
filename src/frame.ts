import { SettingError, UsageError } from './usage-error.js';

export type PixelFormat = 'rgb24' | 'uyvy';
export const PIXEL_FORMATS: readonly PixelFormat[] = ['rgb24', 'uyvy'];

/** The size and pixel layout of a frame, without its pixels. */
export interface FrameGeometry {
  width: number;
  height: number;
  format: PixelFormat;
}

/**
 * One uncompressed progressive frame, rows packed with no padding.
 * `captureTimeUs` is wall-clock microseconds (Date.now() based) so two processes on one machine agree.
 */
export interface Frame extends FrameGeometry {
  data: Buffer;
  index: number;
  captureTimeUs: number;
}

/**
 * RFC 4175 pixel group: the smallest run of bytes that holds whole pixels.
 * rgb24 is one pixel in 3 bytes; uyvy (4:2:2) is two pixels in 4 bytes.
 */
export interface PixelGroup {
  bytes: number;
  pixels: number;
}

const PIXEL_GROUPS: Record<PixelFormat, PixelGroup> = {
  rgb24: { bytes: 3, pixels: 1 },
  uyvy: { bytes: 4, pixels: 2 },
};

export function pixelGroup(format: PixelFormat): PixelGroup {
  return PIXEL_GROUPS[format];
}

/** Copies only the geometry, so keeping it does not keep a frame's (or an options object's) other fields alive. */
export function geometryOf(g: FrameGeometry): FrameGeometry {
  return { width: g.width, height: g.height, format: g.format };
}

export function lineBytes(g: FrameGeometry): number {
  const pg = PIXEL_GROUPS[g.format];
  return (g.width / pg.pixels) * pg.bytes;
}

export function frameBytes(g: FrameGeometry): number {
  return lineBytes(g) * g.height;
}

/** Largest dimension accepted anywhere; bounds what a spec or SDP can make us allocate. */
export const MAX_DIMENSION = 8192;

/** Checks a geometry is representable: positive integer sizes, uyvy widths even. `field` names the input. */
export function validateGeometry(g: FrameGeometry, field: string): FrameGeometry {
  if (!Number.isInteger(g.width) || !Number.isInteger(g.height) || g.width < 1 || g.height < 1) {
    throw new SettingError(field, `size ${g.width}x${g.height} must be at least 1x1`);
  }
  if (g.width > MAX_DIMENSION || g.height > MAX_DIMENSION) {
    throw new SettingError(field, `size ${g.width}x${g.height} is larger than ${MAX_DIMENSION}x${MAX_DIMENSION}`);
  }
  if (g.width % PIXEL_GROUPS[g.format].pixels !== 0) {
    throw new SettingError(field, `width ${g.width} must be even for ${g.format} (2 pixels per group)`);
  }
  return g;
}

export function parseSize(text: string, field: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`${field}: '${text}' is not a size like 640x480`);
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width < 1 || height < 1) throw new UsageError(`${field}: size ${text} must be at least 1x1`);
  if (width > MAX_DIMENSION || height > MAX_DIMENSION) {
    throw new UsageError(`${field}: size ${text} is larger than ${MAX_DIMENSION}x${MAX_DIMENSION}`);
  }
  return { width, height };
}

export function parsePixelFormat(text: string, field: string): PixelFormat {
  if ((PIXEL_FORMATS as readonly string[]).includes(text)) return text as PixelFormat;
  throw new UsageError(`${field}: '${text}' is not a pixel format (one of ${PIXEL_FORMATS.join(', ')})`);
}

/**
 * Wall-clock microseconds with sub-millisecond resolution. Sender and receiver both use it, so latency between
 * two processes on one machine is measured to the microsecond rather than Date.now()'s millisecond.
 */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
