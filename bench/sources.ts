/**
 * Frames per second the pattern and png sources generate (stamp included), and what readStamp costs
 * on a stamped frame (decode + CRC below the stamp) and an unstamped one (bails on the magic).
 * Run: npx tsx bench/sources.ts
 */
import type { Frame, FrameGeometry } from '../src/frame.js';
import { createSource } from '../src/sources/spec.js';
import { readStamp } from '../src/stamp.js';

const SIZES: FrameGeometry[] = [
  { width: 160, height: 120, format: 'rgb24' },
  { width: 1920, height: 1080, format: 'rgb24' },
  { width: 1920, height: 1080, format: 'uyvy' },
];

function rate(seconds: number, n: number): string {
  return `${(n / seconds).toFixed(0).padStart(7)} /s`;
}

async function generate(spec: string, g: FrameGeometry): Promise<Frame> {
  const source = await createSource(spec, { ...g, seed: 1 });
  const n = g.width * g.height > 100_000 ? 60 : 20_000;
  let last: Frame | undefined;
  let i = 0;
  const start = process.hrtime.bigint();
  for await (const frame of source) {
    last = frame;
    if (++i === n) break;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${`${spec} ${g.width}x${g.height} ${g.format}`.padEnd(46)} ${rate(seconds, n)}`);
  return { ...last!, data: Buffer.from(last!.data) };
}

function readRate(label: string, frame: Frame): void {
  const n = label === 'stamped' && frame.width * frame.height > 100_000 ? 200 : 20_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) readStamp(frame);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${`readStamp ${label} ${frame.width}x${frame.height} ${frame.format}`.padEnd(46)} ${rate(seconds, n)}`);
}

console.log(`node ${process.version}`);
for (const g of SIZES) {
  for (const name of ['smpte', 'ball', 'noise']) {
    const frame = await generate(`pattern:${name}`, g);
    if (name === 'smpte') readRate('stamped', frame);
  }
  const photo = await generate('png:fixtures/images/01-photo.png', g);
  readRate('unstamped', photo);
}
