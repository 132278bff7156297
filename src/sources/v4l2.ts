import { probeV4l2Formats, explainV4l2Failure } from '../devices/probe.js';
import type { VideoFormat } from '../devices/video-format.js';
import { geometryOf } from '../frame.js';
import { FfmpegStreamSource } from './ffmpeg-stream.js';
import type { Source, SourceOptions } from './source.js';

export const DEFAULT_V4L2_DEVICE = '/dev/video0';
/**
 * Above this many pixels a USB 2.0 camera cannot send uncompressed YUYV at full rate (1280x720 YUYV
 * tops out near 10 fps), so larger captures ask for MJPEG and let ffmpeg decode it.
 */
const LARGE_PIXELS = 640 * 480;

/** What to ask the device for; fields are left out when the device did not say what it offers. */
export interface V4l2Input {
  inputFormat?: string;
  width?: number;
  height?: number;
}

/**
 * `v4l2[:DEVICE]` source (default /dev/video0): one ffmpeg child captures from the device and streams raw
 * frames scaled to the requested size. The device is probed when reading starts, so a missing camera ends
 * the iteration with a message naming the device and the fix.
 */
export async function createV4l2Source(arg: string, options: SourceOptions): Promise<Source> {
  const device = arg === '' ? DEFAULT_V4L2_DEVICE : arg;
  const g = geometryOf(options);
  const label = `v4l2: ${device}`;
  return new FfmpegStreamSource({
    geometry: g,
    description: `v4l2:${device} ${g.width}x${g.height} ${g.format}${options.fps === undefined ? '' : ` ${options.fps} fps`}`,
    label,
    inputArgs: async () => v4l2InputArgs(device, chooseV4l2Input(await probeV4l2Formats(device), g), options.fps),
    endless: true,
    explainExit: (stderr, how) => explainV4l2Failure(device, stderr, how),
    stamp: options.stamp,
  });
}

export function v4l2InputArgs(device: string, input: V4l2Input, fps: number | undefined): string[] {
  return [
    '-f', 'v4l2',
    ...(input.inputFormat ? ['-input_format', input.inputFormat] : []),
    ...(input.width ? ['-video_size', `${input.width}x${input.height}`] : []),
    ...(fps === undefined ? [] : ['-framerate', String(fps)]),
    '-i', device,
  ];
}

interface Candidate {
  format: VideoFormat;
  width: number;
  height: number;
}

/**
 * Picks the capture size and format: the smallest size that covers the requested one (else the largest
 * there is), then MJPEG for large sizes and YUYV for small ones when the device offers that size in both.
 */
export function chooseV4l2Input(formats: VideoFormat[], want: { width: number; height: number }): V4l2Input {
  const candidates = formats.flatMap((format) => candidatesOf(format, want));
  if (candidates.length === 0) return {};
  const area = (c: Candidate) => c.width * c.height;
  const covering = candidates.filter((c) => c.width >= want.width && c.height >= want.height);
  const size = covering.length > 0
    ? covering.reduce((a, b) => (area(b) < area(a) ? b : a))
    : candidates.reduce((a, b) => (area(b) > area(a) ? b : a));
  const same = candidates.filter((c) => c.width === size.width && c.height === size.height);
  const preferred = area(size) > LARGE_PIXELS ? 'mjpeg' : 'yuyv422';
  const pick = same.find((c) => c.format.name === preferred) ?? same.find((c) => !c.format.compressed) ?? same[0];
  return { inputFormat: pick.format.name, width: pick.width, height: pick.height };
}

function candidatesOf(format: VideoFormat, want: { width: number; height: number }): Candidate[] {
  const r = format.range;
  if (!r) return format.sizes.map((s) => ({ format, width: s.width, height: s.height }));
  const fit = (v: number, min: number, max: number, step: number) =>
    Math.min(max, Math.max(min, min + Math.ceil((v - min) / Math.max(1, step)) * Math.max(1, step)));
  return [{
    format,
    width: fit(want.width, r.minWidth, r.maxWidth, r.stepWidth),
    height: fit(want.height, r.minHeight, r.maxHeight, r.stepHeight),
  }];
}
