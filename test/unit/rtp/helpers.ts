import { frameBytes, type Frame, type FrameGeometry } from '../../../src/frame.js';
import {
  createStreamReader,
  createStreamWriter,
  packetBytes,
  payloadFormat,
  type StreamReader,
  type StreamReaderOptions,
  type StreamWriter,
  type StreamWriterOptions,
} from '../../../src/rtp/index.js';
import type { AssemblyInfo, OnFrame } from '../../../src/session/assembler.js';

/** The RFC 4175 stream writer the sender uses (an RTP header and RFC 4175 payload per packet). */
export function rtpWriter(g: FrameGeometry, options: StreamWriterOptions): StreamWriter {
  return createStreamWriter(payloadFormat('rtp'), g, options);
}

/** The RFC 4175 stream reader and assembler the receiver uses. */
export function rtpReader(g: FrameGeometry, onFrame: OnFrame, options: StreamReaderOptions = {}): StreamReader {
  return createStreamReader(payloadFormat('rtp'), g, onFrame, options);
}

/** Small seeded generator (mulberry32) so hostile and shuffled inputs are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pixels that differ between frames and positions, and are never all zero, so a missing byte shows. */
export function makeFrame(g: FrameGeometry, index: number, captureTimeUs = index * 40_000): Frame {
  const data = Buffer.alloc(frameBytes(g));
  for (let i = 0; i < data.length; i++) data[i] = ((i * 31 + index * 17) % 255) + 1;
  return { ...g, data, index, captureTimeUs };
}

/** Each packet of the frame as the one datagram a socket would deliver: header and payload joined. */
export function packetsOf(w: StreamWriter, frame: Frame): Buffer[] {
  const packets = w.write(frame);
  return Array.from({ length: packets.count }, (_, i) => packetBytes(packets, i));
}

export interface Received {
  frame: Frame;
  info: AssemblyInfo;
}

/** The callback copies, because the depacketizer's buffers are only valid during the call. */
export function collector(): { received: Received[]; onFrame: (frame: Frame, info: AssemblyInfo) => void } {
  const received: Received[] = [];
  return {
    received,
    onFrame: (frame, info) => received.push({ frame: { ...frame, data: Buffer.from(frame.data) }, info: { ...info } }),
  };
}

export function pushAll(d: StreamReader, packets: Buffer[], arrivalUs = 1_000_000): void {
  for (const p of packets) d.push(p, arrivalUs);
}

export function shuffleWithin<T>(items: T[], random: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export interface DecodedPacket {
  version: number;
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  segments: { length: number; field: number; line: number; offset: number }[];
  data: Buffer;
}

/** Independent reading of a packetizer's output, written from RFC 4175 section 4 rather than from our code. */
export function decodePacket(p: Buffer): DecodedPacket {
  const segments: DecodedPacket['segments'] = [];
  let at = 14;
  let more = true;
  while (more) {
    const offsetWord = p.readUInt16BE(at + 4);
    segments.push({
      length: p.readUInt16BE(at),
      field: p[at + 2]! >> 7,
      line: p.readUInt16BE(at + 2) & 0x7fff,
      offset: offsetWord & 0x7fff,
    });
    more = (offsetWord & 0x8000) !== 0;
    at += 6;
  }
  return {
    version: p[0]! >> 6,
    marker: (p[1]! & 0x80) !== 0,
    payloadType: p[1]! & 0x7f,
    sequence: ((p.readUInt16BE(12) << 16) | p.readUInt16BE(2)) >>> 0,
    timestamp: p.readUInt32BE(4),
    ssrc: p.readUInt32BE(8),
    segments,
    data: p.subarray(at),
  };
}

/** Builds an RFC 4175 packet by hand, for hostile and edge-case inputs. */
export function craftPacket(opts: {
  sequence: number;
  timestamp: number;
  ssrc: number;
  segments: { length: number; line: number; offset: number; field?: boolean }[];
  data?: Buffer;
  marker?: boolean;
}): Buffer {
  const head = Buffer.alloc(14 + 6 * opts.segments.length);
  head[0] = 0x80;
  head[1] = (opts.marker ? 0x80 : 0) | 96;
  head.writeUInt16BE(opts.sequence & 0xffff, 2);
  head.writeUInt32BE(opts.timestamp >>> 0, 4);
  head.writeUInt32BE(opts.ssrc >>> 0, 8);
  head.writeUInt16BE(opts.sequence >>> 16, 12);
  opts.segments.forEach((s, k) => {
    const o = 14 + 6 * k;
    head.writeUInt16BE(s.length, o);
    head.writeUInt16BE((s.field ? 0x8000 : 0) | s.line, o + 2);
    head.writeUInt16BE((k < opts.segments.length - 1 ? 0x8000 : 0) | s.offset, o + 4);
  });
  const data = opts.data ?? Buffer.alloc(opts.segments.reduce((n, s) => n + s.length, 0), 0xab);
  return Buffer.concat([head, data]);
}
