import type { DeviceSize, SizeRange, VideoFormat } from './video-format.js';

// One line per format, from libavdevice/v4l2.c list_formats():
//   [video4linux2,v4l2 @ 0x..] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x240
//   [video4linux2,v4l2 @ 0x..] Compressed:       mjpeg :          Motion-JPEG : {32-1920, 2}x{32-1080, 2}
// Fields are separated by " : " (descriptions such as "YUYV 4:2:2" hold bare colons).
const FORMAT_LINE = /(Raw|Compressed)\s*:\s*(\S+) : \s*(.*?) :(?: Emulated :)?(.*)$/;
const DISCRETE = /^(\d+)x(\d+)$/;
const STEPWISE = /\{(\d+)-(\d+),\s*(\d+)\}x\{(\d+)-(\d+),\s*(\d+)\}/;

/**
 * Parses the stderr of `ffmpeg -f v4l2 -list_formats all -i DEVICE`. Formats ffmpeg cannot decode
 * ("Unsupported") are left out since nothing can ask for them.
 */
export function parseFfmpegFormats(text: string): VideoFormat[] {
  const formats: VideoFormat[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = FORMAT_LINE.exec(line);
    if (!m || m[2] === 'Unsupported') continue;
    const rest = m[4].trim();
    const sizes: DeviceSize[] = [];
    let range: SizeRange | undefined;
    const step = STEPWISE.exec(rest);
    if (step) {
      const [minWidth, maxWidth, stepWidth, minHeight, maxHeight, stepHeight] = step.slice(1).map(Number);
      range = { minWidth, maxWidth, stepWidth, minHeight, maxHeight, stepHeight };
    } else {
      for (const word of rest.split(/\s+/)) {
        const d = DISCRETE.exec(word);
        if (d) sizes.push({ width: Number(d[1]), height: Number(d[2]), fps: [] });
      }
    }
    formats.push({ name: m[2], compressed: m[1] === 'Compressed', description: m[3], sizes, range });
  }
  return formats;
}
