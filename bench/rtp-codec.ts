/**
 * In-process packets/s of the RFC 4175 packetizer and depacketizer at 1920x1080 rgb24, mtu 1400.
 * Run: npx tsx bench/rtp-codec.ts [frames]
 */
import { frameBytes, type FrameGeometry } from '../src/frame.js';
import { Rfc4175Depacketizer } from '../src/rtp/rfc4175-depacketizer.js';
import { Rfc4175Packetizer } from '../src/rtp/rfc4175-packetizer.js';

const geometry: FrameGeometry = { width: 1920, height: 1080, format: 'rgb24' };
const mtu = 1400;
const frames = Number(process.argv[2] ?? 200);

const data = Buffer.alloc(frameBytes(geometry));
for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
const packetizer = new Rfc4175Packetizer(geometry, { mtu, ssrc: 1, initialSequence: 0, initialTimestamp: 0 });
const perFrame = packetizer.packetsPerFrame;

function rate(packets: number, ns: bigint): string {
  return `${Math.round((packets * 1e9) / Number(ns)).toLocaleString('en-US')} packets/s`;
}

// Packetize: emit does nothing, so this is the cost of the layout walk and header patching alone.
let emitted = 0;
const count = () => {
  emitted++;
};
for (let i = 0; i < 20; i++) packetizer.packetize({ ...geometry, data, index: i, captureTimeUs: i * 33_333 }, count);
emitted = 0;
let t0 = process.hrtime.bigint();
for (let i = 0; i < frames; i++) packetizer.packetize({ ...geometry, data, index: i, captureTimeUs: i * 33_333 }, count);
const packetizeNs = process.hrtime.bigint() - t0;

// Depacketize: one frame's datagrams, renumbered between frames (untimed) so each pass is a new frame.
const datagrams: Buffer[] = [];
packetizer.packetize({ ...geometry, data, index: 0, captureTimeUs: 0 }, (h, p) => datagrams.push(Buffer.concat([h, p])));
let complete = 0;
const depacketizer = new Rfc4175Depacketizer(geometry, (_f, info) => {
  if (info.complete) complete++;
});
let seq = 0;
let depacketizeNs = 0n;
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
  for (let k = 0; k < datagrams.length; k++) depacketizer.push(datagrams[k]!, 0);
  if (f >= warmup) depacketizeNs += process.hrtime.bigint() - t0;
}

console.log(`1920x1080 rgb24, mtu ${mtu}: ${perFrame} packets/frame, ${frames} frames`);
console.log(`packetize:   ${rate(emitted, packetizeNs)}`);
console.log(`depacketize: ${rate(frames * perFrame, depacketizeNs)} (${complete - warmup} of ${frames} frames complete)`);
console.log(`depacketize: ${((Number(depacketizeNs) / 1e6) / frames).toFixed(2)} ms/frame`);
