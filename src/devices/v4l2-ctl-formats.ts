// Parses `v4l2-ctl --list-formats-ext -d DEVICE`:
//   [0]: 'YUYV' (YUYV 4:2:2)
//           Size: Discrete 640x480
//                   Interval: Discrete 0.033s (30.000 fps)
//   [1]: 'MJPG' (Motion-JPEG, compressed)

/**
 * Frame rates by format description (the driver's, which ffmpeg prints too) and then by "WxH".
 * Keyed by description rather than position because ffmpeg leaves out formats it cannot decode.
 */
export type FormatRates = Map<string, Map<string, number[]>>;

const FORMAT = /^\s*\[\d+\]:\s*'[^']*'\s*\((.*?)(?:, (?:compressed|emulated))*\)\s*$/;
const SIZE = /^\s*Size:\s*\w+\s+(\d+)x(\d+)/;
const RATE = /^\s*Interval:.*\(([\d.]+) fps\)/;

export function parseV4l2CtlRates(text: string): FormatRates {
  const formats: FormatRates = new Map();
  let current: Map<string, number[]> | undefined;
  let rates: number[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    const format = FORMAT.exec(line);
    if (format) {
      current = new Map();
      formats.set(format[1], current);
      rates = undefined;
      continue;
    }
    const size = SIZE.exec(line);
    if (size && current) {
      rates = [];
      current.set(`${size[1]}x${size[2]}`, rates);
      continue;
    }
    const rate = RATE.exec(line);
    if (rate && rates) rates.push(Number(rate[1]));
  }
  return formats;
}
