/**
 * CRC-32 throughput over one 1920x1080 rgb24 frame (6.2 MB), pure JS and (when present) native zlib.
 * Run: npx tsx bench/crc32.ts
 */
import { randomFillSync } from 'node:crypto';
import * as zlib from 'node:zlib';
import { crc32, crc32Js } from '../src/crc32.js';

const frame = randomFillSync(Buffer.alloc(1920 * 1080 * 3));

function measure(name: string, fn: (d: Uint8Array) => number): void {
  for (let i = 0; i < 5; i++) fn(frame); // let the JIT settle before timing
  const rounds = 40;
  const start = process.hrtime.bigint();
  let last = 0;
  for (let i = 0; i < rounds; i++) last = fn(frame);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mbps = (frame.length * rounds) / seconds / 1e6;
  const perFrameMs = (seconds / rounds) * 1000;
  console.log(`${name.padEnd(22)} ${mbps.toFixed(0).padStart(6)} MB/s  ${perFrameMs.toFixed(2)} ms/frame  (crc ${last.toString(16)})`);
}

console.log(`node ${process.version}, frame ${frame.length} bytes`);
measure('crc32Js (slicing-by-8)', crc32Js);
if ((zlib as { crc32?: unknown }).crc32) measure('zlib.crc32 (native)', (d) => zlib.crc32(d));
measure('crc32 (exported)', (d) => crc32(d));
