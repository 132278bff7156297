import fc from 'fast-check';
import { frameBytes, type Frame, type FrameGeometry } from '../../../src/frame.js';
import {
  createStreamReader,
  createStreamWriter,
  IPV4_UDP_OVERHEAD,
  packetBytes,
  payloadFormat,
  type StreamReader,
} from '../../../src/rtp/index.js';
import { createParsedRtpHeader, parseRtpHeader, RTP_HEADER_BYTES, writeRtpHeader } from '../../../src/rtp/rtp-header.js';
import type { AssemblyInfo } from '../../../src/session/assembler.js';
import { corpusFiles, type FuzzTarget } from '../fuzz-target.js';
import { mutatedBytes } from '../mutate.js';

/*
 * The RTP receive path as the Receiver runs it: RTP header parser, RFC 4175 depayloader, stream reader (SSRC,
 * sequence, takeover) and frame assembler (deadline, pool), fed streams a real StreamWriter wrote, then mangled.
 */

const GEOMETRIES: FrameGeometry[] = [
  { width: 16, height: 8, format: 'rgb24' },
  { width: 12, height: 6, format: 'uyvy' },
  { width: 40, height: 3, format: 'rgb24' },
];
/** The geometry of the seed packets in fixtures/fuzz/rtp/. */
export const CORPUS_GEOMETRY: FrameGeometry = { width: 32, height: 16, format: 'rgb24' };
const CORPUS_MTU = 400;

/** Pixels that differ by stream, frame and position, never all zero, so a misplaced or missing byte shows. */
function sourceFrame(g: FrameGeometry, stream: number, k: number): Frame {
  const data = Buffer.alloc(frameBytes(g));
  for (let i = 0; i < data.length; i++) data[i] = ((i * 31 + k * 17 + stream * 101) % 255) + 1;
  return { ...g, data, index: k, captureTimeUs: 1_000_000 + k * 16_667 };
}

/** A stream a real writer wrote: its packets as datagrams, and its frames by `ssrc:timestamp`. */
function writeStream(
  g: FrameGeometry,
  mtu: number,
  stream: number,
  ssrc: number,
  initialSequence: number,
  initialTimestamp: number,
  frames: number,
  sources: Map<string, Buffer>,
): Buffer[] {
  const writer = createStreamWriter(payloadFormat('rtp'), g, { mtu, ssrc, initialSequence, initialTimestamp });
  const out: Buffer[] = [];
  for (let k = 0; k < frames; k++) {
    const frame = sourceFrame(g, stream, k);
    const packets = writer.write(frame);
    const key = `${ssrc}:${packets.timestamp}`;
    if (sources.has(key)) throw new Error(`test setup: two frames keyed ${key}`);
    sources.set(key, Buffer.from(frame.data));
    for (let i = 0; i < packets.count; i++) out.push(packetBytes(packets, i));
  }
  return out;
}

/** The seed corpus: every packet of two frames a real writer made, and the first packet of a third at another MTU. */
export function rtpSeeds(): Array<{ name: string; bytes: Buffer }> {
  const seeds: Array<{ name: string; bytes: Buffer }> = [];
  const packets = writeStream(CORPUS_GEOMETRY, CORPUS_MTU, 0, 0x5eed, 65_530, 0xfffff000, 2, new Map());
  packets.forEach((bytes, i) => seeds.push({ name: `writer-mtu${CORPUS_MTU}-${String(i).padStart(3, '0')}.rtp`, bytes }));
  const wide = writeStream(CORPUS_GEOMETRY, 1500, 1, 0xbeef, 7, 0, 1, new Map());
  seeds.push({ name: 'writer-mtu1500-000.rtp', bytes: wide[0]! });
  return seeds;
}

interface Tally {
  frames: Array<{ info: AssemblyInfo; data: Buffer }>;
  fed: number;
  bytes: number;
}

function openReader(g: FrameGeometry, latencyUs: number, framesInFlight: number | undefined): { reader: StreamReader; tally: Tally } {
  const tally: Tally = { frames: [], fed: 0, bytes: 0 };
  const reader = createStreamReader(
    payloadFormat('rtp'),
    g,
    (frame, info) => tally.frames.push({ info: { ...info }, data: Buffer.from(frame.data) }),
    { latencyUs, framesInFlight },
  );
  return { reader, tally };
}

function feed(reader: StreamReader, tally: Tally, datagram: Buffer, arrivalUs: number): void {
  tally.fed++;
  tally.bytes += datagram.length;
  reader.push(datagram, arrivalUs);
}

/** received = malformed + foreign SSRC + duplicate + late + placed in a frame; frames = complete + incomplete. */
function checkCounts(reader: StreamReader, tally: Tally): void {
  const s = reader.stats;
  const placed = tally.frames.reduce((n, f) => n + f.info.packets, 0);
  const sum = s.packetsMalformed + s.packetsForeignSsrc + s.packetsDuplicate + s.packetsLate + placed;
  if (s.packetsReceived !== tally.fed || s.bytesReceived !== tally.bytes) {
    throw new Error(`received ${s.packetsReceived} packets / ${s.bytesReceived} B, fed ${tally.fed} / ${tally.bytes} B`);
  }
  if (s.packetsReceived !== sum) throw new Error(`received ${s.packetsReceived} != accounted ${sum} (${JSON.stringify(s)}, placed ${placed})`);
  const complete = tally.frames.filter((f) => f.info.complete).length;
  if (s.framesComplete !== complete || s.framesIncomplete !== tally.frames.length - complete) {
    throw new Error(`frames ${s.framesComplete}+${s.framesIncomplete} reported, ${tally.frames.length} handed over (${complete} complete)`);
  }
  if (!(s.packetsLost >= 0)) throw new Error(`packetsLost ${s.packetsLost}`);
  for (const f of tally.frames) {
    if (f.info.complete !== (f.info.bytesMissing === 0)) throw new Error(`complete ${f.info.complete} with ${f.info.bytesMissing} B missing`);
  }
}

/** A network's doing to one datagram. */
interface Fate {
  drop: boolean;
  duplicate: boolean;
  /** Held back this many places (reordering). */
  hold: number;
  /** Cut to this many bytes. */
  truncate: number | null;
}

const fate: fc.Arbitrary<Fate> = fc.record({
  drop: fc.boolean(),
  duplicate: fc.boolean(),
  hold: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 1 }),
  truncate: fc.option(fc.nat(64), { freq: 8 }),
});

const network = fc.record({
  geometry: fc.constantFrom(...GEOMETRIES),
  extraMtu: fc.nat(300),
  frames: fc.integer({ min: 1, max: 4 }),
  /** A second sender with valid-looking RTP on another SSRC. */
  foreign: fc.boolean(),
  /** The first sender restarted under the same SSRC (pinned with --ssrc): new sequence and timestamp lines. */
  restarted: fc.boolean(),
  sequences: fc.tuple(fc.nat(0xffff), fc.nat(0xffff), fc.nat(0xffff)),
  fates: fc.array(fate, { maxLength: 64 }),
  garbage: fc.array(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ maxLength: 80 }) }), { maxLength: 8 }),
  gapsUs: fc.array(
    fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 900_000, max: 1_500_000 })),
    { minLength: 1, maxLength: 16 },
  ),
  latencyUs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50_000 })),
  framesInFlight: fc.option(fc.integer({ min: 1, max: 4 })),
});

function minMtu(g: FrameGeometry): number {
  return IPV4_UDP_OVERHEAD + RTP_HEADER_BYTES + payloadFormat('rtp').minPayload(g).bytes;
}

/** Streams through a hostile network: each complete frame is byte for byte the frame its SSRC and timestamp name. */
const intactFramesMatch = fc.property(network, (n) => {
  const g = n.geometry;
  const mtu = minMtu(g) + n.extraMtu;
  const sources = new Map<string, Buffer>();
  const [seqA, seqB, seqC] = n.sequences;
  let wire = writeStream(g, mtu, 0, 0x1111, seqA, 0x10000000, n.frames, sources);
  if (n.restarted) wire = wire.concat(writeStream(g, mtu, 1, 0x1111, seqB, 0x90000000, n.frames, sources));
  if (n.foreign) {
    // Interleaved packet by packet with the first sender's, as a hijacker on the same port would send them.
    const other = writeStream(g, mtu, 2, 0x2222, seqC, 0x50000000, n.frames, sources);
    wire = wire.flatMap((d, i) => (i < other.length ? [d, other[i]!] : [d])).concat(other.slice(wire.length));
  }
  const delivered: Buffer[] = [];
  const held: Array<{ until: number; d: Buffer }> = [];
  wire.forEach((d, i) => {
    const f = n.fates.length > 0 ? n.fates[i % n.fates.length]! : undefined;
    if (f?.drop) return;
    const out = f?.truncate != null ? d.subarray(0, Math.min(d.length, f.truncate)) : d;
    if (f && f.hold > 0) held.push({ until: i + f.hold, d: out });
    else delivered.push(out);
    if (f?.duplicate) delivered.push(out);
    for (let h = held.findIndex((x) => x.until <= i); h >= 0; h = held.findIndex((x) => x.until <= i)) {
      delivered.push(held.splice(h, 1)[0]!.d);
    }
  });
  delivered.push(...held.map((x) => x.d));
  for (const g2 of n.garbage) delivered.splice(g2.at % (delivered.length + 1), 0, Buffer.from(g2.bytes));

  const { reader, tally } = openReader(g, n.latencyUs, n.framesInFlight ?? undefined);
  let t = 5_000_000;
  delivered.forEach((d, i) => {
    t += n.gapsUs[i % n.gapsUs.length]!;
    feed(reader, tally, d, t);
  });
  reader.flush();
  checkCounts(reader, tally);
  for (const f of tally.frames) {
    if (!f.info.complete) continue;
    const source = sources.get(`${f.info.ssrc}:${f.info.rtpTimestamp}`);
    if (!source) throw new Error(`a complete frame keyed ${f.info.ssrc}:${f.info.rtpTimestamp} was never sent`);
    if (!source.equals(f.data)) throw new Error(`complete frame ${f.info.ssrc}:${f.info.rtpTimestamp} differs from what was sent`);
  }
});

/** Without loss, reordering or strangers, every frame of any geometry and MTU arrives whole. */
const cleanStreamArrivesWhole = fc.property(
  fc.constantFrom(...GEOMETRIES),
  fc.nat(1200),
  fc.integer({ min: 1, max: 5 }),
  fc.nat(0xffff),
  (g, extraMtu, frames, seq) => {
    const sources = new Map<string, Buffer>();
    const wire = writeStream(g, minMtu(g) + extraMtu, 0, 0xabc, seq, 0xfffffff0, frames, sources);
    const { reader, tally } = openReader(g, 10_000, undefined);
    wire.forEach((d, i) => feed(reader, tally, d, 1_000_000 + i * 10));
    reader.flush();
    checkCounts(reader, tally);
    if (tally.frames.length !== frames || tally.frames.some((f) => !f.info.complete)) {
      throw new Error(`${frames} frames sent, ${tally.frames.filter((f) => f.info.complete).length} of ${tally.frames.length} complete`);
    }
  },
);

/** Real packets mutated byte by byte (libFuzzer style): never a throw, and every datagram accounted for. */
function mutatedPacketsCounted(seeds: Buffer[]) {
  return fc.property(
    fc.array(fc.oneof(mutatedBytes(seeds), fc.constantFrom(...seeds)), { minLength: 1, maxLength: 48 }),
    fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })),
    (datagrams, latencyUs) => {
      const { reader, tally } = openReader(CORPUS_GEOMETRY, latencyUs, undefined);
      datagrams.forEach((d, i) => feed(reader, tally, d, 1_000_000 + i * 100));
      reader.flush();
      checkCounts(reader, tally);
    },
  );
}

/** The header parser: a payload range inside the datagram or a refusal; what writeRtpHeader wrote reads back. */
function headerBounds(seeds: Buffer[]) {
  return fc.property(fc.oneof(mutatedBytes(seeds), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a))), (d) => {
    const h = createParsedRtpHeader();
    if (!parseRtpHeader(d, h)) return;
    if (!(h.payloadStart >= RTP_HEADER_BYTES && h.payloadStart <= h.payloadEnd && h.payloadEnd <= d.length)) {
      throw new Error(`payload [${h.payloadStart}, ${h.payloadEnd}) of a ${d.length}-byte datagram`);
    }
  });
}

const headerRoundTrip = fc.property(
  fc.record({ marker: fc.boolean(), payloadType: fc.nat(127), sequence: fc.nat(0xffff), timestamp: fc.nat(0xffffffff), ssrc: fc.nat(0xffffffff) }),
  fc.uint8Array({ maxLength: 32 }),
  (fields, payload) => {
    const d = Buffer.concat([Buffer.alloc(RTP_HEADER_BYTES), payload]);
    writeRtpHeader(d, 0, fields);
    const h = createParsedRtpHeader();
    if (!parseRtpHeader(d, h)) throw new Error('a written header does not parse');
    const back = { marker: h.marker, payloadType: h.payloadType, sequence: h.sequence, timestamp: h.timestamp, ssrc: h.ssrc };
    if (JSON.stringify(back) !== JSON.stringify(fields) || h.payloadStart !== RTP_HEADER_BYTES || h.payloadEnd !== d.length) {
      throw new Error(`wrote ${JSON.stringify(fields)}, read ${JSON.stringify(h)}`);
    }
  },
);

export const rtpTarget: FuzzTarget = {
  name: 'rtp',
  summary: 'RTP header, RFC 4175 depayloader, stream reader and assembler: intact frames match, counts add up',
  properties() {
    const seeds = corpusFiles('rtp');
    return [
      { name: 'complete frames match what was sent, through loss, duplicates, reordering, truncation, strangers', property: intactFramesMatch },
      { name: 'a clean stream arrives whole at any geometry and MTU', property: cleanStreamArrivesWhole },
      { name: 'mutated real packets never throw and are all counted', property: mutatedPacketsCounted(seeds) },
      { name: 'the header parser stays inside the datagram', property: headerBounds(seeds) },
      { name: 'a written header reads back', property: headerRoundTrip },
    ];
  },
};
