/**
 * Frames per second the camera sources deliver to a consumer that takes each frame at once:
 * lavfi:testsrc2 unpaced through the ffmpeg streaming path (the path v4l2 uses), and webcam:TEST
 * through node-webcam/fswebcam (a process and a JPEG decode per frame), for comparison.
 * Run: npx tsx bench/lavfi-source.ts
 */
import { cpus } from 'node:os';
import type { PixelFormat } from '../src/frame.js';
import { createLavfiSource } from '../src/sources/lavfi.js';
import type { Source } from '../src/sources/source.js';
import { createWebcamSource } from '../src/sources/webcam.js';

interface Row {
  name: string;
  make: (width: number, height: number, format: PixelFormat) => Promise<Source>;
  frames: number;
}

const ROWS: Row[] = [
  { name: 'lavfi:testsrc2 (ffmpeg stream)', make: (width, height, format) => createLavfiSource('testsrc2', { width, height, format }), frames: 3000 },
  { name: 'webcam:TEST (fswebcam per frame)', make: (width, height, format) => createWebcamSource('TEST', { width, height, format }), frames: 100 },
];
const SIZES: Array<[number, number]> = [[160, 120], [320, 240], [640, 480], [1280, 720]];

async function measure(source: Source, frames: number): Promise<number> {
  let n = 0;
  let start = 0;
  for await (const _frame of source) {
    // Time from the first frame on, so process start-up is not counted against the rate.
    if (n === 0) start = performance.now();
    if (++n > frames) break;
  }
  return (n - 1) / ((performance.now() - start) / 1000);
}

console.log(`camera sources: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log('| source | size | format | fps |');
console.log('|---|---|---|---|');
for (const row of ROWS) {
  for (const [width, height] of SIZES) {
    for (const format of ['rgb24', 'uyvy'] as const) {
      const frames = Math.max(50, Math.round(row.frames * (320 * 240) / (width * height)));
      const fps = await measure(await row.make(width, height, format), frames);
      console.log(`| ${row.name} | ${width}x${height} | ${format} | ${fps.toFixed(0)} |`);
    }
  }
}
