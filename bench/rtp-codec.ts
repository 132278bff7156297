/**
 * In-process packets/s of the RFC 4175 stream writer and reader (with its assembler) at 1920x1080 rgb24, mtu 1400.
 * Run: npx tsx bench/rtp-codec.ts [frames]
 */
import { frameBytes, type FrameGeometry } from '../src/frame.js';
import { createStreamReader, createStreamWriter, packetBytes, payloadFormat } from '../src/rtp/index.js';

const geometry: FrameGeometry = { width: 1920, height: 1080, format: 'rgb24' };
const mtu = 1400;
const frames = Number(process.argv[2] ?? 200);

const data = Buffer.alloc(frameBytes(geometry));
for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
const format = payloadFormat('rtp');
const writer = createStreamWriter(format, geometry, { mtu, ssrc: 1, initialSequence: 0, initialTimestamp: 0 });
const perFrame = writer.write({ ...geometry, data, index: 0, captureTimeUs: 0 }).count;

function rate(packets: number, ns: bigint): string {
  return `${Math.round((packets * 1e9) / Number(ns)).toLocaleString('en-US')} packets/s`;
}

// Write: numbering a frame's headers, which is all the writer does per frame (the pixels are not touched).
for (let i = 0; i < 20; i++) writer.write({ ...geometry, data, index: i, captureTimeUs: i * 33_333 });
let t0 = process.hrtime.bigint();
for (let i = 0; i < frames; i++) writer.write({ ...geometry, data, index: i, captureTimeUs: i * 33_333 });
const writeNs = process.hrtime.bigint() - t0;

// Read: one frame's datagrams, renumbered between frames (untimed) so each pass is a new frame.
const first = writer.write({ ...geometry, data, index: 0, captureTimeUs: 0 });
const datagrams = Array.from({ length: first.count }, (_, i) => packetBytes(first, i));
let complete = 0;
const reader = createStreamReader(format, geometry, (_f, info) => {
  if (info.complete) complete++;
});
let seq = 0;
let readNs = 0n;
const warmup = 20;
for (let f = 0; f < warmup + frames; f++) {
  const ts = (f * 3000) >>> 0;
  for (const d of datagrams) {
    d.writeUInt16BE(seq & 0xffff, 2);
    d.writeUInt16BE(seq >>> 16, 12);
    d.writeUInt32BE(ts, 4);
    seq++;
  }
  t0 = process.hrtime.bigint();
  for (let k = 0; k < datagrams.length; k++) reader.push(datagrams[k]!, 0);
  if (f >= warmup) readNs += process.hrtime.bigint() - t0;
}

console.log(`1920x1080 rgb24, mtu ${mtu}: ${perFrame} packets/frame, ${frames} frames`);
console.log(`write: ${rate(frames * perFrame, writeNs)}`);
console.log(`read:  ${rate(frames * perFrame, readNs)} (${complete - warmup} of ${frames} frames complete)`);
console.log(`read:  ${((Number(readNs) / 1e6) / frames).toFixed(2)} ms/frame`);
